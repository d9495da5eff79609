package workflow

import (
	"slices"
	"strings"
)

// tracer follows links from the main sampler to the inputs holding each parameter.
type tracer struct {
	w        *Workflow
	warnings []string
}

func (t *tracer) warn(msg string) { t.warnings = append(t.warnings, msg) }

func (t *tracer) node(l Link) *Node { return t.w.nodes[l.Node] }

// resolve returns the input holding the literal behind n.input: the input itself, or the value
// of the primitive-like node (PrimitiveStringMultiline, PrimitiveInt, a seed node …) feeding it.
func (t *tracer) resolve(n *Node, input string) []Target {
	seen := map[string]bool{n.ID: true}
	for range maxDepth {
		v, ok := n.inputs[input]
		if !ok {
			return nil
		}
		l, isLink := v.(Link)
		if !isLink {
			return []Target{{Node: n.ID, Input: input}}
		}
		src := t.node(l)
		if src == nil || seen[src.ID] {
			return nil
		}
		seen[src.ID] = true
		name, ok := valueInput(src)
		if !ok {
			return nil
		}
		n, input = src, name
	}
	return nil
}

// resolveFirst resolves the first of names that n has.
func (t *tracer) resolveFirst(n *Node, names ...string) []Target {
	for _, name := range names {
		if _, ok := n.inputs[name]; ok {
			return t.resolve(n, name)
		}
	}
	return nil
}

// samplers lists the sampler nodes and picks the main one: the first pass, whose latent does
// not come from another sampler (hires fix and refiner passes do).
func (t *tracer) samplers() (all []*Node, main *Node) {
	var first []string
	for _, id := range t.w.IDs() {
		n := t.w.nodes[id]
		if !isSampler(n) {
			continue
		}
		all = append(all, n)
		if !t.latentFromSampler(n) {
			first = append(first, id)
		}
	}
	switch {
	case len(first) > 0:
		main = t.w.nodes[first[0]]
		if len(first) > 1 {
			t.warn("several first-pass samplers (nodes " + strings.Join(first, ", ") +
				"); parameters are taken from node " + first[0])
		}
	case len(all) > 0:
		main = all[0]
	}
	return all, main
}

// latentFromSampler tells whether anything upstream of s's latent_image is a sampler.
func (t *tracer) latentFromSampler(s *Node) bool {
	l, ok := s.Link("latent_image")
	if !ok {
		return false
	}
	seen := map[string]bool{s.ID: true}
	queue := []string{l.Node}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		n := t.w.nodes[id]
		if n == nil {
			continue
		}
		if isSampler(n) {
			return true
		}
		for _, name := range n.InputNames() {
			if l, ok := n.Link(name); ok {
				queue = append(queue, l.Node)
			}
		}
	}
	return false
}

// conditioner is the node holding a sampler's conditioning: its guider for
// SamplerCustomAdvanced, otherwise the sampler itself.
func (t *tracer) conditioner(s *Node) *Node {
	if l, ok := s.Link("guider"); ok {
		if g := t.node(l); g != nil {
			return g
		}
	}
	return s
}

// texts follows conditioning upstream from l to the text inputs of the encoders producing it.
func (t *tracer) texts(l Link) []Target {
	var out []Target
	seen := map[Link]bool{}
	var walk func(l Link, depth int)
	walk = func(l Link, depth int) {
		n := t.node(l)
		if n == nil || seen[l] || depth > maxDepth {
			return
		}
		seen[l] = true
		if ins := encoderInputs(n); len(ins) > 0 {
			for _, in := range ins {
				out = appendTargets(out, t.resolve(n, in)...)
			}
			return
		}
		for _, in := range conditioningInputs(n, l.Output) {
			if next, ok := n.Link(in); ok {
				walk(next, depth+1)
			}
		}
	}
	walk(l, 0)
	return out
}

// guidance finds the first node on a conditioning chain with a guidance input (FluxGuidance,
// CLIPTextEncodeFlux): Flux's stand-in for cfg.
func (t *tracer) guidance(l Link) []Target {
	for range maxDepth {
		n := t.node(l)
		if n == nil {
			return nil
		}
		if _, ok := n.inputs["guidance"]; ok {
			return t.resolve(n, "guidance")
		}
		ins := conditioningInputs(n, l.Output)
		if len(ins) == 0 {
			return nil
		}
		next, ok := n.Link(ins[0])
		if !ok {
			return nil
		}
		l = next
	}
	return nil
}

func (t *tracer) prompt(s *Node, negative bool) []Target {
	c := t.conditioner(s)
	names := []string{"positive", "conditioning", "cond1"}
	if negative {
		names = []string{"negative"}
	}
	for _, name := range names {
		if l, ok := c.Link(name); ok {
			return t.texts(l)
		}
	}
	return nil
}

func (t *tracer) seed(s *Node) []Target {
	if ts := t.resolveFirst(s, "seed", "noise_seed"); len(ts) > 0 {
		return ts
	}
	if l, ok := s.Link("noise"); ok {
		if n := t.node(l); n != nil {
			return t.resolveFirst(n, "noise_seed", "seed")
		}
	}
	return nil
}

func (t *tracer) cfg(s *Node) []Target {
	if ts := t.resolveFirst(s, "cfg"); len(ts) > 0 {
		return ts
	}
	c := t.conditioner(s)
	if ts := t.resolveFirst(c, "cfg", "cfg_conds"); len(ts) > 0 {
		return ts
	}
	for _, name := range []string{"positive", "conditioning", "cond1"} {
		if l, ok := c.Link(name); ok {
			return t.guidance(l)
		}
	}
	return nil
}

// sigmas finds the scheduler behind a custom sampler's sigmas, through SplitSigmas and the like.
func (t *tracer) sigmas(s *Node) *Node {
	l, ok := s.Link("sigmas")
	for range maxDepth {
		if !ok {
			return nil
		}
		n := t.node(l)
		if n == nil {
			return nil
		}
		if _, has := n.inputs["steps"]; has {
			return n
		}
		l, ok = n.Link("sigmas")
		if !ok {
			l, ok = linkOf(n, onlyLink)
		}
	}
	return nil
}

func (t *tracer) scheduled(s *Node, input string) []Target {
	if ts := t.resolveFirst(s, input); len(ts) > 0 {
		return ts
	}
	if n := t.sigmas(s); n != nil {
		return t.resolveFirst(n, input)
	}
	return nil
}

// latentSource finds the node that makes a sampler's starting latent (EmptyLatentImage and
// kin), through latent transforms; LatentUpscale is passed through because for a hires pass
// the size that matters lives upstream.
func (t *tracer) latentSource(s *Node) *Node {
	l, ok := s.Link("latent_image")
	for range maxDepth {
		if !ok {
			return nil
		}
		n := t.node(l)
		if n == nil {
			return nil
		}
		if in, pass := latentInput(n); pass {
			l, ok = n.Link(in)
			continue
		}
		if _, w := n.inputs["width"]; w {
			return n
		}
		return nil
	}
	return nil
}

// checkpoint follows the model input through LoRA loaders, model patches and the like to
// the loader naming the model file.
func (t *tracer) checkpoint(s *Node) []Target {
	l, ok := s.Link("model")
	if !ok {
		l, ok = t.conditioner(s).Link("model")
	}
	if !ok {
		if n := t.sigmas(s); n != nil {
			l, ok = n.Link("model")
		}
	}
	for range maxDepth {
		if !ok {
			return nil
		}
		n := t.node(l)
		if n == nil {
			return nil
		}
		if ts := t.resolveFirst(n, loaderInputs()...); len(ts) > 0 {
			return ts
		}
		l, ok = n.Link("model")
		if !ok {
			l, ok = linkOf(n, onlyLink)
		}
	}
	return nil
}

// refinerSteps returns the steps of the later KSamplerAdvanced passes of a split schedule
// (base ends at step N of M, refiner starts at N of the same M): they must change together
// or the refiner starts at the wrong noise level.
func (t *tracer) refinerSteps(main *Node, all []*Node) []Target {
	if main.Class != "KSamplerAdvanced" {
		return nil
	}
	steps, ok := number(main.inputs["steps"])
	end, endOK := number(main.inputs["end_at_step"])
	if !ok || !endOK || compareNumbers(end, steps) >= 0 {
		return nil
	}
	var out []Target
	for _, n := range all {
		if n == main || n.Class != "KSamplerAdvanced" {
			continue
		}
		s, ok := number(n.inputs["steps"])
		start, startOK := number(n.inputs["start_at_step"])
		if ok && startOK && s == steps && start != "0" {
			out = append(out, Target{Node: n.ID, Input: "steps"})
		}
	}
	return out
}

func appendTargets(dst []Target, ts ...Target) []Target {
	for _, t := range ts {
		if !slices.Contains(dst, t) {
			dst = append(dst, t)
		}
	}
	return dst
}

// linkOf returns the link feeding the input pick chooses.
func linkOf(n *Node, pick func(*Node) (string, bool)) (Link, bool) {
	name, ok := pick(n)
	if !ok {
		return Link{}, false
	}
	return n.Link(name)
}
