package workflow

import (
	"slices"
	"strings"
)

// tracer follows links from the main sampler to the inputs holding each parameter.
type tracer struct {
	w         *Workflow
	info      ObjectInfo // nil: go by input names alone
	warnings  []string
	consumers map[string]int // node id → links reading its outputs
}

func newTracer(w *Workflow, info ObjectInfo) *tracer {
	t := &tracer{w: w, info: info, consumers: map[string]int{}}
	for _, n := range w.nodes {
		for _, v := range n.inputs {
			if l, ok := v.(Link); ok {
				t.consumers[l.Node]++
			}
		}
	}
	return t
}

// isolated tells whether a node is linked to nothing: ComfyUI never runs it, so its title,
// seed or text must not be bound.
func (t *tracer) isolated(n *Node) bool {
	if t.consumers[n.ID] > 0 {
		return false
	}
	for _, v := range n.inputs {
		if !literal(v) {
			return false
		}
	}
	return true
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
		name, ok := sourceInput(src, input)
		if !ok {
			return nil
		}
		n, input = src, name
	}
	return nil
}

// sourceInput picks the input of a value node that feeds a consumer's input: one of the
// same name (a seed node's seed), the one named for it (a size picker's width_override), or
// the node's only value.
func sourceInput(src *Node, consumer string) (string, bool) {
	if v, ok := src.inputs[consumer]; ok && literal(v) {
		return consumer, true
	}
	var named []string
	for _, name := range src.InputNames() {
		if strings.HasPrefix(name, consumer+"_") && literal(src.inputs[name]) {
			named = append(named, name)
		}
	}
	if len(named) == 1 {
		return named[0], true
	}
	return valueInput(src)
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

// guidance finds the first node on a conditioning chain with a guidance input (FluxGuidance,
// CLIPTextEncodeFlux): Flux's stand-in for cfg.
func (t *tracer) guidance(l Link) []Target {
	n := t.follow(l, true, func(n *Node) bool { _, ok := n.inputs["guidance"]; return ok },
		func(n *Node, via Link) (Link, bool) {
			ins := conditioningInputs(n, via.Output)
			if len(ins) == 0 {
				return Link{}, false
			}
			return n.Link(ins[0])
		})
	if n == nil {
		return nil
	}
	return t.resolve(n, "guidance")
}

// follow walks a chain of links upstream from l (when ok) to the first node found accepts,
// taking next from each node it passes; nil when the chain ends first.
func (t *tracer) follow(l Link, ok bool, found func(*Node) bool, next func(n *Node, via Link) (Link, bool)) *Node {
	for range maxDepth {
		if !ok {
			return nil
		}
		n := t.node(l)
		if n == nil {
			return nil
		}
		if found(n) {
			return n
		}
		l, ok = next(n, l)
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

// cfg binds where the guidance scale lives. Flux graphs (FluxGuidance, CLIPTextEncodeFlux)
// keep the sampler's cfg at 1 and steer with their guidance, which is what their users mean
// by cfg, so cfg binds there; otherwise the sampler's or guider's cfg.
func (t *tracer) cfg(s *Node) []Target {
	if ts := t.resolveFirst(s, "guidance"); len(ts) > 0 {
		return ts // a Flux sampler that takes the guidance itself
	}
	c := t.conditioner(s)
	if l, ok := t.conditioningLink(c, positive); ok {
		if ts := t.guidance(l); len(ts) > 0 {
			return ts
		}
	}
	if ts := t.resolveFirst(s, "cfg"); len(ts) > 0 {
		return ts
	}
	return t.resolveFirst(c, "cfg", "cfg_conds")
}

// sigmas finds the scheduler behind a custom sampler's sigmas, through SplitSigmas and the like.
func (t *tracer) sigmas(s *Node) *Node {
	l, ok := s.Link("sigmas")
	return t.follow(l, ok, func(n *Node) bool { _, has := n.inputs["steps"]; return has },
		func(n *Node, _ Link) (Link, bool) {
			if l, ok := n.Link("sigmas"); ok {
				return l, true
			}
			return linkOf(n, onlyLink)
		})
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

// latentSource finds the node that sets a sampler's starting size (EmptyLatentImage and
// kin, a video latent, a loader's empty_latent_width), through latent transforms;
// LatentUpscale is passed through because for a hires pass the size that matters lives
// upstream. A pipe sampler's size lives on its pipe loader.
func (t *tracer) latentSource(s *Node) *Node {
	if hasSize(s) {
		return s
	}
	if loader := t.pipeLoader(s); loader != nil && hasSize(loader) {
		return loader
	}
	l, ok := linkOf(s, func(n *Node) (string, bool) {
		for _, name := range []string{"latent_image", "latent", "image_embeds"} {
			if _, ok := n.Link(name); ok {
				return name, true
			}
		}
		return "", false
	})
	return t.follow(l, ok, hasSize, func(n *Node, _ Link) (Link, bool) {
		in, pass := latentInput(n)
		if !pass {
			return Link{}, false
		}
		return n.Link(in)
	})
}

// sizeInputs are the inputs holding a size parameter, most usual first.
func sizeInputs(p Param) []string {
	switch p {
	case ParamWidth:
		return []string{"width", "empty_latent_width"}
	case ParamHeight:
		return []string{"height", "empty_latent_height"}
	}
	return []string{"batch_size"}
}

func hasSize(n *Node) bool {
	for _, p := range []Param{ParamWidth, ParamHeight} {
		if !slices.ContainsFunc(sizeInputs(p), func(name string) bool { _, ok := n.inputs[name]; return ok }) {
			return false
		}
	}
	return true
}

// modelSizes returns the size inputs on a sampler's model chain (ModelSamplingFlux's width
// and height): they must change with the latent's or the schedule no longer fits the image.
func (t *tracer) modelSizes(s *Node, p Param) []Target {
	var out []Target
	for _, n := range t.modelChain(s) {
		if _, ok := n.inputs[string(p)]; ok {
			out = appendTargets(out, t.resolve(n, string(p))...)
		}
	}
	return out
}

// checkpoint follows the model input through LoRA loaders, model patches and the like to
// the loader naming the model file.
func (t *tracer) checkpoint(s *Node) []Target {
	for _, n := range t.modelChain(s) {
		if ts := t.resolveFirst(n, loaderInputs()...); len(ts) > 0 {
			return ts
		}
	}
	return nil
}

// modelChain lists the nodes on a sampler's model input, nearest first, up to the loader.
func (t *tracer) modelChain(s *Node) []*Node {
	l, ok := s.Link("model")
	if !ok {
		l, ok = t.conditioner(s).Link("model")
	}
	if !ok {
		if n := t.sigmas(s); n != nil {
			l, ok = n.Link("model")
		}
	}
	if !ok {
		if loader := t.pipeLoader(s); loader != nil {
			return []*Node{loader}
		}
	}
	var chain []*Node
	seen := map[string]bool{}
	for range maxDepth {
		if !ok {
			break
		}
		n := t.node(l)
		if n == nil || seen[n.ID] {
			break
		}
		seen[n.ID] = true
		chain = append(chain, n)
		l, ok = n.Link("model")
		if !ok {
			l, ok = linkOf(n, onlyLink)
		}
	}
	return chain
}

// refinerSteps returns the steps of the later passes of a split schedule (KSamplerAdvanced,
// pipe samplers: any sampler with steps, start_at_step and end_at_step)
// (base ends at step N of M, refiner starts at N of the same M): they must change together
// or the refiner starts at the wrong noise level.
func (t *tracer) refinerSteps(main *Node, all []*Node) []Target {
	steps, ok := number(main.inputs["steps"])
	end, endOK := number(main.inputs["end_at_step"])
	if !ok || !endOK || compareNumbers(end, steps) >= 0 {
		return nil
	}
	var out []Target
	for _, n := range all {
		if n == main {
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
