package workflow

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Sidecar is the optional NAME.yaml beside NAME.json: a description, explicit bindings,
// defaults and limits for the workflow's parameters.
//
//	description: Portrait workflow
//	bindings:
//	  seed: {node: "12", input: noise_seed}
//	  prompt: [{node: "6", input: text}, {node: "20", input: text}]
//	defaults: {steps: 30, cfg: 5.5}
//	limits: {steps: {min: 1, max: 50}}
type Sidecar struct {
	Description string
	Bindings    map[Param][]Target
	Defaults    Params
	Limits      Limits
}

// Limits bound numeric parameters a person may ask for.
type Limits map[Param]Limit

// Limit is an inclusive range; a nil end is unbounded.
type Limit struct {
	Min *float64
	Max *float64
}

// ParseSidecar reads a sidecar strictly: unknown keys, unknown parameters and values of the
// wrong type are errors naming the key and its line.
func ParseSidecar(data []byte) (*Sidecar, error) {
	s := &Sidecar{Bindings: map[Param][]Target{}, Limits: Limits{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Code: CodeSidecar, Err: err, Message: "not valid YAML: " + err.Error()}
	}
	if len(doc.Content) == 0 {
		return s, nil
	}
	root := resolve(doc.Content[0])
	if isNull(root) {
		return s, nil
	}
	err := eachKey(root, "the sidecar", func(key string, line int, val *yaml.Node) error {
		switch key {
		case "description":
			return decodeScalar(val, key, &s.Description)
		case "bindings":
			return s.parseBindings(val)
		case "defaults":
			return s.parseDefaults(val)
		case "limits":
			return s.parseLimits(val)
		}
		return sidecarError(line, "unknown key %q (known: description, bindings, defaults, limits)", key)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sidecar) parseBindings(n *yaml.Node) error {
	return eachParam(n, "bindings", func(p Param, val *yaml.Node) error {
		var targets []Target
		if val.Kind == yaml.SequenceNode {
			for _, item := range val.Content {
				t, err := parseTarget(resolve(item), p)
				if err != nil {
					return err
				}
				targets = append(targets, t)
			}
		} else {
			t, err := parseTarget(val, p)
			if err != nil {
				return err
			}
			targets = append(targets, t)
		}
		if len(targets) == 0 {
			return sidecarError(val.Line, "bindings.%s lists no targets", p)
		}
		s.Bindings[p] = targets
		return nil
	})
}

func parseTarget(n *yaml.Node, p Param) (Target, error) {
	var t Target
	where := "bindings." + string(p)
	err := eachKey(n, where, func(key string, line int, val *yaml.Node) error {
		switch key {
		case "node":
			return decodeScalar(val, where+".node", &t.Node)
		case "input":
			return decodeScalar(val, where+".input", &t.Input)
		}
		return sidecarError(line, "unknown key %q in %s (known: node, input)", key, where)
	})
	if err != nil {
		return Target{}, err
	}
	if t.Node == "" || t.Input == "" {
		return Target{}, sidecarError(n.Line, "%s needs both node and input", where)
	}
	return t, nil
}

func (s *Sidecar) parseDefaults(n *yaml.Node) error {
	return eachParam(n, "defaults", func(p Param, val *yaml.Node) error {
		where := "defaults." + string(p)
		if val.Kind != yaml.ScalarNode || isNull(val) {
			return sidecarError(val.Line, "%s must be a single value", where)
		}
		switch p.kind() {
		case kindString:
			var v string
			if err := decodeScalar(val, where, &v); err != nil {
				return err
			}
			s.Defaults = s.Defaults.With(paramString(p, v))
		case kindFloat:
			v, err := decodeFloat(val, where)
			if err != nil {
				return err
			}
			s.Defaults = s.Defaults.With(paramFloat(p, v))
		default:
			if p == ParamSeed {
				v, err := strconv.ParseUint(val.Value, 0, 64)
				if err != nil || val.Tag != "!!int" {
					return sidecarError(val.Line, "%s must be a whole number from 0 to 18446744073709551615", where)
				}
				s.Defaults.Seed = &v
				return nil
			}
			var v int
			if err := val.Decode(&v); err != nil || val.Tag != "!!int" {
				return sidecarError(val.Line, "%s must be a whole number", where)
			}
			s.Defaults = s.Defaults.With(paramInt(p, v))
		}
		return nil
	})
}

func (s *Sidecar) parseLimits(n *yaml.Node) error {
	return eachParam(n, "limits", func(p Param, val *yaml.Node) error {
		where := "limits." + string(p)
		if p.kind() == kindString {
			return sidecarError(val.Line, "%s: limits apply to numeric parameters only", where)
		}
		var l Limit
		err := eachKey(val, where, func(key string, line int, v *yaml.Node) error {
			if key != "min" && key != "max" {
				return sidecarError(line, "unknown key %q in %s (known: min, max)", key, where)
			}
			f, err := decodeFloat(v, where+"."+key)
			if err != nil {
				return err
			}
			if key == "min" {
				l.Min = &f
			} else {
				l.Max = &f
			}
			return nil
		})
		if err != nil {
			return err
		}
		if l.Min == nil && l.Max == nil {
			return sidecarError(val.Line, "%s needs min, max or both", where)
		}
		if l.Min != nil && l.Max != nil && *l.Min > *l.Max {
			return sidecarError(val.Line, "%s: min is greater than max", where)
		}
		s.Limits[p] = l
		return nil
	})
}

// Check reports sidecar bindings that point at nodes or inputs the workflow does not have.
func (s *Sidecar) Check(w *Workflow) error {
	for _, p := range AllParams() {
		for _, t := range s.Bindings[p] {
			n, ok := w.Node(t.Node)
			if !ok {
				return &Error{Code: CodeSidecar, Param: p, Node: t.Node,
					Message: "the sidecar binds this parameter to a node the workflow does not have"}
			}
			if _, ok := n.Input(t.Input); !ok {
				return &Error{Code: CodeSidecar, Param: p, Node: t.Node, Input: t.Input,
					Message: fmt.Sprintf("the sidecar binds this parameter to an input %s (%s) does not have; it has: %s",
						n.ID, n.Class, strings.Join(n.InputNames(), ", "))}
			}
		}
	}
	return nil
}

// Check reports the first parameter outside its limit.
func (l Limits) Check(p Params) error {
	for _, q := range AllParams() {
		lim, ok := l[q]
		if !ok {
			continue
		}
		v, ok := p.value(q)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
		if err != nil {
			continue
		}
		if (lim.Min != nil && f < *lim.Min) || (lim.Max != nil && f > *lim.Max) {
			return &Error{Code: CodeParam, Param: q,
				Message: fmt.Sprintf("%v is outside the allowed range %s", v, lim)}
		}
	}
	return nil
}

func (l Limit) String() string {
	end := func(f *float64, open string) string {
		if f == nil {
			return open
		}
		return strconv.FormatFloat(*f, 'g', -1, 64)
	}
	return end(l.Min, "-∞") + ".." + end(l.Max, "∞")
}

// eachKey walks a mapping node, rejecting duplicate keys.
func eachKey(n *yaml.Node, where string, fn func(key string, line int, val *yaml.Node) error) error {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return sidecarError(n.Line, "%s must be a mapping of keys to values", where)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return sidecarError(k.Line, "%s has a key that is not a plain name", where)
		}
		if seen[k.Value] {
			return sidecarError(k.Line, "key %q appears twice in %s", k.Value, where)
		}
		seen[k.Value] = true
		if err := fn(k.Value, k.Line, v); err != nil {
			return err
		}
	}
	return nil
}

func eachParam(n *yaml.Node, where string, fn func(p Param, val *yaml.Node) error) error {
	return eachKey(n, where, func(key string, line int, val *yaml.Node) error {
		p := Param(key)
		if !knownParam(p) {
			return sidecarError(line, "unknown parameter %q in %s (known: %s)", key, where, paramList())
		}
		return fn(p, val)
	})
}

func paramList() string {
	var names []string
	for _, p := range AllParams() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

// resolve follows an alias; a sidecar is small, so aliases are only dereferenced in place.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func decodeScalar(n *yaml.Node, where string, dst *string) error {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return sidecarError(n.Line, "%s must be a single value", where)
	}
	*dst = n.Value
	return nil
}

func decodeFloat(n *yaml.Node, where string) (float64, error) {
	var f float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&f) != nil ||
		math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, sidecarError(n.Line, "%s must be a number", where)
	}
	return f, nil
}

func sidecarError(line int, format string, args ...any) error {
	return &Error{Code: CodeSidecar, Message: fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)}
}

func paramString(p Param, v string) Params {
	switch p {
	case ParamPrompt:
		return Params{Prompt: &v}
	case ParamNegative:
		return Params{Negative: &v}
	}
	return Params{Checkpoint: &v}
}

func paramFloat(p Param, v float64) Params {
	if p == ParamCFG {
		return Params{CFG: &v}
	}
	return Params{Denoise: &v}
}

func paramInt(p Param, v int) Params {
	switch p {
	case ParamSteps:
		return Params{Steps: &v}
	case ParamWidth:
		return Params{Width: &v}
	case ParamHeight:
		return Params{Height: &v}
	}
	return Params{BatchSize: &v}
}
