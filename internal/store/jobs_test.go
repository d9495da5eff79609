package store

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

func newJob(user, guild string) model.Job {
	return model.Job{
		UserID: user, UserName: "name-" + user, GuildID: guild, ChannelID: "c-" + guild,
		Params: model.Params{Prompt: "a robot"},
	}
}

func mustEnqueue(t *testing.T, s *Store, j model.Job) model.Job {
	t.Helper()
	got, err := s.EnqueueJob(t.Context(), j, 0)
	if err != nil {
		t.Fatalf("EnqueueJob: %v", err)
	}
	return got
}

func mustTransition(t *testing.T, s *Store, id int64, to model.JobStatus, c JobChange) model.Job {
	t.Helper()
	got, err := s.Transition(t.Context(), id, to, c)
	if err != nil {
		t.Fatalf("Transition(%d, %s): %v", id, to, err)
	}
	return got
}

// jobIn returns a new job that has reached status st by allowed transitions.
func jobIn(t *testing.T, s *Store, st model.JobStatus) model.Job {
	t.Helper()
	j := mustEnqueue(t, s, newJob("100", "900"))
	path := map[model.JobStatus][]model.JobStatus{
		model.StatusQueued:     nil,
		model.StatusSubmitted:  {model.StatusSubmitted},
		model.StatusRunning:    {model.StatusSubmitted, model.StatusRunning},
		model.StatusDelivering: {model.StatusSubmitted, model.StatusRunning, model.StatusDelivering},
		model.StatusCompleted:  {model.StatusSubmitted, model.StatusRunning, model.StatusDelivering, model.StatusCompleted},
		model.StatusFailed:     {model.StatusSubmitted, model.StatusFailed},
		model.StatusCancelled:  {model.StatusCancelled},
	}[st]
	for _, next := range path {
		var c JobChange
		if next == model.StatusSubmitted {
			c.PromptID = fmt.Sprintf("prompt-%d", j.ID)
		}
		j = mustTransition(t, s, j.ID, next, c)
	}
	return j
}

func TestEnqueueJobRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	in := model.Job{
		UserID: "100", UserName: "alice", GuildID: "900", ChannelID: "55",
		Params: model.Params{
			Prompt: "a robot", Negative: "blurry", Seed: model.Ptr(uint64(math.MaxUint64)),
			Steps: model.Ptr(30), Width: model.Ptr(1024), Height: model.Ptr(768), BatchSize: model.Ptr(2),
			CFG: model.Ptr(7.5), Denoise: model.Ptr(0.6), Checkpoint: "sdxl.safetensors", Workflow: "default",
		},
		Ran: model.Params{
			Steps: model.Ptr(30), Width: model.Ptr(1024), Height: model.Ptr(768), BatchSize: model.Ptr(2),
			CFG: model.Ptr(7.5), Denoise: model.Ptr(0.6), Checkpoint: "sdxl.safetensors",
		},
		Seed: math.MaxUint64, WorkflowName: "default", Delivery: model.DeliveryDM,
		StatusChannelID: "56", StatusMessageID: "77",
		// Set by the store, whatever the caller says:
		ID: 42, Status: model.StatusCompleted, Attempts: 3, Progress: 0.5,
	}
	got, err := s.EnqueueJob(t.Context(), in, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID, want.Status, want.Attempts, want.Progress = got.ID, model.StatusQueued, 0, 0
	want.QueuedAt, want.CreatedAt, want.UpdatedAt = testEpoch, testEpoch, testEpoch
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("enqueued = %+v\nwant       %+v", got, want)
	}
	if got.Seed != 18446744073709551615 || *got.Params.Seed != 18446744073709551615 {
		t.Errorf("seed did not round-trip: %d, %d", got.Seed, *got.Params.Seed)
	}
	byID, err := s.Job(t.Context(), got.ID)
	if err != nil || !reflect.DeepEqual(byID, want) {
		t.Fatalf("Job = %+v, %v", byID, err)
	}
	u, err := s.User(t.Context(), "100")
	if err != nil || u.Name != "alice" {
		t.Errorf("user row = %+v, %v", u, err)
	}
	if _, err := s.Server(t.Context(), "900"); err != nil {
		t.Errorf("server row: %v", err)
	}
}

func TestEnqueueJobDefaultsAndErrors(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	t.Run("dm job without delivery", func(t *testing.T) {
		got := mustEnqueue(t, s, newJob("100", ""))
		if got.GuildID != "" || got.Delivery != model.DeliveryChannel {
			t.Errorf("job = %+v", got)
		}
	})
	t.Run("bad delivery", func(t *testing.T) {
		j := newJob("100", "")
		j.Delivery = "fax"
		_, err := s.EnqueueJob(t.Context(), j, 0)
		wantCode(t, err, model.CodeInvalid)
	})
	t.Run("no user", func(t *testing.T) {
		_, err := s.EnqueueJob(t.Context(), newJob("", "900"), 0)
		wantCode(t, err, model.CodeInvalid)
	})
}

func TestEnqueueJobLimit(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	var ids []int64
	for i := range 3 {
		j, err := s.EnqueueJob(ctx, newJob("100", "900"), 3)
		if err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
		ids = append(ids, j.ID)
	}
	_, err := s.EnqueueJob(ctx, newJob("100", "901"), 3)
	full, ok := errors.AsType[*model.QueueFullError](err)
	if !ok || full.Limit != 3 || full.Active != 3 || model.ErrorCodeOf(err) != model.CodeQueueFull {
		t.Fatalf("fourth job error = %v, want queue full (3/3)", err)
	}
	if _, err := s.EnqueueJob(ctx, newJob("200", "900"), 3); err != nil {
		t.Fatalf("another user: %v", err)
	}
	if _, err := s.EnqueueJob(ctx, newJob("100", "900"), 0); err != nil {
		t.Fatalf("no limit: %v", err)
	}
	// Jobs past running no longer count.
	mustTransition(t, s, ids[0], model.StatusCancelled, JobChange{})
	mustTransition(t, s, ids[1], model.StatusSubmitted, JobChange{PromptID: "p1"})
	mustTransition(t, s, ids[1], model.StatusDelivering, JobChange{})
	if n, err := s.CountActive(ctx, "100"); err != nil || n != 2 {
		t.Fatalf("CountActive = %d, %v; want 2", n, err)
	}
	if _, err := s.EnqueueJob(ctx, newJob("100", "900"), 3); err != nil {
		t.Fatalf("after two left the queue: %v", err)
	}
}

// The limit holds under concurrent requests: 20 at once, limit 3, sent
// through three stores on one database as three bots would.
func TestEnqueueJobLimitConcurrent(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t)
	s := openTestStore(t, url)
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	stores := []*Store{s, openTestStore(t, url), openTestStore(t, url)}
	const tries, limit = 20, 3
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		succeeded, fulls int
	)
	start := make(chan struct{})
	for i := range tries {
		wg.Go(func() {
			<-start
			_, err := stores[i%len(stores)].EnqueueJob(t.Context(), newJob("100", "900"), limit)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				succeeded++
				return
			}
			if full, ok := errors.AsType[*model.QueueFullError](err); ok && full.Limit == limit && full.Active == limit {
				fulls++
				return
			}
			t.Errorf("EnqueueJob: %v", err)
		})
	}
	close(start)
	wg.Wait()
	if succeeded != limit || fulls != tries-limit {
		t.Fatalf("succeeded %d, queue full %d; want %d and %d", succeeded, fulls, limit, tries-limit)
	}
	if n, err := s.CountActive(t.Context(), "100"); err != nil || n != limit {
		t.Fatalf("CountActive = %d, %v", n, err)
	}
}

func TestJobLookupsNotFound(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	_, err := s.Job(t.Context(), 1)
	wantCode(t, err, model.CodeNotFound)
	_, err = s.JobByPromptID(t.Context(), "nope")
	wantCode(t, err, model.CodeNotFound)
	_, err = s.JobByPromptID(t.Context(), "")
	wantCode(t, err, model.CodeNotFound)
}

// Every (from, to) pair: allowed transitions succeed, the rest are conflicts
// that change nothing.
func TestTransitionMatrix(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	for _, from := range model.JobStatuses() {
		for _, to := range model.JobStatuses() {
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				j := jobIn(t, s, from)
				got, err := s.Transition(t.Context(), j.ID, to, JobChange{})
				if model.CanTransition(from, to) {
					if err != nil || got.Status != to {
						t.Fatalf("Transition = %s, %v; want %s", got.Status, err, to)
					}
					return
				}
				wantCode(t, err, model.CodeConflict)
				if after, _ := s.Job(t.Context(), j.ID); !reflect.DeepEqual(after, j) {
					t.Fatalf("a refused transition changed the job:\n%+v\n%+v", after, j)
				}
			})
		}
	}
}

func TestTransitionTimestampsAndChanges(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	j := mustEnqueue(t, s, newJob("100", "900"))

	t1 := clock.Advance(time.Second)
	j = mustTransition(t, s, j.ID, model.StatusSubmitted, JobChange{PromptID: "p-1", Backend: "gpu0"})
	if j.PromptID != "p-1" || j.Backend != "gpu0" || !j.SubmittedAt.Equal(t1) || !j.UpdatedAt.Equal(t1) || !j.StartedAt.IsZero() {
		t.Fatalf("submitted = %+v", j)
	}
	if byPrompt, err := s.JobByPromptID(t.Context(), "p-1"); err != nil || byPrompt.ID != j.ID {
		t.Fatalf("JobByPromptID = %+v, %v", byPrompt, err)
	}

	t2 := clock.Advance(time.Second)
	j = mustTransition(t, s, j.ID, model.StatusRunning, JobChange{Progress: model.Ptr(0.25), ProgressText: model.Ptr("step 5/20")})
	if !j.StartedAt.Equal(t2) || j.Progress != 0.25 || j.ProgressText != "step 5/20" {
		t.Fatalf("running = %+v", j)
	}

	// The backend lost it: back to the queue, keeping its place.
	clock.Advance(time.Second)
	j = mustTransition(t, s, j.ID, model.StatusQueued, JobChange{})
	if j.Attempts != 1 || !j.SubmittedAt.IsZero() || !j.StartedAt.IsZero() || j.Progress != 0 || j.ProgressText != "" ||
		!j.QueuedAt.Equal(testEpoch) || j.PromptID != "p-1" {
		t.Fatalf("re-queued = %+v", j)
	}

	t4 := clock.Advance(time.Second)
	j = mustTransition(t, s, j.ID, model.StatusSubmitted, JobChange{PromptID: "p-2", Backend: "gpu1"})
	if j.PromptID != "p-2" || j.Backend != "gpu1" || !j.SubmittedAt.Equal(t4) {
		t.Fatalf("resubmitted = %+v", j)
	}
	if _, err := s.JobByPromptID(t.Context(), "p-1"); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Fatalf("old prompt id still finds the job: %v", err)
	}
	mustTransition(t, s, j.ID, model.StatusRunning, JobChange{})

	images := []model.ImageRef{
		{Filename: "a_00001_.png", Subfolder: "bot", Type: "output", Width: 1024, Height: 768, Bytes: 123456},
		{Filename: "a_00002_.png", Type: "output", URL: "https://cdn.example/a2.png"},
	}
	j = mustTransition(t, s, j.ID, model.StatusDelivering, JobChange{Images: images, Progress: model.Ptr(1.5)})
	if !reflect.DeepEqual(j.Images, images) || j.Progress != 1 {
		t.Fatalf("delivering = %+v", j)
	}

	t6 := clock.Advance(time.Second)
	j = mustTransition(t, s, j.ID, model.StatusCompleted, JobChange{})
	if !j.FinishedAt.Equal(t6) || j.Attempts != 1 {
		t.Fatalf("completed = %+v", j)
	}
	var completedAt int64
	if err := s.db.QueryRowContext(t.Context(), s.dialect.rebind(`SELECT completed_at FROM jobs WHERE id = ?`), j.ID).Scan(&completedAt); err != nil || completedAt != t6.UnixMilli() {
		t.Fatalf("completed_at = %d, %v", completedAt, err)
	}

	t.Run("failure records the error", func(t *testing.T) {
		f := jobIn(t, s, model.StatusRunning)
		now := clock.Advance(time.Second)
		f = mustTransition(t, s, f.ID, model.StatusFailed, JobChange{ErrorCode: "comfy_error", ErrorMessage: "out of memory"})
		if f.ErrorCode != "comfy_error" || f.ErrorMessage != "out of memory" || !f.FinishedAt.Equal(now) {
			t.Fatalf("failed = %+v", f)
		}
	})
}

func TestTransitionReplacesTheValuesThatRan(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	in := newJob("100", "900")
	in.Ran = model.Params{Steps: model.Ptr(20), Checkpoint: "wanted.safetensors"}
	j := mustEnqueue(t, s, in)
	// The backend it runs on has another checkpoint, which the graph then names.
	ran := model.Params{Steps: model.Ptr(20), Checkpoint: "present.safetensors"}
	mustTransition(t, s, j.ID, model.StatusSubmitted, JobChange{PromptID: "p", Ran: &ran})
	j = mustTransition(t, s, j.ID, model.StatusRunning, JobChange{})
	if !reflect.DeepEqual(j.Ran, ran) {
		t.Errorf("Ran = %+v, want %+v", j.Ran, ran)
	}
	if j.Params.Checkpoint != "" || j.Params.Steps != nil {
		t.Errorf("what the user asked for changed: %+v", j.Params)
	}
}

func TestTransitionFromAndErrors(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	t.Run("from narrows", func(t *testing.T) {
		j := jobIn(t, s, model.StatusSubmitted)
		_, err := s.Transition(ctx, j.ID, model.StatusFailed, JobChange{From: []model.JobStatus{model.StatusRunning}})
		wantCode(t, err, model.CodeConflict)
		got, err := s.Transition(ctx, j.ID, model.StatusFailed, JobChange{From: []model.JobStatus{model.StatusRunning, model.StatusSubmitted}})
		if err != nil || got.Status != model.StatusFailed {
			t.Fatalf("Transition = %+v, %v", got, err)
		}
	})
	t.Run("from that can never lead there", func(t *testing.T) {
		j := jobIn(t, s, model.StatusQueued)
		_, err := s.Transition(ctx, j.ID, model.StatusCompleted, JobChange{From: []model.JobStatus{model.StatusQueued}})
		wantCode(t, err, model.CodeInvalid)
	})
	t.Run("unknown status", func(t *testing.T) {
		j := jobIn(t, s, model.StatusQueued)
		_, err := s.Transition(ctx, j.ID, "pending", JobChange{})
		wantCode(t, err, model.CodeInvalid)
	})
	t.Run("missing job", func(t *testing.T) {
		_, err := s.Transition(ctx, 12345, model.StatusSubmitted, JobChange{})
		wantCode(t, err, model.CodeNotFound)
	})
	t.Run("NaN progress", func(t *testing.T) {
		j := jobIn(t, s, model.StatusQueued)
		_, err := s.Transition(ctx, j.ID, model.StatusSubmitted, JobChange{Progress: model.Ptr(math.NaN())})
		wantCode(t, err, model.CodeInvalid)
	})
}

// Racing writers whose moves exclude each other: exactly one wins.
func TestTransitionLostRace(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	tests := []struct {
		name  string
		from  model.JobStatus
		moves []model.JobStatus
	}{
		{"two dispatchers", model.StatusQueued, []model.JobStatus{model.StatusSubmitted, model.StatusSubmitted, model.StatusSubmitted}},
		{"two cancels", model.StatusQueued, []model.JobStatus{model.StatusCancelled, model.StatusCancelled}},
		{"cancel against error", model.StatusRunning, []model.JobStatus{model.StatusCancelled, model.StatusFailed}},
		{"delivered against failed", model.StatusDelivering, []model.JobStatus{model.StatusCompleted, model.StatusFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jobIn(t, s, tt.from)
			var (
				wg        sync.WaitGroup
				mu        sync.Mutex
				won       []model.JobStatus
				conflicts int
			)
			start := make(chan struct{})
			for _, to := range tt.moves {
				wg.Go(func() {
					<-start
					_, err := s.Transition(t.Context(), j.ID, to, JobChange{})
					mu.Lock()
					defer mu.Unlock()
					switch model.ErrorCodeOf(err) {
					case "":
						won = append(won, to)
					case model.CodeConflict:
						conflicts++
					default:
						t.Errorf("Transition to %s: %v", to, err)
					}
				})
			}
			close(start)
			wg.Wait()
			if len(won) != 1 || conflicts != len(tt.moves)-1 {
				t.Fatalf("won %v, conflicts %d", won, conflicts)
			}
			if got, _ := s.Job(t.Context(), j.ID); got.Status != won[0] {
				t.Fatalf("status = %s, winner %s", got.Status, won[0])
			}
		})
	}
}

func TestUpdateProgress(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()
	running := jobIn(t, s, model.StatusRunning)
	done := jobIn(t, s, model.StatusCompleted)
	tests := []struct {
		name     string
		id       int64
		progress float64
		want     float64
		wantText string
		wantCode model.ErrorCode
	}{
		{name: "running", id: running.ID, progress: 0.4, want: 0.4, wantText: "step 8/20"},
		{name: "clamped high", id: running.ID, progress: 7, want: 1, wantText: "step 8/20"},
		{name: "clamped low", id: running.ID, progress: -1, want: 0, wantText: "step 8/20"},
		{name: "final job unchanged", id: done.ID, progress: 0.1, want: 0, wantText: ""},
		{name: "missing job", id: 9999, progress: 0.5, wantCode: model.CodeNotFound},
		{name: "NaN", id: running.ID, progress: math.NaN(), wantCode: model.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(time.Second)
			err := s.UpdateProgress(ctx, tt.id, tt.progress, "step 8/20")
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Job(ctx, tt.id)
			if err != nil || got.Progress != tt.want || got.ProgressText != tt.wantText {
				t.Fatalf("job = %+v, %v; want progress %v %q", got, err, tt.want, tt.wantText)
			}
			if tt.id == done.ID && !reflect.DeepEqual(got, done) {
				t.Fatalf("final job changed:\n%+v\n%+v", got, done)
			}
		})
	}
}

func TestSetStatusMessage(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	j := mustEnqueue(t, s, newJob("100", "900"))
	if err := s.SetStatusMessage(t.Context(), j.ID, "55", "777"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(t.Context(), j.ID)
	if err != nil || got.StatusChannelID != "55" || got.StatusMessageID != "777" {
		t.Fatalf("job = %+v, %v", got, err)
	}
	wantCode(t, s.SetStatusMessage(t.Context(), 9999, "55", "777"), model.CodeNotFound)
}

func TestListAndCountJobs(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()
	// ids 1..6, one second apart.
	specs := []struct {
		user, guild string
		status      model.JobStatus
	}{
		{"100", "900", model.StatusCompleted},
		{"100", "900", model.StatusFailed},
		{"100", "901", model.StatusQueued},
		{"200", "900", model.StatusCompleted},
		{"100", "", model.StatusRunning},
		{"200", "901", model.StatusQueued},
	}
	var ids []int64
	for _, sp := range specs {
		clock.Advance(time.Second)
		j := mustEnqueue(t, s, newJob(sp.user, sp.guild))
		switch sp.status {
		case model.StatusCompleted:
			for _, st := range []model.JobStatus{model.StatusSubmitted, model.StatusRunning, model.StatusDelivering, model.StatusCompleted} {
				mustTransition(t, s, j.ID, st, JobChange{})
			}
		case model.StatusFailed:
			mustTransition(t, s, j.ID, model.StatusFailed, JobChange{})
		case model.StatusRunning:
			mustTransition(t, s, j.ID, model.StatusSubmitted, JobChange{})
			mustTransition(t, s, j.ID, model.StatusRunning, JobChange{})
		}
		ids = append(ids, j.ID)
	}
	idsOf := func(js []model.Job) []int64 {
		var out []int64
		for _, j := range js {
			out = append(out, j.ID)
		}
		return out
	}
	tests := []struct {
		name      string
		filter    JobFilter
		want      []int64
		wantCount int
	}{
		{name: "all, newest first", filter: JobFilter{}, want: []int64{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}, wantCount: 6},
		{name: "user", filter: JobFilter{UserID: "100"}, want: []int64{ids[4], ids[2], ids[1], ids[0]}, wantCount: 4},
		{name: "guild", filter: JobFilter{GuildID: "900"}, want: []int64{ids[3], ids[1], ids[0]}, wantCount: 3},
		{name: "user and guild", filter: JobFilter{UserID: "200", GuildID: "901"}, want: []int64{ids[5]}, wantCount: 1},
		{name: "statuses", filter: JobFilter{Statuses: []model.JobStatus{model.StatusCompleted, model.StatusFailed}},
			want: []int64{ids[3], ids[1], ids[0]}, wantCount: 3},
		{name: "page", filter: JobFilter{Limit: 2, Offset: 1}, want: []int64{ids[4], ids[3]}, wantCount: 6},
		{name: "offset only", filter: JobFilter{Offset: 4}, want: []int64{ids[1], ids[0]}, wantCount: 6},
		{name: "nothing", filter: JobFilter{UserID: "300"}, want: nil, wantCount: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListJobs(ctx, tt.filter)
			if err != nil || !reflect.DeepEqual(idsOf(got), tt.want) {
				t.Fatalf("ListJobs = %v, %v; want %v", idsOf(got), err, tt.want)
			}
			n, err := s.CountJobs(ctx, tt.filter)
			if err != nil || n != tt.wantCount {
				t.Fatalf("CountJobs = %d, %v; want %d", n, err, tt.wantCount)
			}
		})
	}

	t.Run("active oldest first", func(t *testing.T) {
		got, err := s.ActiveJobs(ctx)
		if want := []int64{ids[2], ids[4], ids[5]}; err != nil || !reflect.DeepEqual(idsOf(got), want) {
			t.Fatalf("ActiveJobs = %v, %v; want %v", idsOf(got), err, want)
		}
	})
	t.Run("queued oldest first", func(t *testing.T) {
		got, err := s.QueuedJobs(ctx)
		if want := []int64{ids[2], ids[5]}; err != nil || !reflect.DeepEqual(idsOf(got), want) {
			t.Fatalf("QueuedJobs = %v, %v; want %v", idsOf(got), err, want)
		}
	})
	t.Run("queue depth", func(t *testing.T) {
		if n, err := s.QueueDepth(ctx); err != nil || n != 2 {
			t.Fatalf("QueueDepth = %d, %v", n, err)
		}
	})
	t.Run("counts by status and server", func(t *testing.T) {
		got, err := s.CountJobsByStatus(ctx)
		want := JobCounts{
			ByStatus: map[model.JobStatus]int{model.StatusCompleted: 2, model.StatusFailed: 1, model.StatusQueued: 2, model.StatusRunning: 1},
			Queued:   map[string]int{"901": 2},
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("CountJobsByStatus = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("count active", func(t *testing.T) {
		for user, want := range map[string]int{"100": 2, "200": 1, "300": 0} {
			if n, err := s.CountActive(ctx, user); err != nil || n != want {
				t.Errorf("CountActive(%s) = %d, %v; want %d", user, n, err, want)
			}
		}
	})
}

func TestQueuedJobsAskedInDMsCountUnderNoServer(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	mustEnqueue(t, s, newJob("100", ""))
	mustEnqueue(t, s, newJob("200", ""))
	mustEnqueue(t, s, newJob("200", "900"))
	got, err := s.CountJobsByStatus(t.Context())
	if want := map[string]int{"": 2, "900": 1}; err != nil || !reflect.DeepEqual(got.Queued, want) {
		t.Fatalf("Queued = %v, %v; want %v", got.Queued, err, want)
	}
}

func TestActiveJobsIncludesDelivering(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	d := jobIn(t, s, model.StatusDelivering)
	jobIn(t, s, model.StatusCompleted)
	got, err := s.ActiveJobs(t.Context())
	if err != nil || len(got) != 1 || got[0].ID != d.ID {
		t.Fatalf("ActiveJobs = %+v, %v", got, err)
	}
}

func TestLastServed(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()
	got, err := s.LastServed(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("empty LastServed = %v, %v", got, err)
	}
	a1 := mustEnqueue(t, s, newJob("100", "900"))
	a2 := mustEnqueue(t, s, newJob("100", "900"))
	b1 := mustEnqueue(t, s, newJob("200", "900"))
	mustEnqueue(t, s, newJob("300", "900")) // never served

	clock.Advance(time.Second)
	mustTransition(t, s, a1.ID, model.StatusSubmitted, JobChange{})
	tB1 := clock.Advance(time.Second)
	mustTransition(t, s, b1.ID, model.StatusSubmitted, JobChange{})
	tA2 := clock.Advance(time.Second)
	mustTransition(t, s, a2.ID, model.StatusSubmitted, JobChange{})

	got, err = s.LastServed(ctx)
	want := map[string]time.Time{"100": tA2, "200": tB1}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("LastServed = %v, %v; want %v", got, err, want)
	}
}

func TestCancelQueued(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()
	q1 := mustEnqueue(t, s, newJob("100", "900"))
	q2 := mustEnqueue(t, s, newJob("100", "901"))
	run := jobIn(t, s, model.StatusRunning) // user 100, guild 900
	other := mustEnqueue(t, s, newJob("200", "900"))

	tests := []struct {
		name   string
		filter JobFilter
		want   []int64
	}{
		{name: "user in one guild", filter: JobFilter{UserID: "100", GuildID: "901"}, want: []int64{q2.ID}},
		{name: "user everywhere, statuses ignored", filter: JobFilter{UserID: "100", Statuses: []model.JobStatus{model.StatusRunning}, Limit: 1},
			want: []int64{q1.ID}},
		{name: "nothing left", filter: JobFilter{UserID: "100"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := clock.Advance(time.Second)
			got, err := s.CancelQueued(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, j := range got {
				ids = append(ids, j.ID)
				if j.Status != model.StatusCancelled || !j.FinishedAt.Equal(now) {
					t.Errorf("cancelled job = %+v", j)
				}
			}
			if !reflect.DeepEqual(ids, tt.want) {
				t.Fatalf("cancelled %v, want %v", ids, tt.want)
			}
		})
	}
	for _, j := range []model.Job{run, other} {
		got, err := s.Job(ctx, j.ID)
		if err != nil || got.Status != j.Status {
			t.Errorf("job %d = %s, %v; want it untouched (%s)", j.ID, got.Status, err, j.Status)
		}
	}
}
