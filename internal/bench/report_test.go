package bench

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestSummarizeUsesNearestRank(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100 - i) // unsorted on purpose
	}
	cases := []struct {
		name string
		in   []float64
		want Latency
	}{
		{"none", nil, Latency{}},
		{"one", []float64{7}, Latency{P50: 7, P99: 7, Max: 7, N: 1}},
		{"two", []float64{9, 1}, Latency{P50: 1, P99: 9, Max: 9, N: 2}},
		{"a hundred", hundred, Latency{P50: 50, P99: 99, Max: 100, N: 100}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := summarize(c.in); got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestFairnessCountsOnlyWhileEveryUserWaits(t *testing.T) {
	cases := []struct {
		name      string
		jobs      []Job
		wantJain  float64
		wantCount int
	}{
		{
			name: "turns while both wait",
			jobs: []Job{
				{ID: 1, User: "a", Queued: at(0), Submitted: at(10)},
				{ID: 2, User: "a", Queued: at(0), Submitted: at(30)},
				{ID: 3, User: "b", Queued: at(0), Submitted: at(20)},
				{ID: 4, User: "b", Queued: at(0), Submitted: at(40)},
			},
			// a, b and a go while both wait; b's last goes when a is done.
			wantJain: 0.9, wantCount: 3,
		},
		{
			name: "one user served while the other waits",
			jobs: []Job{
				{ID: 1, User: "a", Queued: at(0), Submitted: at(10)},
				{ID: 2, User: "a", Queued: at(0), Submitted: at(20)},
				{ID: 3, User: "a", Queued: at(0), Submitted: at(30)},
				{ID: 4, User: "b", Queued: at(0), Submitted: at(40)},
			},
			wantJain: 0.5, wantCount: 3,
		},
		{
			name: "never all waiting",
			jobs: []Job{
				{ID: 1, User: "a", Queued: at(0), Submitted: at(10)},
				{ID: 2, User: "b", Queued: at(20), Submitted: at(30)},
			},
			wantJain: 1, wantCount: 0,
		},
		{
			name: "queued and sent in the same millisecond was waiting",
			jobs: []Job{
				{ID: 1, User: "a", Queued: at(0), Submitted: at(50)},
				{ID: 2, User: "b", Queued: at(10), Submitted: at(10)},
			},
			wantJain: 0.5, wantCount: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jain, n := fairness(c.jobs)
			if math.Abs(jain-c.wantJain) > 1e-9 || n != c.wantCount {
				t.Fatalf("got Jain %.3f over %d jobs, want %.3f over %d", jain, n, c.wantJain, c.wantCount)
			}
		})
	}
}

func TestUtilization(t *testing.T) {
	cases := []struct {
		name     string
		backends int
		runs     []Run
		jobs     []Job
		want     float64
	}{
		{
			name: "both busy all the time", backends: 2,
			runs: []Run{{Start: at(0), Success: at(100)}, {Start: at(100), Success: at(200)}, {Start: at(0), Success: at(200)}},
			jobs: []Job{{Submitted: at(0)}, {Submitted: at(5)}},
			want: 1,
		},
		{
			name: "one idle half the time", backends: 2,
			runs: []Run{{Start: at(0), Success: at(200)}, {Start: at(0), Success: at(100)}},
			jobs: []Job{{Submitted: at(0)}},
			want: 0.75,
		},
		{
			name: "failed runs are not busy time", backends: 1,
			runs: []Run{{Start: at(0), Success: at(100)}, {Start: at(100)}},
			jobs: []Job{{Submitted: at(0)}},
			want: 1,
		},
		{
			name: "nothing ran", backends: 1, want: 0,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := utilization(c.backends, c.runs, c.jobs); math.Abs(got-c.want) > 1e-9 {
				t.Fatalf("got %.3f, want %.3f", got, c.want)
			}
		})
	}
}

func TestEditRatesLookAtStatusMessagesOnly(t *testing.T) {
	msgs := []Message{
		{ID: "s1", Edits: []time.Time{at(4000), at(0), at(2000)}}, // out of order on purpose
		{ID: "s2", Edits: []time.Time{at(0), at(2500), at(3000)}}, // two within 2 s
		{ID: "result", Edits: []time.Time{at(0), at(1), at(2)}},   // not a status message
		{ID: "s3"},
	}
	var r Report
	r.editRates(msgs, []Job{{ID: 1, StatusMessageID: "s1"}, {ID: 2, StatusMessageID: "s2"}, {ID: 3, StatusMessageID: "s3"}})
	if r.StatusMessages != 3 || r.StatusEdits != 6 {
		t.Errorf("got %d messages with %d edits, want 3 with 6", r.StatusMessages, r.StatusEdits)
	}
	if r.MaxEditsPer2s != 2 {
		t.Errorf("max edits per 2 s = %d, want 2", r.MaxEditsPer2s)
	}
	if r.MinEditGap == nil || *r.MinEditGap != 500 {
		t.Errorf("min gap = %v, want 500 ms", r.MinEditGap)
	}

	var quiet Report
	quiet.editRates([]Message{{ID: "s1", Edits: []time.Time{at(0)}}}, []Job{{StatusMessageID: "s1"}})
	if quiet.MinEditGap != nil || quiet.MaxEditsPer2s != 1 {
		t.Errorf("one edit: min gap %v, max %d; want none and 1", quiet.MinEditGap, quiet.MaxEditsPer2s)
	}
}

func TestComputeCountsWhatBecameOfEachRequest(t *testing.T) {
	obs := Observations{
		Interactions: []Interaction{
			{User: 0, Sent: at(0), Acked: at(5), JobID: 1},
			{User: 0, Sent: at(1), Acked: at(11), JobID: 2},
			{User: 1, Sent: at(2), Acked: at(4), JobID: 3},
			{User: 1, Sent: at(3), Acked: at(9), Refusal: "❌ Queue full"},
			{User: 1, Sent: at(4)}, // never acknowledged
		},
		Results: []Result{
			{JobID: 1, At: at(300), Files: 1},
			{JobID: 3, At: at(320), Files: 1},
			{JobID: 3, At: at(330), Files: 1}, // again
		},
		Runs: []Run{
			{Backend: 0, PromptID: "p1", Start: at(100), Success: at(290)},
			{Backend: 0, PromptID: "p3", Start: at(110), Success: at(300)},
		},
		Requests: 30, RateLimited: 1, PeerCPU: 30 * time.Millisecond,
	}
	jobs := []Job{
		{ID: 1, User: "a", PromptID: "p1", Queued: at(5), Submitted: at(100)},
		{ID: 2, User: "a", PromptID: "p2", Queued: at(11)},
		{ID: 3, User: "b", PromptID: "p3", Queued: at(4), Submitted: at(110)},
	}
	cfg := Config{Users: 2, Jobs: 3, Backends: 1, JobTime: 0, PerUser: 3, Limits: LimitsRelaxed}
	r := Compute(cfg, obs, jobs, Process{PeakRSS: 50 << 20, PeakHeap: 10 << 20, CPU: 20 * time.Millisecond})

	counts := []struct {
		name      string
		got, want int
	}{
		{"sent", r.Sent, 5}, {"unacknowledged", r.Unacknowledged, 1}, {"accepted", r.Accepted, 3},
		{"refused", r.Refused, 1}, {"delivered", r.Delivered, 2}, {"lost", r.Lost, 1}, {"duplicated", r.Duplicated, 1},
		{"429s", r.RateLimited, 1},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if r.Ack != (Latency{P50: 5, P99: 10, Max: 10, N: 4}) {
		t.Errorf("ack = %+v", r.Ack)
	}
	if r.FinishToDelivered != (Latency{P50: 10, P99: 20, Max: 20, N: 2}) {
		t.Errorf("finish to delivered = %+v", r.FinishToDelivered)
	}
	if r.RESTPerJob != 15 || r.CPUPerJob != 0.01 || r.PeerCPUPerJob != 0.015 || r.PeakRSSMB != 50 || r.PeakHeapMB != 10 {
		t.Errorf("per job: REST %v, CPU %v, peer CPU %v, RSS %v, heap %v", r.RESTPerJob, r.CPUPerJob, r.PeerCPUPerJob, r.PeakRSSMB, r.PeakHeapMB)
	}
	if r.Wall != 0.33 || math.Abs(r.JobsPerSecond-2/0.33) > 1e-9 {
		t.Errorf("wall %v s, %v jobs/s", r.Wall, r.JobsPerSecond)
	}
	failed := map[string]bool{}
	for _, c := range r.Checks {
		if !c.OK {
			failed[c.Name] = true
		}
	}
	for _, name := range []string{"jobs lost", "jobs delivered twice", "429s", "throughput"} {
		if !failed[name] {
			t.Errorf("check %q should fail: %+v", name, r.Checks)
		}
	}
	if r.ChecksFailed != len(failed) {
		t.Errorf("checks_failed = %d, but %d failed", r.ChecksFailed, len(failed))
	}
}

func TestChecksDependOnJobTime(t *testing.T) {
	cases := []struct {
		jobTime time.Duration
		check   string
		want    bool
	}{
		{0, "throughput", true},
		{0, "finish → delivered p99", false},
		{0, "backend utilization", false},
		{0, "ack p99", true},
		{200 * time.Millisecond, "throughput", false},
		{200 * time.Millisecond, "finish → delivered p99", true},
		{200 * time.Millisecond, "backend utilization", true},
		{200 * time.Millisecond, "ack p99", true},
	}
	for _, c := range cases {
		has := false
		for _, ch := range checks(Config{JobTime: c.jobTime}, Report{}) {
			has = has || ch.Name == c.check
		}
		if has != c.want {
			t.Errorf("job time %v: %q checked %v, want %v", c.jobTime, c.check, has, c.want)
		}
	}
}
