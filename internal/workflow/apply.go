package workflow

import (
	"fmt"
	"math"
)

// Apply returns a copy of w with every parameter set in params written to its bound
// targets: strings as strings, numbers as json.Number with their exact text. Parameters
// without a binding are skipped (Bindings.Missing lists them). A target that is missing,
// linked, or holds a value of another type is an error naming the parameter and target.
func Apply(w *Workflow, b Bindings, params Params) (*Workflow, error) {
	if err := checkFloats(params); err != nil {
		return nil, err
	}
	out := w.Clone()
	for _, p := range params.Set() {
		bind, ok := b.Params[p]
		if !ok {
			continue
		}
		v, _ := params.value(p)
		for _, tg := range bind.Targets {
			if err := out.setParam(p, tg, v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (w *Workflow) setParam(p Param, tg Target, v any) error {
	fail := func(format string, args ...any) error {
		return &Error{Code: CodeParam, Param: p, Node: tg.Node, Input: tg.Input, Message: fmt.Sprintf(format, args...)}
	}
	n, ok := w.nodes[tg.Node]
	if !ok {
		return fail("the workflow has no such node")
	}
	if cur, ok := n.inputs[tg.Input]; ok {
		if l, isLink := cur.(Link); isLink {
			return fail("the input is linked to node %s; bind the value at its source instead", l.Node)
		}
		_, isText := text(cur)
		_, isNum := number(cur)
		switch {
		case p.kind() == kindString && !isText:
			return fail("holds %s, not text", describe(cur))
		case p.kind() != kindString && !isNum:
			return fail("holds %s, not a number", describe(cur))
		}
	}
	n.set(tg.Input, v)
	return nil
}

func checkFloats(p Params) error {
	for _, q := range []struct {
		param Param
		value *float64
	}{{ParamCFG, p.CFG}, {ParamDenoise, p.Denoise}} {
		if q.value != nil && (math.IsNaN(*q.value) || math.IsInf(*q.value, 0)) {
			return &Error{Code: CodeParam, Param: q.param, Message: "must be a finite number"}
		}
	}
	return nil
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("text %q", truncate(v, 40))
	case bool:
		return fmt.Sprintf("a boolean (%v)", v)
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
