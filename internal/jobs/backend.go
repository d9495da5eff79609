package jobs

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/generation"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// Backend is one ComfyUI server the queue sends jobs to.
type Backend struct {
	Name   string
	URL    string
	Client *comfy.Client
	window int
	log    *slog.Logger

	mu       sync.Mutex
	info     workflow.ObjectInfo
	ckpts    []string
	inflight int
	problem  string // why it cannot take jobs, when it cannot
}

// NewBackend wraps a client; window is how many jobs it holds at once.
func NewBackend(c *comfy.Client, window int, log *slog.Logger) *Backend {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Backend{Name: c.Name(), URL: c.URL(), Client: c, window: max(1, window), log: log.With("backend", c.Name()), problem: "not connected yet"}
}

// BackendState is a backend as /admin status shows it.
type BackendState struct {
	Name     string
	URL      string
	Up       bool
	InFlight int
	Error    string
}

// State reports the backend's health and load.
func (b *Backend) State() BackendState {
	b.mu.Lock()
	defer b.mu.Unlock()
	up := b.Client.Connected() && b.info != nil
	s := BackendState{Name: b.Name, URL: b.URL, Up: up, InFlight: b.inflight}
	if !up {
		s.Error = b.problem
	}
	return s
}

// Up reports whether the backend takes jobs: connected, catalogue known.
func (b *Backend) Up() bool { return b.State().Up }

// run keeps the WebSocket up and refreshes the node catalogue on every
// (re)connect; onChange is called whenever the backend comes or goes.
func (b *Backend) run(ctx context.Context, onChange func()) {
	go func() {
		if err := b.Client.Run(ctx); err != nil && ctx.Err() == nil {
			b.log.Error("ComfyUI connection loop ended", "err", err)
		}
	}()
	for {
		up, changed := b.Client.Health()
		if up {
			b.refresh(ctx)
		} else {
			b.setProblem("ComfyUI at " + b.URL + " is not reachable; is it running?")
		}
		onChange()
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// refresh reads the node catalogue and checkpoints the backend offers.
func (b *Backend) refresh(ctx context.Context) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		raw, err := b.Client.ObjectInfo(ctx)
		if err == nil {
			info, perr := workflow.ParseObjectInfo(raw)
			if perr == nil {
				b.mu.Lock()
				b.info, b.ckpts, b.problem = info, workflow.Checkpoints(info), ""
				b.mu.Unlock()
				b.log.Info("ComfyUI backend ready", "node_classes", len(info), "checkpoints", len(workflow.Checkpoints(info)))
				return
			}
			err = perr
		}
		b.setProblem("cannot read its node list: " + err.Error())
		b.log.Warn("cannot read object_info", "err", err)
		if !b.Client.Connected() || !sleep(ctx, min(time.Duration(1<<attempt)*time.Second, 30*time.Second)) {
			return
		}
	}
}

func (b *Backend) setProblem(p string) {
	b.mu.Lock()
	b.problem = p
	b.mu.Unlock()
}

func (b *Backend) objectInfo() workflow.ObjectInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.info
}

// server is what a graph is built against on b; no catalogue while b has
// not answered.
func (b *Backend) server() generation.Server {
	b.mu.Lock()
	defer b.mu.Unlock()
	return generation.Server{Info: b.info, Checkpoints: b.ckpts}
}

func (b *Backend) checkpoints() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ckpts
}

// take reserves a slot of the window; it fails when the backend is full or down.
func (b *Backend) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight >= b.window || b.info == nil || !b.Client.Connected() {
		return false
	}
	b.inflight++
	return true
}

// hold counts a job recovered in flight, whatever the window says.
func (b *Backend) hold() {
	b.mu.Lock()
	b.inflight++
	b.mu.Unlock()
}

func (b *Backend) release() {
	b.mu.Lock()
	b.inflight--
	b.mu.Unlock()
}

func (b *Backend) load() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inflight
}

// supports reports whether the backend has every node class the workflow
// uses and the checkpoint the job asks for by name.
func (b *Backend) supports(w *workflow.Workflow, job model.Job) bool {
	info := b.objectInfo()
	if info == nil {
		return false
	}
	for _, id := range w.IDs() {
		n, _ := w.Node(id)
		if _, ok := info[n.Class]; !ok {
			return false
		}
	}
	return job.Params.Checkpoint == "" || slices.Contains(b.checkpoints(), job.Params.Checkpoint)
}

// sleep waits d or until ctx ends; it reports whether the wait completed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
