package workflow

import (
	"encoding/json"
	"strconv"
)

// Param names a generation parameter that a workflow can be bound to.
type Param string

// The parameters the bot sets.
const (
	ParamPrompt     Param = "prompt"
	ParamNegative   Param = "negative"
	ParamSeed       Param = "seed"
	ParamSteps      Param = "steps"
	ParamCFG        Param = "cfg"
	ParamWidth      Param = "width"
	ParamHeight     Param = "height"
	ParamDenoise    Param = "denoise"
	ParamBatchSize  Param = "batch_size"
	ParamCheckpoint Param = "checkpoint"
	// ParamImage and ParamImage2 are input images: the name of a file uploaded to the
	// server's input folder, written into a LoadImage node.
	ParamImage  Param = "image"
	ParamImage2 Param = "image2"
)

// AllParams lists every parameter in a stable order.
func AllParams() []Param {
	return []Param{ParamPrompt, ParamNegative, ParamSeed, ParamSteps, ParamCFG, ParamWidth,
		ParamHeight, ParamDenoise, ParamBatchSize, ParamCheckpoint, ParamImage, ParamImage2}
}

func knownParam(p Param) bool {
	for _, q := range AllParams() {
		if p == q {
			return true
		}
	}
	return false
}

// kind is how a parameter's value is written into the graph.
type kind int

const (
	kindString kind = iota
	kindInt
	kindFloat
)

func (p Param) kind() kind {
	switch p {
	case ParamPrompt, ParamNegative, ParamCheckpoint, ParamImage, ParamImage2:
		return kindString
	case ParamCFG, ParamDenoise:
		return kindFloat
	default:
		return kindInt
	}
}

// Params are the values to set; nil fields are left as the workflow has them.
// With Go 1.26: workflow.Params{Prompt: new("a red fox"), Seed: new(uint64(42))}.
type Params struct {
	Prompt     *string
	Negative   *string
	Seed       *uint64
	Steps      *int
	CFG        *float64
	Width      *int
	Height     *int
	Denoise    *float64
	BatchSize  *int
	Checkpoint *string
	Image      *string
	Image2     *string
}

// With returns p overridden by every field set in over (layering: defaults.With(user)).
func (p Params) With(over Params) Params {
	pick(&p.Prompt, over.Prompt)
	pick(&p.Negative, over.Negative)
	pick(&p.Seed, over.Seed)
	pick(&p.Steps, over.Steps)
	pick(&p.CFG, over.CFG)
	pick(&p.Width, over.Width)
	pick(&p.Height, over.Height)
	pick(&p.Denoise, over.Denoise)
	pick(&p.BatchSize, over.BatchSize)
	pick(&p.Checkpoint, over.Checkpoint)
	pick(&p.Image, over.Image)
	pick(&p.Image2, over.Image2)
	return p
}

func pick[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

// Set lists the parameters that have a value, in AllParams order.
func (p Params) Set() []Param {
	var set []Param
	for _, q := range AllParams() {
		if _, ok := p.value(q); ok {
			set = append(set, q)
		}
	}
	return set
}

// value returns the JSON value to write for a parameter: a string, or a json.Number with the
// exact text of the number.
func (p Params) value(q Param) (any, bool) {
	switch q {
	case ParamPrompt:
		return deref(p.Prompt)
	case ParamNegative:
		return deref(p.Negative)
	case ParamCheckpoint:
		return deref(p.Checkpoint)
	case ParamImage:
		return deref(p.Image)
	case ParamImage2:
		return deref(p.Image2)
	case ParamSeed:
		if p.Seed == nil {
			return nil, false
		}
		return json.Number(strconv.FormatUint(*p.Seed, 10)), true
	case ParamSteps:
		return intNumber(p.Steps)
	case ParamWidth:
		return intNumber(p.Width)
	case ParamHeight:
		return intNumber(p.Height)
	case ParamBatchSize:
		return intNumber(p.BatchSize)
	case ParamCFG:
		return floatNumber(p.CFG)
	case ParamDenoise:
		return floatNumber(p.Denoise)
	}
	return nil, false
}

func deref(s *string) (any, bool) {
	if s == nil {
		return nil, false
	}
	return *s, true
}

func intNumber(v *int) (any, bool) {
	if v == nil {
		return nil, false
	}
	return json.Number(strconv.Itoa(*v)), true
}

func floatNumber(v *float64) (any, bool) {
	if v == nil {
		return nil, false
	}
	return json.Number(strconv.FormatFloat(*v, 'g', -1, 64)), true
}
