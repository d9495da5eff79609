package workflow

import "strings"

// Title rules (tried right after the sidecar) and class rules (the last resort).

// titled finds targets in nodes whose title names a parameter.
func (t *tracer) titled() map[Param][]Target {
	found := map[Param][]Target{}
	nodes := map[Param][]string{}
	for _, id := range t.w.IDs() {
		n := t.w.nodes[id]
		p, ok := titleParam(n.Title)
		if !ok {
			continue
		}
		ts := t.titleTargets(n, p)
		if len(ts) == 0 {
			t.warn("node " + id + " is titled \"" + n.Title + "\" but has no " + string(p) + " input to set")
			continue
		}
		found[p] = appendTargets(found[p], ts...)
		nodes[p] = append(nodes[p], id)
	}
	for _, p := range AllParams() {
		if len(nodes[p]) > 1 {
			t.warn("several nodes are titled as " + string(p) + " (nodes " + strings.Join(nodes[p], ", ") +
				"); all of them are set")
		}
	}
	return found
}

func (t *tracer) titleTargets(n *Node, p Param) []Target {
	var out []Target
	for _, name := range paramInputs(p) {
		v, ok := n.inputs[name]
		if !ok {
			continue
		}
		if p.kind() == kindString {
			if _, isNum := number(v); isNum {
				continue
			}
			out = appendTargets(out, t.resolve(n, name)...)
			continue
		}
		if ts := t.resolve(n, name); len(ts) > 0 {
			return ts
		}
	}
	if len(out) > 0 {
		return out
	}
	if p == ParamSeed {
		if l, ok := n.Link("noise"); ok {
			if src := t.node(l); src != nil {
				return t.resolveFirst(src, "noise_seed", "seed")
			}
		}
	}
	if name, ok := valueInput(n); ok {
		return t.resolve(n, name)
	}
	return nil
}

// byClass is the last resort: the only node of a usual class holds the parameter.
func (t *tracer) byClass(p Param) []Target {
	var ids []string
	for _, id := range t.w.IDs() {
		if classCandidate(t.w.nodes[id], p) {
			ids = append(ids, id)
		}
	}
	switch len(ids) {
	case 0:
		return nil
	case 1:
		return t.titleTargets(t.w.nodes[ids[0]], p)
	}
	t.warn("several nodes could hold " + string(p) + " (nodes " + strings.Join(ids, ", ") +
		"); bind it in a sidecar")
	return nil
}
