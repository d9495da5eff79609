package workflow

import (
	"encoding/json"
	"maps"
	"slices"
)

// Workflow is an API-format graph: node id → node. The zero value is empty; build one with
// Parse. Apply and Sanitize return modified copies and never change their argument.
type Workflow struct {
	nodes map[string]*Node
	// notes say what reading the file skipped or changed (a top-level key that is not a
	// node, a frontend-only node of a UI file …); Inspect reports them as warnings.
	notes []string
}

// Node is one node of the graph. Input values are kept as decoded with json.Decoder.UseNumber:
// string, json.Number, bool, nil, map[string]any, or a Link.
type Node struct {
	ID    string
	Class string
	Title string

	inputs map[string]any
	order  []string // input names in the order they were read, so Encode keeps the file's layout
}

// Link is an input fed by another node's output: ["node id", output index] in JSON.
type Link struct {
	Node   string
	Output int
}

// Node returns the node with the given id.
func (w *Workflow) Node(id string) (*Node, bool) {
	n, ok := w.nodes[id]
	return n, ok
}

// IDs lists node ids in natural order ("2" before "10").
func (w *Workflow) IDs() []string {
	ids := slices.Collect(maps.Keys(w.nodes))
	slices.SortFunc(ids, compareIDs)
	return ids
}

// Notes lists what reading the file skipped or changed, for the person who supplied it.
func (w *Workflow) Notes() []string { return slices.Clone(w.notes) }

// Len is the number of nodes.
func (w *Workflow) Len() int { return len(w.nodes) }

// Clone returns a deep copy.
func (w *Workflow) Clone() *Workflow {
	c := &Workflow{nodes: make(map[string]*Node, len(w.nodes)), notes: slices.Clone(w.notes)}
	for id, n := range w.nodes {
		c.nodes[id] = n.clone()
	}
	return c
}

// Input returns an input's value (a Link for linked inputs).
func (n *Node) Input(name string) (any, bool) {
	v, ok := n.inputs[name]
	return v, ok
}

// Link returns the link feeding an input, if the input is linked.
func (n *Node) Link(name string) (Link, bool) {
	l, ok := n.inputs[name].(Link)
	return l, ok
}

// InputNames lists the node's inputs in file order.
func (n *Node) InputNames() []string {
	names := make([]string, 0, len(n.inputs))
	for _, name := range n.order {
		if _, ok := n.inputs[name]; ok {
			names = append(names, name)
		}
	}
	if len(names) == len(n.inputs) {
		return names
	}
	var extra []string
	for name := range n.inputs {
		if !slices.Contains(names, name) {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	return append(names, extra...)
}

func (n *Node) set(name string, v any) {
	if _, ok := n.inputs[name]; !ok {
		n.order = append(n.order, name)
	}
	n.inputs[name] = v
}

func (n *Node) clone() *Node {
	c := *n
	c.inputs = make(map[string]any, len(n.inputs))
	for k, v := range n.inputs {
		c.inputs[k] = cloneValue(v)
	}
	c.order = slices.Clone(n.order)
	return &c
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = cloneValue(e)
		}
		return s
	default:
		return v
	}
}

// literal reports whether v is a literal value rather than a link.
func literal(v any) bool {
	_, isLink := v.(Link)
	return !isLink
}

// text returns v as a string when it is a JSON string.
func text(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

// number returns v as a json.Number when it is a JSON number.
func number(v any) (json.Number, bool) {
	n, ok := v.(json.Number)
	return n, ok
}
