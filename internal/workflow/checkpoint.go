package workflow

import (
	"log/slog"
	"slices"
)

// ResolveCheckpoint returns w with its checkpoint replaced by the first available one when
// the server does not have the one the workflow names, and logs the swap. Only checkpoint
// loader inputs (ckpt_name) are resolved: a diffusion model (unet_name) comes from another
// folder and is left for validation to report. A workflow without a checkpoint binding is
// returned as is. available is the server's list (Checkpoints); logger may be nil.
func ResolveCheckpoint(w *Workflow, b Bindings, available []string, logger *slog.Logger) (*Workflow, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bind, ok := b.Params[ParamCheckpoint]
	if !ok {
		return w, nil
	}
	var stale []Target
	for _, t := range bind.Targets {
		if t.Input != "ckpt_name" {
			continue
		}
		n, ok := w.Node(t.Node)
		if !ok {
			continue
		}
		name, _ := text(n.inputs[t.Input])
		if !slices.Contains(available, name) {
			stale = append(stale, t)
		}
	}
	if len(stale) == 0 {
		return w, nil
	}
	if len(available) == 0 {
		return nil, &Error{Code: CodeNoCheckpoints, Param: ParamCheckpoint,
			Message: "ComfyUI has no checkpoints in models/checkpoints; add one (for example " +
				"v1-5-pruned-emaonly-fp16.safetensors) and restart ComfyUI or refresh its model list"}
	}
	out := w.Clone()
	for _, t := range stale {
		n := out.nodes[t.Node]
		old, _ := text(n.inputs[t.Input])
		n.set(t.Input, available[0])
		logger.Warn("checkpoint not on backend; using the first available one",
			"node", t.Node, "wanted", old, "using", available[0])
	}
	return out, nil
}
