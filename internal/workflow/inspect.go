package workflow

import (
	"cmp"
	"slices"
)

// Report describes a workflow for `workflow inspect`; it marshals to JSON with stable
// snake_case field names.
type Report struct {
	Format      Format                   `json:"format"`
	Description string                   `json:"description,omitempty"`
	MainSampler string                   `json:"main_sampler,omitempty"`
	Bindings    map[Param]*BindingReport `json:"bindings"` // every parameter; null when unbound
	Outputs     []NodeRef                `json:"outputs"`
	Classes     []string                 `json:"classes"`
	Models      []Model                  `json:"models"`
	Warnings    []string                 `json:"warnings"`
	// Problems are what makes the workflow unusable whatever the server, such as a
	// link to a node that is not in it; each is listed.
	Problems []Problem `json:"problems"`
}

// BindingReport is where one parameter lives. Node and Input name the first target;
// Targets lists them all.
type BindingReport struct {
	Node    string   `json:"node"`
	Input   string   `json:"input"`
	Via     Via      `json:"via"`
	Targets []Target `json:"targets"`
	Value   any      `json:"value,omitempty"` // the first target's current value
	Note    string   `json:"note,omitempty"`  // what a person may not expect, e.g. cfg on Flux
}

// NodeRef names a node.
type NodeRef struct {
	Node  string `json:"node"`
	Class string `json:"class"`
	Title string `json:"title,omitempty"`
}

// Model is a model file a node loads.
type Model struct {
	Kind  string `json:"kind"` // checkpoint, unet, lora, vae, clip, controlnet …
	Name  string `json:"name"`
	Node  string `json:"node"`
	Input string `json:"input"`
}

// Inspect reports a workflow's bindings, output nodes, classes, models and anything that
// looks wrong. sidecar may be nil.
func Inspect(w *Workflow, sidecar *Sidecar) Report {
	return InspectWith(w, sidecar, nil)
}

// InspectWith is Inspect binding with a server's catalogue (BindWith); info may be nil.
func InspectWith(w *Workflow, sidecar *Sidecar, info ObjectInfo) Report {
	b := BindWith(w, sidecar, info)
	r := Report{
		Format:      FormatAPI,
		MainSampler: b.Main,
		Bindings:    map[Param]*BindingReport{},
		Outputs:     []NodeRef{},
		Classes:     []string{},
		Models:      []Model{},
		Warnings:    append(append([]string{}, w.notes...), b.Warnings...),
		Problems:    []Problem{},
	}
	for _, d := range w.danglingLinks() {
		n := w.nodes[d.Node]
		r.Problems = append(r.Problems, Problem{Code: "bad_linked_input", Node: n.ID, Class: n.Class, Title: n.Title,
			Input: d.Input, Message: nodeWhere(n, d.Input) + ": links to node " + d.to + ", which is not in the workflow"})
	}
	if sidecar != nil {
		r.Description = sidecar.Description
	}
	for _, p := range AllParams() {
		bind, ok := b.Params[p]
		if !ok {
			r.Bindings[p] = nil
			continue
		}
		first := bind.Targets[0]
		br := &BindingReport{Node: first.Node, Input: first.Input, Via: bind.Via, Targets: bind.Targets,
			Note: bindingNote(p, first)}
		if n, ok := w.Node(first.Node); ok {
			if v, ok := n.Input(first.Input); ok && literal(v) {
				br.Value = v
			}
		}
		r.Bindings[p] = br
	}
	for _, id := range w.IDs() {
		n := w.nodes[id]
		if !slices.Contains(r.Classes, n.Class) {
			r.Classes = append(r.Classes, n.Class)
		}
		if outputClass(n.Class) {
			r.Outputs = append(r.Outputs, NodeRef{Node: id, Class: n.Class, Title: n.Title})
		}
		for _, name := range n.InputNames() {
			kind, ok := modelKind(name)
			if !ok {
				continue
			}
			if s, ok := text(n.inputs[name]); ok && s != "" {
				r.Models = append(r.Models, Model{Kind: kind, Name: s, Node: id, Input: name})
			}
		}
	}
	slices.Sort(r.Classes)
	slices.SortStableFunc(r.Models, func(a, b Model) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	if len(r.Outputs) == 0 {
		r.Warnings = append(r.Warnings, "no output node (SaveImage, PreviewImage …): ComfyUI will refuse the workflow")
	}
	return r
}

// bindingNote explains a binding that differs from what the parameter's name suggests.
func bindingNote(p Param, first Target) string {
	if p == ParamCFG && first.Input == "guidance" {
		return "Flux guidance: the cfg option sets it; the sampler's cfg stays as saved"
	}
	return ""
}
