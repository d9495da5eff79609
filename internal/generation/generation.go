// Package generation turns what a user asked for into the graph a ComfyUI
// server runs, and a finished prompt into its results. The bot's queue and
// the generate command both go through it, so they agree on the seed, the
// bounds of every parameter, the graph itself and which outputs count.
package generation

import (
	"log/slog"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// Server is what a graph is built against: a server's node catalogue and
// checkpoints. The zero Server knows none (no server has answered yet): the
// graph is then built from the workflow alone and not validated.
type Server struct {
	Info        workflow.ObjectInfo
	Checkpoints []string
}

// Request is one generation: what the user asked for, every layer merged,
// and the seed it runs with (see Seed).
type Request struct {
	Params model.Params
	Seed   uint64
	// Inputs are the images it starts from; Uploaded names each one's file
	// on the server, nil before they are uploaded.
	Inputs   []model.Input
	Uploaded map[string]string
}

// Graph is a generation's graph as built for one server.
type Graph struct {
	Workflow *workflow.Workflow
	// Nodes names each node for progress display: its title, else its class.
	Nodes map[string]string
	// Ran are the values the graph holds at the bound parameters, the
	// workflow's own where the user gave none.
	Ran model.Params
}

// Build makes the graph of r on s, once: the backend's node types settle
// the bindings, the parameters are written, a checkpoint s lacks is
// swapped for one it has (logged to log) and the graph is validated as s
// will validate it. An error is a *workflow.Error or *workflow.ValidationError
// naming the node and input.
func Build(entry *workflow.Entry, r Request, s Server, log *slog.Logger) (Graph, error) {
	if s.Info != nil {
		typed := *entry
		typed.Bindings = workflow.BindWith(entry.Workflow, entry.Sidecar, s.Info)
		entry = &typed
	}
	w, err := entry.Build(workflowParams(r))
	if err != nil {
		return Graph{}, err
	}
	if s.Info != nil {
		if w, err = workflow.ResolveCheckpoint(w, entry.Bindings, s.Checkpoints, log); err != nil {
			return Graph{}, err
		}
		if err := workflow.Validate(w, s.Info, pendingInputs(entry.Bindings, r)...); err != nil {
			return Graph{}, err
		}
	}
	return Graph{Workflow: w, Nodes: NodeNames(w), Ran: ranParams(workflow.Values(w, entry.Bindings))}, nil
}

// workflowParams are the values to write: the user's, the request's seed,
// and the names the input images were uploaded under.
func workflowParams(r Request) workflow.Params {
	p := workflow.Params{
		Steps: r.Params.Steps, CFG: r.Params.CFG, Width: r.Params.Width, Height: r.Params.Height,
		Denoise: r.Params.Denoise, BatchSize: r.Params.BatchSize,
	}
	seed := r.Seed
	p.Seed = &seed
	if r.Params.Prompt != "" {
		p.Prompt = &r.Params.Prompt
	}
	if r.Params.Negative != "" {
		p.Negative = &r.Params.Negative
	}
	if r.Params.Checkpoint != "" {
		p.Checkpoint = &r.Params.Checkpoint
	}
	for _, s := range inputSlots {
		if name, ok := r.Uploaded[s.slot]; ok {
			*s.field(&p) = &name
		}
	}
	return p
}

// ranParams are the knobs a job shows as run, from the graph's values.
func ranParams(v workflow.Params) model.Params {
	p := model.Params{
		Steps: v.Steps, CFG: v.CFG, Width: v.Width, Height: v.Height,
		BatchSize: v.BatchSize, Denoise: v.Denoise,
	}
	if v.Checkpoint != nil {
		p.Checkpoint = *v.Checkpoint
	}
	return p
}

// NodeNames names each node of w for progress display: its title, else its
// class. Parameters do not change them.
func NodeNames(w *workflow.Workflow) map[string]string {
	names := map[string]string{}
	for _, id := range w.IDs() {
		n, _ := w.Node(id)
		names[id] = n.Class
		if n.Title != "" {
			names[id] = n.Title
		}
	}
	return names
}

// Ignored lists the parameters p sets that the workflow has no input for:
// they change nothing, and the user should hear so.
func Ignored(entry *workflow.Entry, p model.Params) []workflow.Param {
	var out []workflow.Param
	for _, q := range entry.Bindings.Missing(workflowParams(Request{Params: p})) {
		if q != workflow.ParamSeed || p.Seed != nil {
			out = append(out, q)
		}
	}
	return out
}
