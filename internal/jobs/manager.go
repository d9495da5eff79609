// Package jobs is the bot's queue: a durable, fair line of generation jobs,
// dispatched to ComfyUI backends, watched to the end, delivered once, and
// reconciled after any restart.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/generation"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/logging"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/metrics"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// Options configure a Manager.
type Options struct {
	Store    *store.Store
	Backends []*Backend
	Library  *workflow.Library
	// DefaultWorkflow is used when a job names none ("" = the library's default).
	DefaultWorkflow string
	Notifier        Notifier
	// Timeout ends a job that runs longer (interrupted and failed).
	Timeout time.Duration
	// MaxRequeues is how often a job lost by a backend is queued again
	// before it fails.
	MaxRequeues int
	// BackendGrace is how long the jobs of a backend that went down wait
	// for it before they are queued again for another one.
	BackendGrace time.Duration
	// Metrics records waits, run times and deliveries; nil records nothing.
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	Now     func() time.Time
	Rand    *rand.Rand
}

// Manager owns the queue.
type Manager struct {
	opt   Options
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
	wake  chan struct{}

	mu        sync.Mutex
	rand      *rand.Rand
	flights   map[int64]*flight
	durations []time.Duration // recent run times, newest last, for ETAs
	positions map[int64]int   // last position told to each queued job
	line      *line
	wg        sync.WaitGroup
}

// New builds a Manager; Run starts it.
func New(opt Options) *Manager {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = rand.New(rand.NewPCG(uint64(opt.Now().UnixNano()), 0x9e3779b97f4a7c15))
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.BackendGrace == 0 {
		opt.BackendGrace = 2 * time.Minute
	}
	if opt.Timeout == 0 {
		opt.Timeout = 15 * time.Minute
	}
	return &Manager{
		opt:       opt,
		store:     opt.Store,
		log:       opt.Logger,
		now:       opt.Now,
		rand:      opt.Rand,
		wake:      make(chan struct{}, 1),
		flights:   map[int64]*flight{},
		positions: map[int64]int{},
		line:      newLine(),
	}
}

// Request is one job to queue.
type Request struct {
	Job   model.Job // user, guild, channel, delivery, params, workflow name
	Limit int       // the user's queue limit; 0: none
	// Announce posts the job's status message before the dispatcher can see
	// the job, and returns where it is (channel and message ids).
	Announce func(ctx context.Context, job model.Job, upd Update) (channelID, messageID string, err error)
}

// Submit checks the request against its workflow, queues it within the
// user's limit, announces it, and wakes the dispatcher.
func (m *Manager) Submit(ctx context.Context, r Request) (model.Job, Update, error) {
	job := r.Job
	if job.WorkflowName == "" {
		job.WorkflowName = m.opt.DefaultWorkflow
	}
	if job.WorkflowName == "" {
		job.WorkflowName = workflow.DefaultName
	}
	job.Params.Workflow = job.WorkflowName
	if err := m.precheck(&job); err != nil {
		return model.Job{}, Update{}, err
	}
	job, err := m.store.EnqueueJob(ctx, job, r.Limit)
	if err != nil {
		return model.Job{}, Update{}, err
	}
	m.line.add(job)
	upd := m.queuedUpdate(job)
	if r.Announce != nil {
		ch, msg, err := r.Announce(ctx, job, upd)
		if err != nil {
			m.log.Warn("could not post a status message; the job runs without one", "job_id", job.ID, "err", err)
		} else if err := m.store.SetStatusMessage(ctx, job.ID, ch, msg); err != nil {
			return job, upd, err
		} else {
			job.StatusChannelID, job.StatusMessageID = ch, msg
			m.line.update(job)
		}
	}
	upd.Job = job
	m.poke()
	return job, upd, nil
}

// precheck settles the job's seed and builds its graph against a backend
// that knows its nodes, if one does, so that a workflow error reaches the
// user now, not when the job's turn comes; the job keeps the values the
// graph holds. The backend the job runs on builds it again, once, and
// settles the values for good.
func (m *Manager) precheck(job *model.Job) error {
	entry, err := m.opt.Library.Get(job.GuildID, job.WorkflowName)
	if err != nil {
		return userError(err)
	}
	if err := generation.CheckInputs(entry, job.Inputs); err != nil {
		return err
	}
	var s generation.Server
	for _, b := range m.opt.Backends {
		if s = b.server(); s.Info != nil {
			break
		}
	}
	m.mu.Lock()
	job.Seed = generation.Seed(entry, job.Params.Seed, s, m.rand.Uint64)
	m.mu.Unlock()
	// The checkpoint a backend lacks is swapped and logged when the job is
	// submitted to it; here the swap only shows in the values.
	g, err := generation.Build(entry, requestOf(*job, nil), s, logging.Discard())
	if err != nil {
		return userError(err)
	}
	job.Ran = g.Ran
	return nil
}

// requestOf is the generation a job asks for, with its input images
// uploaded under the given names (nil before they are).
func requestOf(job model.Job, uploaded map[string]string) generation.Request {
	return generation.Request{Params: job.Params, Seed: job.Seed, Inputs: job.Inputs, Uploaded: uploaded}
}

// userError marks workflow errors as the user's to fix, with their message.
// It is plain text that may repeat what the user typed (a workflow's name),
// so it is escaped for the markdown domain messages are.
func userError(err error) error {
	if err == nil {
		return nil
	}
	var we *workflow.Error
	var ve *workflow.ValidationError
	if errors.As(err, &we) || errors.As(err, &ve) {
		return &model.Error{Code: model.CodeInvalid, Message: model.EscapeMarkdown(err.Error()), Err: err}
	}
	return err
}

// poke wakes the dispatcher.
func (m *Manager) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Workflows lists the workflow names a job of the server guild may ask for
// ("" for a DM).
func (m *Manager) Workflows(guild string) []string { return m.opt.Library.Names(guild) }

// Catalogue is what one backend can run: its node classes (/object_info)
// and checkpoints.
type Catalogue struct {
	Backend     string
	Info        workflow.ObjectInfo
	Checkpoints []string
}

// Catalogues lists the catalogues of the backends that are up and have read
// theirs, in configuration order: what a workflow is checked against
// before it is stored.
func (m *Manager) Catalogues() []Catalogue {
	var out []Catalogue
	for _, b := range m.opt.Backends {
		if info := b.objectInfo(); info != nil && b.Up() {
			out = append(out, Catalogue{Backend: b.Name, Info: info, Checkpoints: b.checkpoints()})
		}
	}
	return out
}

// Cancel stops a job: a queued one leaves the queue; one in ComfyUI is
// deleted from its queue or, when running, interrupted by its prompt id.
func (m *Manager) Cancel(ctx context.Context, id int64) (model.Job, error) {
	job, err := m.store.Job(ctx, id)
	if err != nil {
		return model.Job{}, err
	}
	switch {
	case job.Status.Final():
		return job, model.Errorf(model.CodeConflict, "Job #%d is already %s.", id, job.Status)
	case job.Status == model.StatusDelivering:
		return job, model.Errorf(model.CodeConflict, "Job #%d has finished and its images are being delivered.", id)
	case job.Status == model.StatusQueued:
		job, err = m.store.Transition(ctx, id, model.StatusCancelled, store.JobChange{})
		if err != nil {
			if model.ErrorCodeOf(err) == model.CodeConflict {
				return m.Cancel(ctx, id) // it was dispatched meanwhile
			}
			return job, err
		}
		m.line.remove(id)
		m.changed(ctx, job)
		m.poke()
		return job, nil
	}
	m.mu.Lock()
	f := m.flights[id]
	m.mu.Unlock()
	if f == nil {
		return job, model.Errorf(model.CodeUnavailable, "Job #%d is being reconciled with ComfyUI; try again in a moment.", id)
	}
	return f.cancel(ctx)
}

// Entry is one active job with its place in line and progress.
type Entry struct {
	Job      model.Job
	Position int
	Fraction float64
}

// Queue lists every active job: in flight first, then the queued ones in
// the order they will run.
func (m *Manager) Queue(ctx context.Context) ([]Entry, error) {
	active, err := m.store.ActiveJobs(ctx)
	if err != nil {
		return nil, err
	}
	var queued []model.Job
	var out []Entry
	for _, j := range active {
		if j.Status == model.StatusQueued {
			queued = append(queued, j)
			continue
		}
		out = append(out, Entry{Job: j, Fraction: m.fraction(j.ID)})
	}
	for i, j := range FairOrder(queued, m.line.lastServed()) {
		out = append(out, Entry{Job: j, Position: i + 1})
	}
	return out, nil
}

// Status is one job's current state as its status message would show it.
func (m *Manager) Status(ctx context.Context, id int64) (Update, error) {
	job, err := m.store.Job(ctx, id)
	if err != nil {
		return Update{}, err
	}
	if job.Status == model.StatusQueued {
		return m.queuedUpdate(job), nil
	}
	m.mu.Lock()
	f := m.flights[id]
	m.mu.Unlock()
	if f != nil {
		u := f.snapshot()
		u.Job = job
		return u, nil
	}
	return Update{Job: job}, nil
}

// QueueDepth counts the jobs waiting in the bot's queue.
func (m *Manager) QueueDepth(ctx context.Context) (int, error) { return m.store.QueueDepth(ctx) }

// ClearQueued cancels the queued jobs f selects.
func (m *Manager) ClearQueued(ctx context.Context, f store.JobFilter) ([]model.Job, error) {
	jobs, err := m.store.CancelQueued(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		m.line.remove(j.ID)
		m.changed(ctx, j)
	}
	m.poke()
	return jobs, nil
}

func (m *Manager) fraction(id int64) float64 {
	m.mu.Lock()
	f := m.flights[id]
	m.mu.Unlock()
	if f == nil {
		return 0
	}
	return f.snapshot().Fraction
}

// changed tells the notifier about a job whose state changed.
func (m *Manager) changed(ctx context.Context, job model.Job) {
	if m.opt.Notifier == nil {
		return
	}
	switch job.Status {
	case model.StatusQueued:
		m.opt.Notifier.Changed(m.queuedUpdate(job))
	default:
		m.opt.Notifier.Changed(Update{Job: job})
	}
}

// queuedUpdate places a queued job in the fair order and estimates its wait.
func (m *Manager) queuedUpdate(job model.Job) Update {
	u := Update{Job: job}
	order := m.line.order()
	u.QueueLength = len(order)
	u.Position = Positions(order)[job.ID]
	u.ETA = m.eta(u.Position)
	return u
}

// eta estimates when the job at position p (1-based) finishes: the jobs in
// flight and those ahead share the up backends, each taking the recent
// average time.
func (m *Manager) eta(p int) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p <= 0 || len(m.durations) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range m.durations {
		sum += d
	}
	avg := sum / time.Duration(len(m.durations))
	up := 0
	for _, b := range m.opt.Backends {
		if b.Up() {
			up++
		}
	}
	if up == 0 {
		return 0
	}
	ahead := p - 1 + len(m.flights)
	return time.Duration(float64(avg) * (float64(ahead)/float64(up) + 1))
}

// recordDuration remembers how long a job ran, for ETAs.
func (m *Manager) recordDuration(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	const keep = 20
	m.durations = append(m.durations, d)
	if len(m.durations) > keep {
		m.durations = m.durations[len(m.durations)-keep:]
	}
}

// String identifies a backend in logs and messages.
func (b *Backend) String() string { return fmt.Sprintf("%s (%s)", b.Name, b.URL) }
