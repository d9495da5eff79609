package model

// Params are the knobs of one generation. Every field is optional so that
// Params can be layered: server defaults, then user preferences, then a
// template, then the options given in the command (see Merge).
type Params struct {
	Prompt     string   `json:"prompt,omitempty"`
	Negative   string   `json:"negative,omitempty"`
	Seed       *uint64  `json:"seed,omitempty"`
	Steps      *int     `json:"steps,omitempty"`
	Width      *int     `json:"width,omitempty"`
	Height     *int     `json:"height,omitempty"`
	BatchSize  *int     `json:"batch_size,omitempty"`
	CFG        *float64 `json:"cfg,omitempty"`
	Denoise    *float64 `json:"denoise,omitempty"`
	Checkpoint string   `json:"checkpoint,omitempty"`
	Workflow   string   `json:"workflow,omitempty"`
}

// Merge returns p with every field that over sets laid on top: a non-empty
// string or non-nil pointer in over wins. The result shares no pointers with
// p or over, so changing one later cannot change the other.
func (p Params) Merge(over Params) Params {
	return Params{
		Prompt:     pick(p.Prompt, over.Prompt),
		Negative:   pick(p.Negative, over.Negative),
		Seed:       pickPtr(p.Seed, over.Seed),
		Steps:      pickPtr(p.Steps, over.Steps),
		Width:      pickPtr(p.Width, over.Width),
		Height:     pickPtr(p.Height, over.Height),
		BatchSize:  pickPtr(p.BatchSize, over.BatchSize),
		CFG:        pickPtr(p.CFG, over.CFG),
		Denoise:    pickPtr(p.Denoise, over.Denoise),
		Checkpoint: pick(p.Checkpoint, over.Checkpoint),
		Workflow:   pick(p.Workflow, over.Workflow),
	}
}

// IsZero reports whether no field is set.
func (p Params) IsZero() bool { return p == Params{} }

func pick(base, over string) string {
	if over != "" {
		return over
	}
	return base
}

func pickPtr[T any](base, over *T) *T {
	v := base
	if over != nil {
		v = over
	}
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// Ptr returns a pointer to v, for filling the optional fields of Params.
func Ptr[T any](v T) *T { return &v }
