package jobs

import (
	"log/slog"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// paramsFor turns a job's parameters into the workflow's, with the job's
// resolved seed (so a re-queued job runs with the same seed) and the names
// its input images were uploaded under (none before they are).
func paramsFor(job model.Job, uploaded map[string]string) workflow.Params {
	p := workflow.Params{
		Steps:     job.Params.Steps,
		CFG:       job.Params.CFG,
		Width:     job.Params.Width,
		Height:    job.Params.Height,
		Denoise:   job.Params.Denoise,
		BatchSize: job.Params.BatchSize,
	}
	seed := job.Seed
	p.Seed = &seed
	if job.Params.Prompt != "" {
		p.Prompt = &job.Params.Prompt
	}
	if job.Params.Negative != "" {
		p.Negative = &job.Params.Negative
	}
	if job.Params.Checkpoint != "" {
		p.Checkpoint = &job.Params.Checkpoint
	}
	if name, ok := uploaded[model.InputImage]; ok {
		p.Image = &name
	}
	if name, ok := uploaded[model.InputImage2]; ok {
		p.Image2 = &name
	}
	return p
}

// graph is a job's graph as built for one backend.
type graph struct {
	w *workflow.Workflow
	// nodes names each node for progress display.
	nodes map[string]string
	// ran are the values the graph runs with at the bound parameters.
	ran model.Params
}

// buildGraph makes the graph to submit for job on a backend with the given
// node catalogue and checkpoints. uploaded names the job's input images on
// that backend; before they are uploaded it is nil, and the inputs they go
// to are not checked.
func buildGraph(entry *workflow.Entry, job model.Job, uploaded map[string]string, info workflow.ObjectInfo, checkpoints []string, log *slog.Logger) (graph, error) {
	if info != nil {
		// The backend's node types settle what input names alone could not.
		typed := *entry
		typed.Bindings = workflow.BindWith(entry.Workflow, entry.Sidecar, info)
		entry = &typed
	}
	w, err := entry.Build(paramsFor(job, uploaded))
	if err != nil {
		return graph{}, err
	}
	if info != nil {
		if w, err = workflow.ResolveCheckpoint(w, entry.Bindings, checkpoints, log); err != nil {
			return graph{}, err
		}
		if err := workflow.Validate(w, info, pendingInputs(entry.Bindings, job.Inputs)...); err != nil {
			return graph{}, err
		}
	}
	names := map[string]string{}
	for _, id := range w.IDs() {
		n, _ := w.Node(id)
		names[id] = n.Class
		if n.Title != "" {
			names[id] = n.Title
		}
	}
	return graph{w: w, nodes: names, ran: ranParams(workflow.Values(w, entry.Bindings))}, nil
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
