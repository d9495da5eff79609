package comfytest

import (
	"encoding/json"
	"errors"
	"fmt"
)

// graph is an API-format workflow with its node and input order kept: ComfyUI iterates prompts
// in that order, which decides execution_cached lists and tie-breaks in execution order.
type graph struct {
	ids   []string
	nodes map[string]*node
}

type node struct {
	id       string
	class    string
	hasClass bool
	title    string
	inputs   []*input
}

type input struct {
	name  string
	value any   // literal, as decoded by decodeOrdered; a {"__value__": [...]} wrapper is unwrapped
	list  bool  // an array that is not a well-formed link
	link  *link // set for ["node id", slot]
}

type link struct {
	from string
	slot int
}

func (n *node) input(name string) *input {
	for _, in := range n.inputs {
		if in.name == name {
			return in
		}
	}
	return nil
}

// parseGraph reads the "prompt" value. Shapes ComfyUI cannot iterate at all are errors (the real
// server answers them with a 500).
func parseGraph(v any) (*graph, error) {
	o, ok := v.(object)
	if !ok {
		return nil, errors.New("prompt is not an object")
	}
	g := &graph{nodes: make(map[string]*node, len(o))}
	for _, m := range o {
		body, ok := m.Value.(object)
		if !ok {
			return nil, fmt.Errorf("node %s is not an object", m.Key)
		}
		n := &node{id: m.Key}
		if ct, ok := body.get("class_type"); ok {
			n.class, n.hasClass = ct.(string)
		}
		if meta, ok := body.get("_meta"); ok {
			if mo, ok := meta.(object); ok {
				if t, ok := mo.get("title"); ok {
					n.title, _ = t.(string)
				}
			}
		}
		if ins, ok := body.get("inputs"); ok {
			io, ok := ins.(object)
			if !ok {
				return nil, fmt.Errorf("node %s: inputs is not an object", m.Key)
			}
			for _, im := range io {
				n.inputs = append(n.inputs, parseInputValue(im.Key, im.Value))
			}
		}
		g.ids = append(g.ids, m.Key)
		g.nodes[m.Key] = n
	}
	return g, nil
}

func parseInputValue(name string, v any) *input {
	in := &input{name: name, value: v}
	switch t := v.(type) {
	case []any:
		if len(t) == 2 {
			from, okFrom := t[0].(string)
			slot, okSlot := t[1].(json.Number)
			if okFrom && okSlot {
				if f, err := slot.Float64(); err == nil {
					in.link = &link{from: from, slot: int(f)}
					return in
				}
			}
		}
		in.list = true
	case object:
		if wrapped, ok := t.get("__value__"); ok && len(t) == 1 {
			in.value = wrapped
		}
	}
	return in
}
