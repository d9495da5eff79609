package jobs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// The queue's tests run on SQLite, and again on PostgreSQL when
// DISCORDBOT_TEST_POSTGRES names a server (see docs/TESTING.md).
func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// recorder is a Notifier that remembers everything, like a Discord that
// only counts.
type recorder struct {
	mu         sync.Mutex
	updates    []Update
	deliveries map[int64]int // job → times delivered
	images     map[int64][]Image
	failNext   int // deliveries to refuse before accepting
	changed    chan struct{}
}

func newRecorder() *recorder {
	return &recorder{deliveries: map[int64]int{}, images: map[int64][]Image{}, changed: make(chan struct{}, 1)}
}

func (r *recorder) Changed(u Update) {
	r.mu.Lock()
	r.updates = append(r.updates, u)
	r.mu.Unlock()
	r.kick()
}

func (r *recorder) Deliver(_ context.Context, job model.Job, images []Image) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.kick()
	if r.failNext > 0 {
		r.failNext--
		return fmt.Errorf("discord said no")
	}
	r.deliveries[job.ID]++
	r.images[job.ID] = images
	return nil
}

func (r *recorder) kick() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// updatesOf returns a copy of the updates about one job.
func (r *recorder) updatesOf(id int64) []Update {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Update
	for _, u := range r.updates {
		if u.Job.ID == id {
			out = append(out, u)
		}
	}
	return out
}

func (r *recorder) delivered(id int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.deliveries[id]
}

// harness is a queue over a real store and real clients of fake ComfyUIs.
type harness struct {
	t        *testing.T
	store    *store.Store
	fakes    []*comfytest.Server
	rec      *recorder
	m        *Manager
	cancel   context.CancelFunc
	done     chan error
	opts     Options
	dbURL    string
	backends int
}

type harnessOpt func(*harness)

func withBackends(n int) harnessOpt { return func(h *harness) { h.backends = n } }
func withOptions(f func(*Options)) harnessOpt {
	return func(h *harness) { f(&h.opts) }
}

func newHarness(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	h := &harness{t: t, rec: newRecorder(), backends: 1, dbURL: storetest.URL(t)}
	h.opts = Options{MaxRequeues: 1, Timeout: time.Hour, BackendGrace: time.Hour, Rand: rand.New(rand.NewPCG(1, 2))}
	for _, o := range opts {
		o(h)
	}
	st, err := store.Open(t.Context(), h.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.store = st
	for range h.backends {
		h.fakes = append(h.fakes, comfytest.New(t))
	}
	h.start()
	return h
}

// start runs a fresh Manager (as after a bot restart) on the same store and fakes.
func (h *harness) start() {
	h.t.Helper()
	lib, err := workflow.LoadLibrary("")
	if err != nil {
		h.t.Fatal(err)
	}
	o := h.opts
	o.Store, o.Library, o.Notifier = h.store, lib, h.rec
	o.Backends = nil
	for i, f := range h.fakes {
		// A stable client id, as the bot derives one: a restarted bot
		// hears the events of prompts it submitted before.
		c := comfy.New(comfy.Options{Name: fmt.Sprintf("gpu%d", i+1), BaseURL: f.URL(), ClientID: fmt.Sprintf("harness-%d", i)})
		o.Backends = append(o.Backends, NewBackend(c, 2, nil))
	}
	h.m = New(o)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.m.Run(ctx) }()
	h.t.Cleanup(h.stop)
	h.until("every backend up", func() bool {
		for _, b := range h.m.Backends() {
			if !b.Up {
				return false
			}
		}
		return true
	})
}

// stop ends the Manager as a shutdown would.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	<-h.done
	h.cancel = nil
}

func (h *harness) submit(user string, p model.Params) model.Job {
	h.t.Helper()
	job, _, err := h.m.Submit(h.t.Context(), Request{Job: model.Job{UserID: user, UserName: user, ChannelID: "1", Params: p, Delivery: model.DeliveryChannel}, Limit: 100})
	if err != nil {
		h.t.Fatalf("submit for %s: %v", user, err)
	}
	return job
}

// until waits, on the recorder's signals and a short poll, for cond.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(60 * time.Second)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s", what)
		case <-h.rec.changed:
		case <-poll.C:
		}
	}
}

func (h *harness) job(id int64) model.Job {
	h.t.Helper()
	j, err := h.store.Job(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

func (h *harness) waitStatus(id int64, want model.JobStatus) model.Job {
	h.t.Helper()
	var j model.Job
	h.until(fmt.Sprintf("job %d to be %s", id, want), func() bool {
		j = h.job(id)
		return j.Status == want || (j.Status.Final() && want != j.Status && j.Status != model.StatusDelivering)
	})
	if j.Status != want {
		h.t.Fatalf("job %d is %s (%s: %s), want %s", id, j.Status, j.ErrorCode, j.ErrorMessage, want)
	}
	return j
}
