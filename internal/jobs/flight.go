package jobs

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// flight is a job sent to a backend, from submission until its outcome is
// known (or it is cancelled, re-queued or times out).
type flight struct {
	b        *Backend
	promptID string
	tracker  *comfy.Tracker
	nodes    map[string]string
	cancelCh chan cancelRequest
	freeSlot sync.Once // the backend's window slot goes back exactly once

	mu       sync.Mutex
	job      model.Job
	node     string
	step     int
	maxSteps int
	done     map[string]bool // nodes finished or cached
	current  string
	preview  *Image
	timedOut bool
	saved    time.Time // when progress was last written to the store
}

type cancelRequest struct {
	reply chan cancelReply
}

type cancelReply struct {
	job model.Job
	err error
}

func newFlight(b *Backend, job model.Job, promptID string, tracker *comfy.Tracker, nodes map[string]string) *flight {
	return &flight{b: b, job: job, promptID: promptID, tracker: tracker, nodes: nodes,
		cancelCh: make(chan cancelRequest), done: map[string]bool{}}
}

// cancel asks the flight's loop to cancel the job and waits for the answer.
func (f *flight) cancel(ctx context.Context) (model.Job, error) {
	req := cancelRequest{reply: make(chan cancelReply, 1)}
	select {
	case f.cancelCh <- req:
	case <-ctx.Done():
		return model.Job{}, ctx.Err()
	}
	select {
	case r := <-req.reply:
		return r.job, r.err
	case <-ctx.Done():
		return model.Job{}, ctx.Err()
	}
}

// release gives the flight's slot back to its backend (once) and wakes
// the dispatcher.
func (f *flight) release(poke func()) {
	f.freeSlot.Do(func() {
		f.b.release()
		poke()
	})
}

// snapshot is the flight's progress as an Update.
func (f *flight) snapshot() Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := Update{Job: f.job, Node: f.node, Step: f.step, MaxSteps: f.maxSteps, Preview: f.preview}
	if total := len(f.nodes); total > 0 {
		finished := float64(len(f.done))
		if f.maxSteps > 0 && f.current != "" && !f.done[f.current] {
			finished += float64(f.step) / float64(f.maxSteps)
		}
		u.Fraction = min(1, finished/float64(total))
	}
	return u
}

// observe folds one ComfyUI event into the flight's progress.
func (f *flight) observe(ev comfy.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch e := ev.(type) {
	case comfy.ExecutionCached:
		for _, n := range e.Nodes {
			f.done[n] = true
		}
	case comfy.Executing:
		if e.Node != "" {
			if f.current != "" {
				f.done[f.current] = true
			}
			f.current, f.node = e.Node, f.nodeName(e.Node)
			f.step, f.maxSteps = 0, 0
		}
	case comfy.Progress:
		f.current, f.node = e.Node, f.nodeName(e.Node)
		f.step, f.maxSteps = int(e.Value), int(e.Max)
	case comfy.ProgressState:
		for id, n := range e.Nodes {
			if n.State == "finished" {
				f.done[id] = true
			}
		}
	case comfy.Preview:
		f.preview = &Image{Name: "preview", Data: e.Image, Format: formatOf(e.MIME)}
	}
}

func (f *flight) nodeName(id string) string {
	if n, ok := f.nodes[id]; ok {
		return n
	}
	return "node " + id
}

func (f *flight) setJob(j model.Job) {
	f.mu.Lock()
	f.job = j
	f.mu.Unlock()
}

func (f *flight) currentJob() model.Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.job
}

func formatOf(mime string) string {
	switch {
	case strings.Contains(mime, "jpeg"):
		return "jpeg"
	case strings.Contains(mime, "webp"):
		return "webp"
	}
	return "png"
}
