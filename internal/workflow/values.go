package workflow

import "strconv"

// Values reads back what a built graph holds at each bound parameter: the
// value a generation actually runs with, whether the user gave it or the
// workflow's own default stood. A parameter is left unset when it has no
// binding or its first target holds no literal value of the parameter's
// kind (a link, say). Prompts and input images are not read: the job keeps
// those itself.
func Values(w *Workflow, b Bindings) Params {
	var p Params
	for _, q := range []struct {
		param Param
		int   **int
		float **float64
	}{
		{ParamSteps, &p.Steps, nil}, {ParamWidth, &p.Width, nil}, {ParamHeight, &p.Height, nil},
		{ParamBatchSize, &p.BatchSize, nil}, {ParamCFG, nil, &p.CFG}, {ParamDenoise, nil, &p.Denoise},
	} {
		v, ok := boundValue(w, b, q.param)
		if !ok {
			continue
		}
		n, ok := number(v)
		if !ok {
			continue
		}
		if q.int != nil {
			if i, err := strconv.Atoi(n.String()); err == nil {
				*q.int = &i
			}
			continue
		}
		if f, err := n.Float64(); err == nil {
			*q.float = &f
		}
	}
	if v, ok := boundValue(w, b, ParamSeed); ok {
		if n, ok := number(v); ok {
			if s, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
				p.Seed = &s
			}
		}
	}
	if v, ok := boundValue(w, b, ParamCheckpoint); ok {
		if s, ok := text(v); ok && s != "" {
			p.Checkpoint = &s
		}
	}
	return p
}

// boundValue is the value at a parameter's first target.
func boundValue(w *Workflow, b Bindings, p Param) (any, bool) {
	bind, ok := b.Params[p]
	if !ok || len(bind.Targets) == 0 {
		return nil, false
	}
	t := bind.Targets[0]
	n, ok := w.Node(t.Node)
	if !ok {
		return nil, false
	}
	v, ok := n.inputs[t.Input]
	return v, ok
}
