package workflow

import (
	"slices"
	"strings"
)

// Title rules (tried right after the sidecar) and class rules (the last resort).

// titled finds targets in nodes whose title names a parameter.
func (t *tracer) titled() map[Param][]Target {
	found := map[Param][]Target{}
	nodes := map[Param][]string{}
	for _, id := range t.w.IDs() {
		n := t.w.nodes[id]
		p, ok := titleParam(n.Title)
		if !ok || t.isolated(n) {
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
	if p == ParamPrompt || p == ParamNegative {
		return t.titledText(n, p)
	}
	for _, name := range paramInputs(p) {
		if _, ok := n.inputs[name]; !ok {
			continue
		}
		if ts := t.resolve(n, name); len(ts) > 0 {
			return ts
		}
	}
	if p == ParamSeed {
		if l, ok := n.Link("noise"); ok {
			if src := t.node(l); src != nil {
				return t.resolveFirst(src, "noise_seed", "seed")
			}
		}
	}
	if name, ok := valueInput(n); ok {
		if _, isText := text(n.inputs[name]); !isText {
			return t.resolve(n, name)
		}
	}
	return nil
}

// titledText finds the text inputs of a node titled as a prompt: an encoder's or loader's
// text inputs of that polarity, or a string node's own text.
func (t *tracer) titledText(n *Node, p Param) []Target {
	pol := positive
	if p == ParamNegative {
		pol = negative
	}
	ins := t.promptInputs(n, pol)
	if len(ins) == 0 {
		ins = slices.DeleteFunc(t.textSources(n, pol), func(name string) bool { return !t.holdsText(n, name) })
	}
	var out []Target
	for _, in := range ins {
		out = appendTargets(out, t.resolveText(n, in, pol)...)
	}
	return out
}

// byClass is the last resort: the only node of a usual class holds the parameter.
func (t *tracer) byClass(p Param) []Target {
	var ids []string
	for _, id := range t.w.IDs() {
		if n := t.w.nodes[id]; !t.isolated(n) && t.classCandidate(n, p) {
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

// imageByClass binds the input images to LoadImage nodes that no sidecar or title bound: the
// only such node is the image; of two, the first in node order is the image and the other
// image2, which a warning says, since the graph alone does not tell which is which.
func (t *tracer) imageByClass(p Param, b Bindings) []Target {
	var free []string
	for _, id := range t.w.IDs() {
		n := t.w.nodes[id]
		titled, _ := titleParam(n.Title)
		if !t.isolated(n) && t.classCandidate(n, p) && !b.binds(id, ParamImage, ParamImage2) &&
			titled != ParamImage && titled != ParamImage2 {
			free = append(free, id)
		}
	}
	_, hasImage := b.Params[ParamImage]
	switch {
	case len(free) == 0:
		return nil
	case p == ParamImage && len(free) == 2:
		t.warn("two LoadImage nodes (" + strings.Join(free, ", ") + "): image goes to node " + free[0] +
			" and image2 to node " + free[1] + `; title them "Image 1" and "Image 2" or bind them in a sidecar to choose`)
		fallthrough
	case p == ParamImage && len(free) == 1, p == ParamImage2 && len(free) == 1 && hasImage:
		return t.titleTargets(t.w.nodes[free[0]], p)
	case p == ParamImage:
		t.warn("several LoadImage nodes could take the input image (nodes " + strings.Join(free, ", ") +
			`); title one "Input Image" or bind image in a sidecar`)
	}
	return nil
}
