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

// interruptGrace is how long a timed-out job may take to stop after its
// interrupt before it is failed anyway.
const interruptGrace = time.Minute

// quietResync is how long a flight waits without hearing from ComfyUI
// before it asks for its prompt to be looked up: events can be lost (a
// dropped socket the client did not notice yet, an earlier client id).
const quietResync = 30 * time.Second

// progressSaveEvery bounds how often a flight writes its progress to the store.
const progressSaveEvery = 5 * time.Second

// fly watches one flight to its end.
func (m *Manager) fly(ctx context.Context, f *flight) {
	defer f.tracker.Close()
	var timeout <-chan time.Time
	if f.currentJob().Status == model.StatusRunning {
		timeout = time.After(m.opt.Timeout - m.now().Sub(f.currentJob().StartedAt))
	}
	var hardStop <-chan time.Time
	var lost <-chan time.Time
	up, healthChanged := f.b.Client.Health()
	if !up {
		lost = time.After(m.opt.BackendGrace)
	}
	events := f.tracker.Events()
	quiet := time.NewTicker(quietResync)
	defer quiet.Stop()
	heard := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-quiet.C:
			if !heard {
				f.b.Client.Resync()
			}
			heard = false
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			heard = true
			if m.onEvent(ctx, f, ev) && timeout == nil {
				timeout = time.After(m.opt.Timeout)
			}
		case <-f.tracker.Done():
			m.drain(ctx, f, events)
			// The prompt has left ComfyUI: its slot can take the next one
			// while the images are fetched and recorded.
			f.release(m.poke)
			if o, ok := f.tracker.Outcome(); ok {
				m.onOutcome(ctx, f, o)
			}
			return
		case req := <-f.cancelCh:
			job, err := m.cancelFlight(ctx, f)
			req.reply <- cancelReply{job: job, err: err}
			if err == nil {
				return
			}
		case <-timeout:
			f.mu.Lock()
			f.timedOut = true
			f.mu.Unlock()
			m.stopPrompt(ctx, f)
			hardStop = time.After(interruptGrace)
		case <-hardStop:
			m.failJob(ctx, f.job.ID, "timeout", m.timeoutMessage())
			return
		case <-healthChanged:
			up, healthChanged = f.b.Client.Health()
			lost = nil
			if !up {
				lost = time.After(m.opt.BackendGrace)
			}
		case <-lost:
			m.requeue(ctx, f.currentJob(), fmt.Sprintf("ComfyUI backend %s stopped answering", f.b.Name))
			return
		}
	}
}

// drain takes the events still buffered when the outcome arrived, so the
// last progress is not lost to select's random choice.
func (m *Manager) drain(ctx context.Context, f *flight, events <-chan comfy.Event) {
	for events != nil {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			m.onEvent(ctx, f, ev)
		default:
			return
		}
	}
}

// onEvent folds an event into the flight and reports whether the job just
// started running.
func (m *Manager) onEvent(ctx context.Context, f *flight, ev comfy.Event) (started bool) {
	f.observe(ev)
	if _, ok := ev.(comfy.ExecutionStart); ok && f.currentJob().Status == model.StatusSubmitted {
		job, err := m.store.Transition(ctx, f.job.ID, model.StatusRunning, store.JobChange{})
		if err == nil {
			f.setJob(job)
			started = true
			m.opt.Metrics.JobStarted(job.StartedAt.Sub(job.QueuedAt).Seconds())
		}
	}
	u := f.snapshot()
	u.ETA = m.remaining(u)
	m.opt.Notifier.Changed(u)
	if now := m.now(); now.Sub(f.saved) >= progressSaveEvery {
		f.saved = now
		_ = m.store.UpdateProgress(ctx, f.job.ID, u.Fraction, u.Node)
	}
	return started
}

// remaining estimates how long a running job has left.
func (m *Manager) remaining(u Update) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.durations) == 0 || u.Fraction <= 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range m.durations {
		sum += d
	}
	avg := sum / time.Duration(len(m.durations))
	return time.Duration(float64(avg) * (1 - u.Fraction))
}

// onOutcome ends a flight the way ComfyUI ended the prompt.
func (m *Manager) onOutcome(ctx context.Context, f *flight, o comfy.Outcome) {
	job := f.currentJob()
	switch o.Status {
	case comfy.StatusSuccess:
		if o.Err != nil {
			m.failJob(ctx, job.ID, "history_unreadable", "ComfyUI finished the job but its outputs could not be read: "+o.Err.Error())
			return
		}
		m.finished(ctx, f, o)
	case comfy.StatusError:
		msg := "ComfyUI reported an error."
		if o.Error != nil {
			msg = o.Error.Error()
		}
		m.failJob(ctx, job.ID, "generation_failed", msg)
	case comfy.StatusInterrupted:
		f.mu.Lock()
		timedOut := f.timedOut
		f.mu.Unlock()
		if timedOut {
			m.failJob(ctx, job.ID, "timeout", m.timeoutMessage())
			return
		}
		m.failJob(ctx, job.ID, "interrupted", "The job was interrupted in ComfyUI by someone else.")
	case comfy.StatusLost:
		m.requeue(ctx, job, fmt.Sprintf("ComfyUI backend %s restarted and lost the job", f.b.Name))
	}
}

func (m *Manager) timeoutMessage() string {
	return fmt.Sprintf("The job ran longer than %s and was stopped. Try fewer steps or a smaller size.", m.opt.Timeout)
}

// finished records the outputs and delivers them. The backend's slot is
// freed first: delivery is Discord's business, not the GPU's.
func (m *Manager) finished(ctx context.Context, f *flight, o comfy.Outcome) {
	refs := generation.Results(o)
	files, err := m.fetch(ctx, f.b, refs)
	if err != nil {
		m.failJob(ctx, f.job.ID, "fetch_failed", "ComfyUI made the outputs but they could not be downloaded: "+err.Error())
		return
	}
	next := 0
	for i := range refs {
		if refs[i].IsText() {
			continue
		}
		refs[i].Width, refs[i].Height = files[next].Width, files[next].Height
		refs[i].Bytes = int64(len(files[next].Data))
		next++
	}
	job, err := m.store.Transition(ctx, f.job.ID, model.StatusDelivering, store.JobChange{Images: refs})
	if err != nil {
		m.log.Warn("could not mark job delivering", "job_id", f.job.ID, "err", err)
		return
	}
	if !job.StartedAt.IsZero() {
		ran := m.now().Sub(job.StartedAt)
		m.recordDuration(ran)
		m.opt.Metrics.JobRan(f.b.Name, ran.Seconds())
	}
	m.changed(ctx, job)
	m.wg.Go(func() { m.deliverImages(ctx, job, f.b, files) })
}

// deliverImages is deliver with the files already in hand for the first try.
func (m *Manager) deliverImages(ctx context.Context, job model.Job, b *Backend, images []Image) {
	err := m.opt.Notifier.Deliver(ctx, job, images)
	if err != nil {
		m.log.Warn("delivery failed; retrying", "job_id", job.ID, "err", err)
		m.deliver(ctx, job, b)
		return
	}
	m.completed(ctx, job)
}

// submitFailed handles a POST /prompt that did not go through.
func (m *Manager) submitFailed(ctx context.Context, f *flight, err error) {
	var ve *comfy.ValidationError
	if errors.As(err, &ve) {
		m.failJob(ctx, f.job.ID, "invalid_workflow", "ComfyUI refused the workflow: "+err.Error())
		return
	}
	m.log.Warn("submit failed; back in line", "job_id", f.job.ID, "backend", f.b.Name, "err", err)
	job, terr := m.store.Transition(ctx, f.job.ID, model.StatusQueued, store.JobChange{From: []model.JobStatus{model.StatusSubmitted}})
	if terr == nil {
		m.line.add(job)
		m.reloadServed(ctx)
		m.changed(ctx, job)
	}
}

// cancelFlight removes the prompt from ComfyUI (deleted if waiting,
// interrupted by its own id if running: never anyone else's) and records
// the cancellation.
func (m *Manager) cancelFlight(ctx context.Context, f *flight) (model.Job, error) {
	m.stopPrompt(ctx, f)
	job, err := m.store.Transition(ctx, f.job.ID, model.StatusCancelled, store.JobChange{})
	if err != nil {
		return job, err
	}
	m.changed(ctx, job)
	return job, nil
}

// stopPrompt deletes the prompt from ComfyUI's queue and interrupts it if
// it is the one running; both name the prompt, so no other job is touched.
func (m *Manager) stopPrompt(ctx context.Context, f *flight) {
	if err := f.b.Client.Delete(ctx, f.promptID); err != nil {
		m.log.Warn("delete from ComfyUI queue failed", "job_id", f.job.ID, "err", err)
	}
	if err := f.b.Client.Interrupt(ctx, f.promptID); err != nil {
		m.log.Warn("interrupt failed", "job_id", f.job.ID, "err", err)
	}
}

// recoverJobs reconciles every unfinished job after a start: jobs in
// ComfyUI are followed again (a finished one completes from /history, a lost
// one is re-queued), and jobs whose outputs were being posted are posted.
func (m *Manager) recoverJobs(ctx context.Context) error {
	active, err := m.store.ActiveJobs(ctx)
	if err != nil {
		return fmt.Errorf("read unfinished jobs: %w", err)
	}
	recovered := 0
	for _, job := range active {
		switch job.Status {
		case model.StatusSubmitted, model.StatusRunning:
			b := m.backend(job.Backend)
			if b == nil || job.PromptID == "" {
				m.requeue(ctx, job, "its ComfyUI backend is no longer configured")
				continue
			}
			b.hold()
			entry, _ := m.opt.Library.Get(job.GuildID, job.WorkflowName)
			var nodes map[string]string
			if entry != nil {
				nodes = generation.NodeNames(entry.Workflow)
			}
			m.start(ctx, newFlight(b, job, job.PromptID, b.Client.TrackSubmitted(job.PromptID), nodes))
			recovered++
		case model.StatusDelivering:
			m.wg.Go(func() { m.deliver(ctx, job, m.backend(job.Backend)) })
			recovered++
		}
	}
	if recovered > 0 {
		m.log.Info("reconciling unfinished jobs", "count", recovered)
	}
	return nil
}
