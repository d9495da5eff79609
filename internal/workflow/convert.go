package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Load reads a workflow file of any known format: an API graph or a POST /prompt body as
// Parse does, and a UI-format file (the frontend's "Save") converted with ParseUI using info.
// It returns the format the file had. With a nil info a UI file is refused with CodeUIFormat.
func Load(data []byte, info ObjectInfo) (*Workflow, Format, error) {
	format := Detect(data)
	if format != FormatUI {
		w, err := Parse(data)
		return w, format, err
	}
	if info == nil {
		return nil, format, &Error{Code: CodeUIFormat, Message: uiFormatMessage}
	}
	w, err := ParseUI(data, info)
	return w, format, err
}

// ParseUI converts a UI-format workflow into the API graph ComfyUI's "Export (API)" gives,
// reading input names, types and widget order from info. Frontend-only nodes (notes,
// reroutes, primitives), muted and bypassed nodes are left out as the frontend leaves them
// out, subgraphs are flattened to "outer:inner" ids, and each of these is recorded in the
// workflow's notes.
func ParseUI(data []byte, info ObjectInfo) (*Workflow, error) {
	if f := Detect(data); f != FormatUI {
		if _, err := decodeObject(data); err != nil {
			return nil, err
		}
		return nil, &Error{Code: CodeNotWorkflow, Message: "not a UI-format workflow (no nodes list); read it with Parse"}
	}
	root, err := decodeUI(data)
	if err != nil {
		return nil, err
	}
	c := &converter{info: info, w: &Workflow{nodes: map[string]*Node{}}}
	top := &scope{graph: root, children: map[string]*scope{}}
	var all []placed
	if err := c.expand(top, &all); err != nil {
		return nil, err
	}
	for _, p := range all {
		if err := c.place(p); err != nil {
			return nil, err
		}
	}
	for _, p := range c.primitives {
		c.applyPrimitive(p)
	}
	c.dropDanglingLinks()
	if len(c.w.nodes) == 0 {
		return nil, &Error{Code: CodeNotWorkflow, Message: "the workflow has no nodes the server runs"}
	}
	return c.w, nil
}

// applyPrimitive writes a PrimitiveNode's value into every widget it feeds, through
// reroutes, as its applyToGraph does before the frontend serialises the graph.
func (c *converter) applyPrimitive(p placed) {
	value, ok := primitiveValue(p.n)
	if !ok {
		c.note("node %s (PrimitiveNode) has no value; the inputs it feeds keep their own", p.s.execID(p.n.id))
		return
	}
	for _, t := range c.targets(p.s, p.n, map[string]bool{}) {
		n, ok := c.w.nodes[p.s.execID(t.node.id)]
		in, okIn := t.node.input(t.slot)
		if !ok || !okIn {
			continue // the target is muted, bypassed or frontend-only
		}
		name := in.Name
		if in.Widget != nil && in.Widget.Name != "" {
			name = in.Widget.Name
		}
		n.set(name, value)
	}
}

type inputRef struct {
	node *uiNode
	slot int
}

// targets lists the inputs an output 0 feeds, seen through reroutes.
func (c *converter) targets(s *scope, n *uiNode, seen map[string]bool) []inputRef {
	if seen[n.id] {
		return nil
	}
	seen[n.id] = true
	var out []inputRef
	for id, l := range s.graph.links {
		if l.origin != n.id || l.originSlot != 0 {
			continue
		}
		t, ok := s.graph.byID[l.target]
		if !ok {
			c.note("link %d from node %s goes to node %s, which is not in the file", id, s.execID(n.id), s.execID(l.target))
			continue
		}
		if t.Type == "Reroute" {
			out = append(out, c.targets(s, t, seen)...)
			continue
		}
		out = append(out, inputRef{t, l.targetSlot})
	}
	slices.SortFunc(out, func(a, b inputRef) int { return compareIDs(a.node.id, b.node.id) })
	return out
}

func primitiveValue(n *uiNode) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(n.Values))
	dec.UseNumber()
	var values []any
	if dec.Decode(&values) != nil || len(values) == 0 {
		return nil, false
	}
	return apiValue(values[0]), true
}

// dropDanglingLinks removes inputs linked to nodes that are not in the API graph (muted
// ones), as graphToPrompt does last, so the result keeps Parse's invariants.
func (c *converter) dropDanglingLinks() {
	for _, id := range c.w.IDs() {
		n := c.w.nodes[id]
		for _, name := range n.InputNames() {
			l, ok := n.inputs[name].(Link)
			if !ok {
				continue
			}
			if _, ok := c.w.nodes[l.Node]; !ok {
				delete(n.inputs, name)
				c.w.notes = append(c.w.notes, fmt.Sprintf("node %s input %s: it was fed by node %s, which is not run; "+
					"the input was removed", id, name, l.Node))
			}
		}
	}
}
