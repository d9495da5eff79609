package jobs

import (
	"bytes"
	"encoding/json"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestJobRunsAndIsDeliveredOnce(t *testing.T) {
	h := newHarness(t)
	h.fakes[0].SetImagesPerOutput(2)
	job := h.submit("alice", model.Params{Prompt: "a red fox", Width: model.Ptr(256), Height: model.Ptr(192), Seed: model.Ptr(uint64(42))})
	if job.Status != model.StatusQueued || job.Seed != 42 {
		t.Fatalf("a new job is queued with its seed: %+v", job)
	}
	done := h.waitStatus(job.ID, model.StatusCompleted)
	if n := h.rec.delivered(job.ID); n != 1 {
		t.Fatalf("delivered %d times, want once", n)
	}
	h.rec.mu.Lock()
	imgs := h.rec.images[job.ID]
	h.rec.mu.Unlock()
	if len(imgs) != 2 || len(done.Images) != 2 {
		t.Fatalf("want 2 images delivered and recorded, got %d and %d", len(imgs), len(done.Images))
	}
	for _, img := range imgs {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(img.Data))
		if err != nil || cfg.Width != 256 || cfg.Height != 192 || img.Width != 256 {
			t.Fatalf("image %s: %v %dx%d (claims %dx%d)", img.Name, err, cfg.Width, cfg.Height, img.Width, img.Height)
		}
	}
	// The graph ComfyUI got carries the prompt and seed, under our prompt id.
	sub := h.fakes[0].Submitted()
	if len(sub) != 1 || sub[0].PromptID != done.PromptID {
		t.Fatalf("submitted %d prompts; want one with id %s", len(sub), done.PromptID)
	}
	var graph map[string]struct {
		Inputs map[string]any `json:"inputs"`
	}
	if err := json.Unmarshal(sub[0].Prompt, &graph); err != nil {
		t.Fatal(err)
	}
	if graph["3"].Inputs["seed"] != 42.0 || graph["6"].Inputs["text"] != "a red fox" {
		t.Fatalf("the submitted graph lacks the prompt or seed:\n%s", sub[0].Prompt)
	}
	// Users saw it queued, then running with progress, then completed.
	h.until("the completed update", func() bool {
		ups := h.rec.updatesOf(job.ID)
		return len(ups) > 0 && ups[len(ups)-1].Job.Status == model.StatusCompleted
	})
	seen := map[model.JobStatus]bool{}
	progressed := false
	for _, u := range h.rec.updatesOf(job.ID) {
		seen[u.Job.Status] = true
		progressed = progressed || (u.Job.Status == model.StatusRunning && u.Fraction > 0)
	}
	for _, s := range []model.JobStatus{model.StatusSubmitted, model.StatusDelivering, model.StatusCompleted} {
		if !seen[s] {
			t.Errorf("no update while %s", s)
		}
	}
	if !progressed {
		t.Error("no progress update while running")
	}
}

func TestFairDispatchOrder(t *testing.T) {
	h := newHarness(t)
	fake := h.fakes[0]
	fake.Hold() // nothing finishes until the whole burst is queued
	var a []model.Job
	for range 10 {
		a = append(a, h.submit("a", model.Params{Prompt: "a"}))
	}
	b1, _ := h.submit("b", model.Params{Prompt: "b"}), h.submit("b", model.Params{Prompt: "b"})
	c1, _ := h.submit("c", model.Params{Prompt: "c"}), h.submit("c", model.Params{Prompt: "c"})
	fake.Release()
	h.waitStatus(a[2].ID, model.StatusCompleted)
	// ComfyUI runs its queue in the order prompts arrive, so the order of
	// submission is the order of running.
	order := map[string]int{}
	for i, p := range fake.Submitted() {
		order[p.PromptID] = i
	}
	submitted := func(id int64) int {
		pid := h.job(id).PromptID
		i, ok := order[pid]
		if !ok {
			t.Fatalf("job %d never reached ComfyUI", id)
		}
		return i
	}
	for _, first := range []model.Job{b1, c1} {
		if submitted(first.ID) > submitted(a[2].ID) {
			t.Fatalf("job %d of %s went to ComfyUI after A's third", first.ID, first.UserID)
		}
	}
}

func TestCancelQueuedAndRunning(t *testing.T) {
	h := newHarness(t)
	fake := h.fakes[0]
	// Long enough to cancel mid-run; ComfyUI notices an interrupt at its
	// next step, which here comes within a second.
	fake.SetJobDuration(20 * time.Second)
	running := h.submit("alice", model.Params{Prompt: "long"})
	other := h.submit("bob", model.Params{Prompt: "bob's"})
	queued := h.submit("alice", model.Params{Prompt: "never runs"})
	h.waitStatus(running.ID, model.StatusRunning)
	h.waitStatus(other.ID, model.StatusSubmitted) // inside ComfyUI's queue (window 2)

	got, err := h.m.Cancel(t.Context(), queued.ID)
	if err != nil || got.Status != model.StatusCancelled {
		t.Fatalf("cancel queued: %v %v", got.Status, err)
	}
	fake.SetJobDuration(0) // bob's job, next in ComfyUI's queue, runs fast
	got, err = h.m.Cancel(t.Context(), running.ID)
	if err != nil || got.Status != model.StatusCancelled {
		t.Fatalf("cancel running: %v %v", got.Status, err)
	}
	// Bob's job was untouched by the interrupt and runs next.
	h.waitStatus(other.ID, model.StatusCompleted)
	if _, err := h.m.Cancel(t.Context(), other.ID); model.ErrorCodeOf(err) != model.CodeConflict {
		t.Fatalf("cancelling a completed job is a conflict, got %v", err)
	}
	if h.rec.delivered(running.ID)+h.rec.delivered(queued.ID) != 0 {
		t.Fatal("a cancelled job was delivered")
	}
}

func TestRuntimeErrorFailsWithTheNode(t *testing.T) {
	h := newHarness(t)
	h.fakes[0].FailNextJob()
	job := h.submit("alice", model.Params{Prompt: "x"})
	j := h.waitStatus(job.ID, model.StatusFailed)
	if j.ErrorCode != "generation_failed" || !strings.Contains(j.ErrorMessage, "node") {
		t.Fatalf("want the failing node named, got %s: %s", j.ErrorCode, j.ErrorMessage)
	}
}

func TestComfyRestartMidJobRequeuesOnceThenFails(t *testing.T) {
	cases := []struct {
		name        string
		maxRequeues int
		want        model.JobStatus
	}{
		{"re-queued and completed", 1, model.StatusCompleted},
		{"failed when out of retries", 0, model.StatusFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, withOptions(func(o *Options) { o.MaxRequeues = c.maxRequeues }))
			fake := h.fakes[0]
			fake.Hold()
			job := h.submit("alice", model.Params{Prompt: "x"})
			if _, err := fake.WaitHeld(t.Context()); err != nil {
				t.Fatal(err)
			}
			fake.Restart() // queue and history gone
			fake.Release()
			j := h.waitStatus(job.ID, c.want)
			if c.want == model.StatusFailed && (j.ErrorCode != "lost" || !strings.Contains(j.ErrorMessage, "restarted")) {
				t.Fatalf("want a lost-job message, got %s: %s", j.ErrorCode, j.ErrorMessage)
			}
			if c.want == model.StatusCompleted && (j.Attempts != 1 || h.rec.delivered(job.ID) != 1) {
				t.Fatalf("attempts %d, delivered %d", j.Attempts, h.rec.delivered(job.ID))
			}
		})
	}
}

func TestBackendDownMidJobFinishesElsewhereOnce(t *testing.T) {
	h := newHarness(t, withBackends(4), withOptions(func(o *Options) { o.BackendGrace = 300 * time.Millisecond }))
	for _, f := range h.fakes {
		f.SetJobDuration(3 * time.Second)
	}
	var jobs []model.Job
	for i := range 4 {
		jobs = append(jobs, h.submit(string(rune('a'+i)), model.Params{Prompt: "x"}))
	}
	for _, j := range jobs {
		h.waitStatus(j.ID, model.StatusRunning)
	}
	backendsUsed := map[string]bool{}
	for _, j := range jobs {
		backendsUsed[h.job(j.ID).Backend] = true
	}
	if len(backendsUsed) != 4 {
		t.Fatalf("4 jobs on 4 idle backends should spread, used %v", backendsUsed)
	}
	victim := h.job(jobs[0].ID)
	var down *comfytest.Server
	for i, b := range h.m.Backends() {
		if b.Name == victim.Backend {
			down = h.fakes[i]
		}
	}
	down.Down()
	for _, j := range jobs {
		h.waitStatus(j.ID, model.StatusCompleted)
		if n := h.rec.delivered(j.ID); n != 1 {
			t.Fatalf("job %d delivered %d times", j.ID, n)
		}
	}
	if moved := h.job(victim.ID); moved.Backend == victim.Backend || moved.Attempts != 1 {
		t.Fatalf("the job of the dead backend should finish elsewhere: %s, attempts %d", moved.Backend, moved.Attempts)
	}
}

func TestRestartOfTheBotMidJobDeliversOnce(t *testing.T) {
	h := newHarness(t)
	fake := h.fakes[0]
	fake.Hold()
	job := h.submit("alice", model.Params{Prompt: "x"})
	at, err := fake.WaitHeld(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if at.Stage != comfytest.StageTaken {
		t.Fatalf("held at %v", at.Stage)
	}
	h.stop() // the bot goes away while ComfyUI works
	fake.Release()
	if err := fake.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	h.start() // the job finished while nobody listened: recovered from /history
	h.waitStatus(job.ID, model.StatusCompleted)
	if n := h.rec.delivered(job.ID); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
}

func TestRestartWhileDeliveringRetries(t *testing.T) {
	h := newHarness(t)
	h.rec.failNext = 100 // Discord refuses for now
	job := h.submit("alice", model.Params{Prompt: "x"})
	h.waitStatus(job.ID, model.StatusDelivering)
	h.stop()
	h.rec.mu.Lock()
	h.rec.failNext = 0
	h.rec.mu.Unlock()
	h.start()
	h.waitStatus(job.ID, model.StatusCompleted)
	if n := h.rec.delivered(job.ID); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
}

func TestTimeoutInterruptsAndFails(t *testing.T) {
	h := newHarness(t, withOptions(func(o *Options) { o.Timeout = 300 * time.Millisecond }))
	h.fakes[0].SetJobDuration(20 * time.Second)
	job := h.submit("alice", model.Params{Prompt: "x"})
	j := h.waitStatus(job.ID, model.StatusFailed)
	if j.ErrorCode != "timeout" || !strings.Contains(j.ErrorMessage, "longer than") {
		t.Fatalf("got %s: %s", j.ErrorCode, j.ErrorMessage)
	}
}

func TestSubmitRejectsBadWorkflowAtOnce(t *testing.T) {
	h := newHarness(t)
	_, _, err := h.m.Submit(t.Context(), Request{Job: model.Job{UserID: "u", ChannelID: "1", WorkflowName: "nope", Params: model.Params{Prompt: "x"}}})
	if model.ErrorCodeOf(err) != model.CodeInvalid || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("an unknown workflow is the user's to fix: %v", err)
	}
	_, _, err = h.m.Submit(t.Context(), Request{Job: model.Job{UserID: "u", ChannelID: "1", Params: model.Params{Prompt: "x", Steps: model.Ptr(100000)}}})
	if model.ErrorCodeOf(err) != model.CodeInvalid || !strings.Contains(err.Error(), "steps") {
		t.Fatalf("steps beyond KSampler's range names the input: %v", err)
	}
}

func TestQueueFullAndPositions(t *testing.T) {
	h := newHarness(t)
	h.fakes[0].Hold()
	for range 3 {
		if _, _, err := h.m.Submit(t.Context(), Request{Job: model.Job{UserID: "u", ChannelID: "1", Params: model.Params{Prompt: "x"}}, Limit: 3}); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := h.m.Submit(t.Context(), Request{Job: model.Job{UserID: "u", ChannelID: "1", Params: model.Params{Prompt: "x"}}, Limit: 3})
	var full *model.QueueFullError
	if !asQueueFull(err, &full) || full.Limit != 3 || full.Active != 3 {
		t.Fatalf("want queue full 3/3, got %v", err)
	}
	entries, err := h.m.Queue(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(entries)
	if len(entries) != 3 {
		t.Fatalf("queue: %s", b)
	}
	h.fakes[0].Release()
}

func asQueueFull(err error, target **model.QueueFullError) bool {
	q, ok := err.(*model.QueueFullError)
	if ok {
		*target = q
	}
	return ok
}

func TestRestartOfTheBotWhileRunningFollowsTheJob(t *testing.T) {
	h := newHarness(t)
	fake := h.fakes[0]
	fake.Hold()
	job := h.submit("alice", model.Params{Prompt: "x"})
	for {
		at, err := fake.WaitHeld(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if at.Stage == comfytest.StageNode {
			break
		}
		fake.Step()
	}
	h.waitStatus(job.ID, model.StatusRunning)
	h.stop()
	h.start() // the prompt is still running in ComfyUI
	fake.Release()
	h.waitStatus(job.ID, model.StatusCompleted)
	if n := h.rec.delivered(job.ID); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
}
