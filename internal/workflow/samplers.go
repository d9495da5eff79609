package workflow

import (
	"slices"
	"strings"
)

// A node is sampler-like by what it takes, not by its class name: conditioning in (positive,
// negative, or a guider), and the knobs of a denoising loop (seed, steps) or a latent to
// denoise. That finds custom samplers (KSampler (Efficient), XlabsSampler, UltimateSDUpscale,
// pipe samplers …) as well as the stock ones.

// stockSamplers are the core classes whose shape the names alone do not show.
func stockSampler(class string) bool {
	switch class {
	case "KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced":
		return true
	}
	return false
}

// conditioningNames are the inputs through which a sampler takes each polarity, most usual
// first. "conditioning" is BasicGuider's and XlabsSampler's positive; WanVideoWrapper's
// text_embeds carry both prompts, told apart at the encoder by polarity.
func conditioningNames(pol polarity) []string {
	if pol == negative {
		return []string{"negative", "neg_conditioning", "negative_conditioning", "negative_cond", "cond_negative", "neg",
			"text_embeds"}
	}
	return []string{"positive", "conditioning", "positive_conditioning", "positive_cond", "cond_positive", "cond1", "pos",
		"text_embeds"}
}

// samplerKnobs are inputs only a denoising loop has.
var samplerKnobs = []string{"seed", "noise_seed", "steps", "noise", "sigmas"}

// latentNames are the inputs a sampler takes its starting latent (or image, or pipe) from.
var latentNames = []string{"latent_image", "latent", "samples", "image", "images", "pixels", "pipe", "image_embeds"}

func (t *tracer) isSampler(n *Node) bool {
	if len(n.inputs) == 0 || t.isolated(n) {
		return false // left over in the file; nothing feeds it
	}
	if stockSampler(n.Class) {
		return true
	}
	if t.produces(n, "CONDITIONING") || t.produces(n, "GUIDER") {
		return false // a conditioning pass-through (ControlNetApply …) or a guider, not a loop
	}
	knob := slices.ContainsFunc(samplerKnobs, func(name string) bool { _, ok := n.inputs[name]; return ok })
	latent := slices.ContainsFunc(latentNames, func(name string) bool { _, ok := n.Link(name); return ok })
	if _, ok := n.Link("guider"); ok {
		return knob || latent
	}
	_, pos := t.conditioningLink(n, positive)
	_, neg := t.conditioningLink(n, negative)
	if pos || neg {
		return knob && (latent || neg)
	}
	// A pipe sampler (tinyterra) takes its conditioning inside the pipe.
	_, pipe := n.Link("pipe")
	return pipe && knob && t.pipeLoader(n) != nil
}

// conditioningLink returns the link feeding a sampler's (or guider's) conditioning of one
// polarity. With the class known, the input must be CONDITIONING-typed.
func (t *tracer) conditioningLink(n *Node, pol polarity) (Link, bool) {
	for _, name := range conditioningNames(pol) {
		l, ok := n.Link(name)
		if !ok {
			continue
		}
		if typ := t.inputType(n, name); typ != "" && typ != "CONDITIONING" && typ != "*" {
			continue
		}
		if t.textLink(l) {
			continue // text wired into a loader's prompt widget, not conditioning
		}
		return l, true
	}
	return Link{}, false
}

// samplers lists the sampler nodes and picks the main one: the first pass, whose latent (or
// image) does not come from another sampler (hires fix, refiner and upscale passes do).
func (t *tracer) samplers() (all []*Node, main *Node) {
	var first []string
	for _, id := range t.w.IDs() {
		n := t.w.nodes[id]
		if !t.isSampler(n) {
			continue
		}
		all = append(all, n)
		if !t.laterPass(n) {
			first = append(first, id)
		}
	}
	switch {
	case len(first) > 0:
		main = t.w.nodes[first[0]]
		if len(first) > 1 {
			t.warn("several first-pass samplers (nodes " + strings.Join(first, ", ") +
				"); parameters are taken from node " + first[0] + "; bind them in a sidecar to choose another")
		}
	case len(all) > 0:
		main = all[0]
	}
	return all, main
}

// laterPass tells whether anything upstream of s's latent, image or pipe is a sampler.
func (t *tracer) laterPass(s *Node) bool {
	seen := map[string]bool{s.ID: true}
	var queue []string
	for _, name := range latentNames {
		if l, ok := s.Link(name); ok {
			queue = append(queue, l.Node)
		}
	}
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
		if t.isSampler(n) {
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

// pipeLoader follows a pipe sampler's pipe upstream, through other pipe nodes, to the loader
// that holds the prompt text.
func (t *tracer) pipeLoader(s *Node) *Node {
	l, ok := s.Link("pipe")
	return t.follow(l, ok, func(n *Node) bool { return len(t.promptInputs(n, positive)) > 0 },
		func(n *Node, _ Link) (Link, bool) { return n.Link("pipe") })
}
