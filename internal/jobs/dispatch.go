package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/generation"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

// dispatchTick re-checks the queue even without a wake-up, e.g. for a
// backend whose catalogue arrived.
const dispatchTick = 2 * time.Second

// SetNotifier attaches the receiver of job updates; call it before Run.
func (m *Manager) SetNotifier(n Notifier) { m.opt.Notifier = n }

// Run connects the backends, reconciles every unfinished job, then
// dispatches until ctx ends. Jobs in flight are left as they are on
// shutdown: the next start reconciles them.
func (m *Manager) Run(ctx context.Context) error {
	for _, b := range m.opt.Backends {
		m.wg.Go(func() { b.run(ctx, m.poke) })
	}
	if err := m.loadLine(ctx); err != nil {
		return err
	}
	if err := m.recoverJobs(ctx); err != nil {
		return err
	}
	tick := time.NewTicker(dispatchTick)
	defer tick.Stop()
	for {
		m.dispatch(ctx)
		select {
		case <-ctx.Done():
			m.wg.Wait()
			return nil
		case <-m.wake:
		case <-tick.C:
		}
	}
}

// InFlight counts the jobs sent to backends and not yet finished.
func (m *Manager) InFlight() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.flights)
}

// Backends reports every backend's state.
func (m *Manager) Backends() []BackendState {
	out := make([]BackendState, len(m.opt.Backends))
	for i, b := range m.opt.Backends {
		out[i] = b.State()
	}
	return out
}

// loadLine reads the queued jobs and who was served when from the store.
func (m *Manager) loadLine(ctx context.Context) error {
	queued, err := m.store.QueuedJobs(ctx)
	if err != nil {
		return fmt.Errorf("read queue: %w", err)
	}
	served, err := m.store.LastServed(ctx)
	if err != nil {
		return fmt.Errorf("read queue: %w", err)
	}
	m.line.load(queued, served)
	return nil
}

// reloadServed re-reads who was served when, after a re-queue took a
// submission back.
func (m *Manager) reloadServed(ctx context.Context) {
	served, err := m.store.LastServed(ctx)
	if err != nil {
		m.log.Warn("read last served", "err", err)
		return
	}
	m.line.setServed(served)
}

// dispatch sends queued jobs, in fair order, to backends with room. The
// order is taken afresh before every launch: a launch takes a while, and a
// job queued meanwhile by a user not yet served must go before the next of
// a user who was, just as a slot freed meanwhile must go to the line's head.
// Each job is tried once per pass, so one that fails to launch and is put
// back does not spin.
func (m *Manager) dispatch(ctx context.Context) {
	tried := map[int64]bool{}
	for m.anyRoom() {
		job, ok := m.next(tried)
		if !ok {
			break
		}
		tried[job.ID] = true
		m.launch(ctx, job)
	}
	m.announcePositions(ctx, m.line.order())
}

// next is the first job of the fair order not tried in this pass.
func (m *Manager) next(tried map[int64]bool) (model.Job, bool) {
	for _, job := range m.line.order() {
		if !tried[job.ID] {
			return job, true
		}
	}
	return model.Job{}, false
}

func (m *Manager) anyRoom() bool {
	for _, b := range m.opt.Backends {
		if b.Up() && b.load() < b.window {
			return true
		}
	}
	return false
}

// launch builds the job's graph for the least loaded backend that can run
// it and sends it there; a job no backend can take now stays in line.
func (m *Manager) launch(ctx context.Context, job model.Job) {
	entry, err := m.opt.Library.Get(job.GuildID, job.WorkflowName)
	if err != nil {
		m.failJob(ctx, job.ID, "workflow_missing", err.Error())
		return
	}
	if job.Inputs, err = m.store.JobInputs(ctx, job.ID); err != nil {
		m.log.Warn("could not read the job's input images; it stays in line", "job_id", job.ID, "err", err)
		return
	}
	if err := generation.CheckInputs(entry, job.Inputs); err != nil {
		m.failJob(ctx, job.ID, "invalid_workflow", err.Error())
		return
	}
	var chosen *Backend
	for _, b := range m.opt.Backends {
		if !b.Up() || b.load() >= b.window || !b.supports(entry.Workflow, job) {
			continue
		}
		if chosen == nil || b.load() < chosen.load() {
			chosen = b
		}
	}
	if chosen == nil || !chosen.take() {
		return
	}
	uploaded, err := uploadInputs(ctx, chosen.Client, job, job.Inputs)
	if err != nil {
		chosen.release()
		if refused(err) {
			m.failJob(ctx, job.ID, "input_refused", "ComfyUI refused the input image: "+err.Error())
			return
		}
		m.log.Warn("input upload failed; the job stays in line", "job_id", job.ID, "backend", chosen.Name, "err", err)
		return
	}
	built, err := generation.Build(entry, requestOf(job, uploaded), chosen.server(), m.log.With("job_id", job.ID, "backend", chosen.Name))
	if err != nil {
		chosen.release()
		m.failJob(ctx, job.ID, "invalid_workflow", err.Error())
		return
	}
	graph, err := built.Workflow.Encode()
	if err != nil {
		chosen.release()
		m.failJob(ctx, job.ID, "invalid_workflow", err.Error())
		return
	}
	pid := comfy.NewPromptID()
	tracker := chosen.Client.Track(pid)
	job, err = m.store.Transition(ctx, job.ID, model.StatusSubmitted, store.JobChange{PromptID: pid, Backend: chosen.Name, Ran: &built.Ran})
	if err != nil {
		tracker.Close()
		chosen.release()
		if model.ErrorCodeOf(err) == model.CodeConflict {
			m.line.remove(job.ID) // cancelled meanwhile: nothing to wait for
			return
		}
		return
	}
	m.line.submitted(job)
	f := newFlight(chosen, job, pid, tracker, built.Nodes)
	// Submitted here, in dispatch order, so ComfyUI's own queue keeps the
	// fair order; a POST from each flight's goroutine could overtake.
	if _, err := chosen.Client.Submit(ctx, graph, pid, nil); err != nil {
		tracker.Close()
		chosen.release()
		m.submitFailed(ctx, f, err)
		return
	}
	m.start(ctx, f)
}

// start registers a flight and runs it.
func (m *Manager) start(ctx context.Context, f *flight) {
	m.mu.Lock()
	m.flights[f.job.ID] = f
	delete(m.positions, f.job.ID)
	m.mu.Unlock()
	m.opt.Notifier.Changed(f.snapshot())
	m.wg.Go(func() {
		m.fly(ctx, f)
		m.mu.Lock()
		delete(m.flights, f.job.ID)
		m.mu.Unlock()
		f.release(m.poke)
	})
}

// announcePositions tells queued jobs whose place in line changed.
func (m *Manager) announcePositions(ctx context.Context, waiting []model.Job) {
	for i, j := range waiting {
		pos := i + 1
		m.mu.Lock()
		old := m.positions[j.ID]
		m.positions[j.ID] = pos
		m.mu.Unlock()
		if old != pos {
			m.opt.Notifier.Changed(Update{Job: j, Position: pos, QueueLength: len(waiting), ETA: m.eta(pos)})
		}
	}
}

// failJob ends a job as failed with a message for its owner.
func (m *Manager) failJob(ctx context.Context, id int64, code, msg string) {
	job, err := m.store.Transition(ctx, id, model.StatusFailed, store.JobChange{ErrorCode: code, ErrorMessage: msg})
	if err != nil {
		m.log.Warn("could not mark job failed", "job_id", id, "err", err)
		return
	}
	m.log.Info("job failed", "job_id", id, "code", code, "reason", msg)
	m.line.remove(id)
	m.mu.Lock()
	delete(m.positions, id)
	m.mu.Unlock()
	m.changed(ctx, job)
}

// requeue puts a job a backend lost back in line, or fails it when it was
// lost too often.
func (m *Manager) requeue(ctx context.Context, job model.Job, why string) {
	if job.Attempts >= m.opt.MaxRequeues {
		m.failJob(ctx, job.ID, "lost", fmt.Sprintf("%s, and the job was already retried %d time(s). Run it again with /history rerun %d.", why, job.Attempts, job.ID))
		return
	}
	job, err := m.store.Transition(ctx, job.ID, model.StatusQueued, store.JobChange{From: []model.JobStatus{model.StatusSubmitted, model.StatusRunning}})
	if err != nil {
		m.log.Warn("could not re-queue job", "job_id", job.ID, "err", err)
		return
	}
	m.log.Info("job re-queued", "job_id", job.ID, "reason", why, "attempt", job.Attempts)
	m.line.add(job)
	m.reloadServed(ctx)
	m.changed(ctx, job)
	m.poke()
}

// deliver fetches a finished job's files and hands them to the notifier,
// retrying with backoff; the job completes only once Discord has them.
func (m *Manager) deliver(ctx context.Context, job model.Job, b *Backend) {
	var lastErr error
	for attempt := range 5 {
		if attempt > 0 && !sleep(ctx, time.Duration(1<<attempt)*time.Second) {
			return
		}
		files, err := m.fetch(ctx, b, job.Images)
		if err == nil {
			err = m.opt.Notifier.Deliver(ctx, job, files)
		}
		if err == nil {
			m.completed(ctx, job)
			return
		}
		lastErr = err
		m.log.Warn("delivery failed; retrying", "job_id", job.ID, "attempt", attempt+1, "err", err)
	}
	m.failJob(ctx, job.ID, "delivery_failed", "The outputs were made but could not be posted to Discord: "+errorText(lastErr))
}

// fetch downloads the files among a job's outputs (texts are in the refs
// themselves) from the backend that made them, each with its name, type
// and kind, and images with their size.
func (m *Manager) fetch(ctx context.Context, b *Backend, refs []model.ImageRef) ([]Image, error) {
	files := model.FileRefs(refs)
	if len(files) == 0 {
		return nil, nil
	}
	if b == nil {
		return nil, errors.New("the backend that made the files is no longer configured")
	}
	out := make([]Image, 0, len(files))
	for _, r := range files {
		data, err := b.Client.View(ctx, comfy.File{Filename: r.Filename, Subfolder: r.Subfolder, Type: r.Type})
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", r.Filename, err)
		}
		out = append(out, fileOf(r, data))
	}
	return out, nil
}

func (m *Manager) backend(name string) *Backend {
	for _, b := range m.opt.Backends {
		if b.Name == name {
			return b
		}
	}
	return nil
}

func errorText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// completed records a delivered job as done.
func (m *Manager) completed(ctx context.Context, job model.Job) {
	done, err := m.store.Transition(ctx, job.ID, model.StatusCompleted, store.JobChange{})
	if err != nil {
		m.log.Warn("could not mark job completed", "job_id", job.ID, "err", err)
		return
	}
	// A delivering job was last changed when it became so, as ComfyUI
	// finished it.
	if job.Status == model.StatusDelivering {
		m.opt.Metrics.JobDelivered(done.FinishedAt.Sub(job.UpdatedAt).Seconds())
	}
	m.changed(ctx, done)
}

// Images downloads a job's output files again from the backend that made
// them, for as long as ComfyUI still has them, described as for delivery.
func (m *Manager) Images(ctx context.Context, job model.Job) ([]Image, error) {
	return m.fetch(ctx, m.backend(job.Backend), job.Images)
}
