package workflow

import (
	"fmt"
	"strconv"
	"strings"
)

// Node modes in the UI format (litegraph's LGraphEventMode).
const (
	modeNever  = 2 // muted: not run, not exported
	modeBypass = 4 // bypassed: consumers get its matching input instead
)

// frontendOnly tells whether a node type exists only in the frontend: these are never in the
// API graph. Notes are comments; Reroute and PrimitiveNode are followed through.
func frontendOnly(t string) bool {
	switch t {
	case "Note", "MarkdownNote", "Reroute", "PrimitiveNode":
		return true
	}
	return false
}

// scope is one graph level being flattened: the root graph, or one subgraph instance.
type scope struct {
	graph    *uiGraph
	path     []string // ids of the subgraph instance nodes from the root down to this level
	parent   *scope
	instance *uiNode           // the subgraph node in parent that this level expands
	mode     int               // the instance's mode when it mutes or bypasses its contents
	children map[string]*scope // subgraph instances in this level, by node id
}

// execID is the id ComfyUI gives a node of this level: "outer:inner" inside subgraphs.
func (s *scope) execID(id string) string {
	return strings.Join(append(append([]string{}, s.path...), id), ":")
}

// mode is the node's effective mode: a muted or bypassed subgraph instance takes its whole
// contents out of the graph.
func (s *scope) modeOf(n *uiNode) int {
	if s.mode == modeNever || s.mode == modeBypass {
		return s.mode
	}
	return n.Mode
}

// converter builds the API graph from a UI graph, as the frontend's graphToPrompt does.
type converter struct {
	info ObjectInfo
	w    *Workflow
	// primitives are PrimitiveNodes to apply once every node exists
	primitives []placed
}

type placed struct {
	s *scope
	n *uiNode
}

// resolved is where a linked input really comes from once frontend-only and bypassed nodes
// are seen through; ok is false when nothing is connected in the end.
type resolved struct {
	link Link
	ok   bool
}

// maxFlatNodes bounds the flattened graph: subgraphs nested a few levels deep, each used a
// few times, multiply, and a hostile file could ask for billions of nodes.
const maxFlatNodes = 100_000

func (c *converter) expand(s *scope, placedNodes *[]placed) error {
	for _, n := range s.graph.nodes {
		sg, isSub := s.graph.subgraphs[n.Type]
		if !isSub {
			if len(*placedNodes) >= maxFlatNodes {
				return &Error{Code: CodeBadNode, Node: s.execID(n.id),
					Message: fmt.Sprintf("flattening the subgraphs gives more than %d nodes", maxFlatNodes)}
			}
			*placedNodes = append(*placedNodes, placed{s, n})
			continue
		}
		if s.within(sg.graph) {
			return &Error{Code: CodeBadNode, Node: s.execID(n.id),
				Message: fmt.Sprintf("subgraph %s contains itself", subgraphName(sg))}
		}
		child := &scope{graph: sg.graph, path: append(append([]string{}, s.path...), n.id), parent: s,
			instance: n, mode: s.modeOf(n), children: map[string]*scope{}}
		s.children[n.id] = child
		c.note("node %s is a subgraph (%s); its %d nodes were flattened with ids %s:…", s.execID(n.id),
			subgraphName(sg), len(sg.graph.nodes), s.execID(n.id))
		if err := c.expand(child, placedNodes); err != nil {
			return err
		}
	}
	return nil
}

// within tells whether this level is, or is inside, an instance of graph g.
func (s *scope) within(g *uiGraph) bool {
	for ; s != nil; s = s.parent {
		if s.graph == g {
			return true
		}
	}
	return false
}

func subgraphName(sg *uiSubgraph) string {
	if sg.name != "" {
		return strconv.Quote(sg.name)
	}
	return sg.id
}

// place turns one UI node into an API node, or notes why it has none.
func (c *converter) place(p placed) error {
	s, n := p.s, p.n
	id := s.execID(n.id)
	if frontendOnly(n.Type) {
		c.noteFrontendOnly(id, n)
		if n.Type == "PrimitiveNode" {
			c.primitives = append(c.primitives, p)
		}
		return nil
	}
	class, ok := c.info[n.Type]
	if !ok {
		return &Error{Code: CodeUnknownClass, Node: id, Message: fmt.Sprintf("class %q is not on the ComfyUI server; "+
			"install its custom node pack or export the workflow with Export (API)", n.Type)}
	}
	switch s.modeOf(n) {
	case modeNever:
		c.note("node %s (%s) is muted and was dropped", id, n.Type)
		return nil
	case modeBypass:
		c.note("node %s (%s) is bypassed; its inputs were passed through to the nodes it feeds", id, n.Type)
		return nil
	}
	node, err := c.build(s, n, id, class)
	if err != nil {
		return err
	}
	c.w.nodes[id] = node
	return nil
}

func (c *converter) noteFrontendOnly(id string, n *uiNode) {
	switch n.Type {
	case "Reroute":
		c.note("node %s (Reroute) is frontend-only; its links were followed to their source", id)
	case "PrimitiveNode":
		c.note("node %s (PrimitiveNode) is frontend-only; its value was written into the inputs it feeds", id)
	default:
		c.note("node %s (%s) is frontend-only and was dropped", id, n.Type)
	}
}

// build sets widget values first and links after, in slot order, like graphToPrompt: a
// linked widget keeps its place among the inputs but takes the link.
func (c *converter) build(s *scope, n *uiNode, id string, class Class) (*Node, error) {
	node := &Node{ID: id, Class: n.Type, Title: n.Title, inputs: map[string]any{}}
	if node.Title == "" {
		node.Title = class.DisplayName
	}
	if node.Title == "" {
		node.Title = class.Name
	}
	values, notes, err := widgetValues(n, class)
	if err != nil {
		return nil, err
	}
	c.w.notes = append(c.w.notes, notes...)
	for _, v := range values {
		node.set(v.name, v.value)
	}
	for i, in := range n.Inputs {
		if in.Link == nil {
			continue
		}
		r, err := c.resolveInput(s, n, i, "", map[string]bool{})
		if err != nil {
			return nil, err
		}
		if r.ok {
			node.set(in.Name, r.link)
		}
	}
	return node, nil
}

// resolveInput follows the link into input slot of n back to a node the server runs
// (ExecutableNodeDTO.resolveInput). typ is the type of the input that started the walk.
func (c *converter) resolveInput(s *scope, n *uiNode, slot int, typ slotType, seen map[string]bool) (resolved, error) {
	if err := c.visit(s, n, "input", slot, seen); err != nil {
		return resolved{}, err
	}
	in, ok := n.input(slot)
	if !ok || in.Link == nil {
		return resolved{}, nil
	}
	if typ == "" {
		typ = in.Type
	}
	l, ok := s.graph.links[*in.Link]
	if !ok {
		c.note("node %s input %s: link %d is not in the file; the input was left unlinked", s.execID(n.id), in.Name, *in.Link)
		return resolved{}, nil
	}
	if s.parent != nil && l.origin == subgraphInputID {
		// The link comes in through the subgraph's input: continue outside, from the
		// instance's matching input. Unconnected, the inner widget keeps its own value.
		return c.resolveInput(s.parent, s.instance, l.originSlot, typ, seen)
	}
	origin, ok := s.graph.byID[l.origin]
	if !ok {
		c.note("node %s input %s: it links to node %s, which is not in the file; the input was left unlinked",
			s.execID(n.id), in.Name, s.execID(l.origin))
		return resolved{}, nil
	}
	return c.resolveOutput(s, origin, l.originSlot, typ, seen)
}

// resolveOutput finds what output slot of n really delivers (ExecutableNodeDTO.resolveOutput).
func (c *converter) resolveOutput(s *scope, n *uiNode, slot int, typ slotType, seen map[string]bool) (resolved, error) {
	if err := c.visit(s, n, "output", slot, seen); err != nil {
		return resolved{}, err
	}
	if s.modeOf(n) == modeBypass {
		i := bypassInput(n, slot, typ)
		if i < 0 {
			return resolved{}, nil
		}
		return c.resolveInput(s, n, i, "", seen)
	}
	if child, ok := s.children[n.id]; ok {
		return c.resolveSubgraphOutput(child, slot, typ, seen)
	}
	if frontendOnly(n.Type) {
		if _, ok := n.input(slot); ok {
			return c.resolveInput(s, n, slot, typ, seen)
		}
		return resolved{}, nil // a PrimitiveNode: its value is applied to the widgets it feeds
	}
	return resolved{link: Link{Node: s.execID(n.id), Output: slot}, ok: true}, nil
}

// resolveSubgraphOutput continues inside a subgraph from the link feeding its output slot.
func (c *converter) resolveSubgraphOutput(child *scope, slot int, typ slotType, seen map[string]bool) (resolved, error) {
	for _, l := range child.graph.links {
		if l.target != subgraphOutputID || l.targetSlot != slot {
			continue
		}
		if l.origin == subgraphInputID {
			return c.resolveInput(child.parent, child.instance, l.originSlot, typ, seen)
		}
		origin, ok := child.graph.byID[l.origin]
		if !ok {
			return resolved{}, nil
		}
		return c.resolveOutput(child, origin, l.originSlot, typ, seen)
	}
	return resolved{}, nil
}

// visit guards the walk against loops of reroutes, bypasses or subgraphs, which the
// frontend refuses too.
func (c *converter) visit(s *scope, n *uiNode, dir string, slot int, seen map[string]bool) error {
	key := fmt.Sprintf("%s/%s/%d", s.execID(n.id), dir, slot)
	if seen[key] {
		return &Error{Code: CodeBadLink, Node: s.execID(n.id),
			Message: fmt.Sprintf("the links through %s %d form a loop", dir, slot)}
	}
	seen[key] = true
	return nil
}

// bypassInput picks the input a bypassed node passes to output slot for a consumer of type
// typ: the same slot when its type fits, else the first input of exactly that type, else the
// first compatible one (ExecutableNodeDTO's bypass slot choice).
func bypassInput(n *uiNode, slot int, typ slotType) int {
	if slot < 0 || slot >= len(n.Outputs) || len(n.Inputs) == 0 {
		return -1
	}
	out := n.Outputs[slot].Type
	if typ == "*" || typ == "" {
		if slot < len(n.Inputs) {
			return slot
		}
		return 0
	}
	fits := func(in slotType) bool { return compatible(in, out) && compatible(in, typ) }
	if slot < len(n.Inputs) && fits(n.Inputs[slot].Type) {
		return slot
	}
	for i, in := range n.Inputs {
		if in.Type == typ {
			return i
		}
	}
	for i, in := range n.Inputs {
		if fits(in.Type) {
			return i
		}
	}
	return -1
}

// compatible is litegraph's isValidConnection: "*", "" and 0 match anything, and
// comma-separated type lists match when they share a type, ignoring case.
func compatible(a, b slotType) bool {
	anyType := func(t slotType) bool { return t == "" || t == "*" || t == "0" }
	if anyType(a) || anyType(b) || a == b {
		return true
	}
	x, y := strings.ToLower(string(a)), strings.ToLower(string(b))
	if !strings.Contains(x, ",") && !strings.Contains(y, ",") {
		return x == y
	}
	for _, p := range strings.Split(x, ",") {
		for _, q := range strings.Split(y, ",") {
			if compatible(slotType(p), slotType(q)) {
				return true
			}
		}
	}
	return false
}

func (c *converter) note(format string, args ...any) {
	c.w.notes = append(c.w.notes, fmt.Sprintf(format, args...))
}
