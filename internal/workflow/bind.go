package workflow

import (
	"slices"
	"strings"
)

// Via says how a binding was found.
type Via string

// Binding sources, in order of precedence.
const (
	ViaSidecar Via = "sidecar" // NAME.yaml said so
	ViaTitle   Via = "title"   // a node title such as "Positive Prompt"
	ViaTrace   Via = "trace"   // followed links from the main sampler
	ViaClass   Via = "class"   // the only node of a usual class
)

// Target is one node input a parameter is written to.
type Target struct {
	Node  string `json:"node"`
	Input string `json:"input"`
}

// Binding is where a parameter lives: one or more targets (the seed of every sampler, both
// text inputs of an SDXL encoder …).
type Binding struct {
	Targets []Target
	Via     Via
}

// Bindings maps parameters to where they live in one workflow.
type Bindings struct {
	Params map[Param]Binding
	// Main is the id of the main (first-pass) sampler, "" when the graph has none.
	Main string
	// Warnings explain guesses and gaps (no prompt found, several candidates …).
	Warnings []string
}

// Get returns a parameter's binding.
func (b Bindings) Get(p Param) (Binding, bool) {
	bind, ok := b.Params[p]
	return bind, ok
}

// InputImages are the inputs input images are written to. Their values
// are files uploaded when a job is submitted, so checking a workflow before
// then passes them to Validate as pending.
func (b Bindings) InputImages() []Target {
	var out []Target
	for _, p := range []Param{ParamImage, ParamImage2} {
		out = append(out, b.Params[p].Targets...)
	}
	return out
}

// binds reports whether any of params is written to node id.
func (b Bindings) binds(id string, params ...Param) bool {
	for _, p := range params {
		for _, tg := range b.Params[p].Targets {
			if tg.Node == id {
				return true
			}
		}
	}
	return false
}

// Missing lists the parameters set in p that the workflow has no place for; Apply ignores
// them, and a caller may want to tell the person.
func (b Bindings) Missing(p Params) []Param {
	var missing []Param
	for _, q := range p.Set() {
		if _, ok := b.Params[q]; !ok {
			missing = append(missing, q)
		}
	}
	return missing
}

// Bind finds where each parameter lives, trying in order: the sidecar's bindings, node
// titles, links traced from the samplers, and class rules. It goes by input names; BindWith
// also uses a server's node catalogue. sidecar may be nil.
func Bind(w *Workflow, sidecar *Sidecar) Bindings {
	return BindWith(w, sidecar, nil)
}

// BindWith is Bind with the input and output types of info (a server's /object_info) where
// it knows a class; info may be nil. Tracing starts at the samplers, found by what they take
// (conditioning and a seed or steps), not by class: the prompt and negative are every text
// reaching any sampler's positive or negative conditioning, followed back through string
// nodes to their literals; the seed is every sampler's; steps, cfg, size and checkpoint come
// from the main (first-pass) sampler. For Flux graphs cfg binds to the Flux guidance.
func BindWith(w *Workflow, sidecar *Sidecar, info ObjectInfo) Bindings {
	t := newTracer(w, info)
	b := Bindings{Params: map[Param]Binding{}}
	if sidecar != nil {
		for _, p := range AllParams() {
			var ts []Target
			for _, tg := range sidecar.Bindings[p] {
				if _, ok := w.nodes[tg.Node]; !ok {
					t.warn("the sidecar binds " + string(p) + " to node " + tg.Node + ", which is not in the workflow")
					continue
				}
				ts = appendTargets(ts, tg)
			}
			if len(ts) > 0 {
				b.Params[p] = Binding{Targets: ts, Via: ViaSidecar}
			}
		}
	}
	titled := t.titled()
	traced := t.trace(&b)
	for _, p := range AllParams() {
		if _, ok := b.Params[p]; ok {
			continue
		}
		switch {
		case len(titled[p]) > 0:
			b.Params[p] = Binding{Targets: titled[p], Via: ViaTitle}
		case len(traced[p]) > 0:
			b.Params[p] = Binding{Targets: traced[p], Via: ViaTrace}
		case p == ParamImage || p == ParamImage2:
			if ts := t.imageByClass(p, b); len(ts) > 0 {
				b.Params[p] = Binding{Targets: ts, Via: ViaClass}
			}
		default:
			if ts := t.byClass(p); len(ts) > 0 {
				b.Params[p] = Binding{Targets: ts, Via: ViaClass}
			}
		}
	}
	t.separatePrompts(&b)
	if _, ok := b.Params[ParamPrompt]; !ok {
		t.warn(`no prompt found: title the positive text encoder "Positive Prompt" or bind prompt in a sidecar`)
	}
	b.Warnings = t.warnings
	return b
}

// trace follows links from the samplers.
func (t *tracer) trace(b *Bindings) map[Param][]Target {
	all, main := t.samplers()
	found := map[Param][]Target{}
	if main == nil {
		return found
	}
	b.Main = main.ID
	mainPrompt := t.prompt(main, positive)
	found[ParamPrompt] = mainPrompt
	found[ParamNegative] = t.prompt(main, negative)
	for _, s := range all {
		found[ParamSeed] = appendTargets(found[ParamSeed], t.seed(s)...)
		if s != main {
			found[ParamPrompt] = appendTargets(found[ParamPrompt], t.prompt(s, positive)...)
			found[ParamNegative] = appendTargets(found[ParamNegative], t.prompt(s, negative)...)
		}
	}
	found[ParamSteps] = appendTargets(t.scheduled(main, "steps"), t.refinerSteps(main, all)...)
	found[ParamDenoise] = t.scheduled(main, "denoise")
	found[ParamCFG] = t.cfg(main)
	found[ParamCheckpoint] = t.checkpoint(main)
	if src := t.latentSource(main); src != nil {
		for _, p := range []Param{ParamWidth, ParamHeight, ParamBatchSize} {
			found[p] = t.resolveFirst(src, sizeInputs(p)...)
		}
	}
	for _, p := range []Param{ParamWidth, ParamHeight} {
		if len(found[p]) > 0 {
			found[p] = appendTargets(found[p], t.modelSizes(main, p)...)
		}
	}
	if nodes := distinctNodes(mainPrompt); len(nodes) > 1 {
		t.warn("the prompt reaches several text inputs of nodes " + strings.Join(nodes, ", ") +
			" at the main sampler; all of them are set")
	}
	return found
}

// prompt finds the text of one polarity reaching a sampler: through its conditioning, or
// for a pipe sampler on its pipe's loader.
func (t *tracer) prompt(s *Node, pol polarity) []Target {
	if l, ok := t.conditioningLink(t.conditioner(s), pol); ok {
		return t.texts(l, pol)
	}
	loader := t.pipeLoader(s)
	if loader == nil {
		return nil
	}
	var out []Target
	for _, in := range t.promptInputs(loader, pol) {
		out = appendTargets(out, t.resolveText(loader, in, pol)...)
	}
	return out
}

// separatePrompts drops negative targets that are also prompt targets, so setting the
// negative never overwrites the prompt.
func (t *tracer) separatePrompts(b *Bindings) {
	pos, ok := b.Params[ParamPrompt]
	neg, ok2 := b.Params[ParamNegative]
	if !ok || !ok2 || neg.Via == ViaSidecar {
		return
	}
	kept := slices.DeleteFunc(slices.Clone(neg.Targets), func(tg Target) bool {
		return slices.Contains(pos.Targets, tg)
	})
	if len(kept) == len(neg.Targets) {
		return
	}
	t.warn("the negative prompt shares a text input with the prompt; it is left unbound there")
	if len(kept) == 0 {
		delete(b.Params, ParamNegative)
		return
	}
	neg.Targets = kept
	b.Params[ParamNegative] = neg
}

func distinctNodes(ts []Target) []string {
	var ids []string
	for _, t := range ts {
		if !slices.Contains(ids, t.Node) {
			ids = append(ids, t.Node)
		}
	}
	return ids
}
