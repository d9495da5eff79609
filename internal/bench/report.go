package bench

import (
	"math"
	"slices"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
)

// Job is a job as the bot's database recorded it.
type Job struct {
	ID              int64
	User            string
	PromptID        string
	StatusMessageID string
	Queued          time.Time
	Submitted       time.Time // zero: never sent to a backend
}

// Process is what the bot's process cost during the run.
type Process struct {
	PeakRSS  int64  // bytes: the kernel's high-water mark (VmHWM)
	PeakHeap uint64 // bytes of live heap objects, sampled
	CPU      time.Duration
}

// Latency summarises a distribution, in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
	N   int     `json:"n"`
}

// Report is everything a run measured.
type Report struct {
	Users    int    `json:"users"`
	Jobs     int    `json:"jobs"`
	Backends int    `json:"backends"`
	JobTime  string `json:"job_time"`
	ImageKB  int    `json:"image_kb"`
	PerUser  int    `json:"per_user"`
	Channels int    `json:"channels"`
	Ramp     string `json:"ramp"`
	Limits   string `json:"rate_limits"`
	// Database is the dialect the bot's store ran on: sqlite or postgres.
	Database string  `json:"database"`
	Wall     float64 `json:"wall_s"` // first /generate to last result
	// JobsPerSecond is delivered jobs over Wall.
	JobsPerSecond float64 `json:"jobs_per_s"`

	Sent           int `json:"sent"`
	Unacknowledged int `json:"unacknowledged"`
	Accepted       int `json:"accepted"`
	Refused        int `json:"refused"`
	Delivered      int `json:"delivered"`
	Lost           int `json:"lost"`
	Duplicated     int `json:"duplicated"`

	Ack               Latency `json:"ack_ms"`
	FinishToDelivered Latency `json:"finish_to_delivered_ms"`
	// Utilization is the backends' busy time over backends × the time from
	// the first submission to the last finish.
	Utilization float64 `json:"backend_utilization"`
	// Jain is Jain's index of the jobs each user was served while every
	// user had work queued; JainJobs is how many jobs that was.
	Jain     float64 `json:"jain_fairness"`
	JainJobs int     `json:"jain_jobs"`

	StatusMessages int `json:"status_messages"`
	StatusEdits    int `json:"status_edits"`
	// MaxEditsPer2s is the most edits one status message got within any
	// 2 s; MinEditGap the shortest time between two edits of one message
	// (nil when no message was edited twice).
	MaxEditsPer2s int      `json:"max_edits_per_2s"`
	MinEditGap    *float64 `json:"min_edit_gap_ms"`

	RateLimited int     `json:"rate_limited_429"`
	Violations  int     `json:"violations"`
	RESTPerJob  float64 `json:"rest_calls_per_job"`

	PeakRSSMB     float64 `json:"peak_rss_mb"`
	PeakHeapMB    float64 `json:"peak_heap_mb"`
	CPUPerJob     float64 `json:"cpu_s_per_job"`
	PeerCPUPerJob float64 `json:"peer_cpu_s_per_job"`
	Stalled       bool    `json:"stalled"`
	Checks        []Check `json:"checks"`
	ChecksFailed  int     `json:"checks_failed"`
}

// Compute derives the report of a run.
func Compute(cfg Config, obs Observations, dbJobs []Job, proc Process) Report {
	r := Report{
		Users: cfg.Users, Jobs: cfg.Jobs, Backends: cfg.Backends, JobTime: cfg.JobTime.String(),
		ImageKB: cfg.ImageKB, PerUser: cfg.PerUser, Channels: cfg.Channels, Ramp: cfg.Ramp.String(), Limits: cfg.Limits,
		RateLimited: obs.RateLimited, Violations: obs.Violations, Stalled: obs.Stalled,
	}
	byID := make(map[int64]Job, len(dbJobs))
	for _, j := range dbJobs {
		byID[j.ID] = j
	}
	r.countJobs(obs)
	r.Ack = ackLatency(obs.Interactions)
	r.FinishToDelivered = deliveryLatency(obs, byID)
	r.Utilization = utilization(cfg.Backends, obs.Runs, dbJobs)
	r.Jain, r.JainJobs = fairness(dbJobs)
	r.editRates(obs.Messages, dbJobs)
	if first, last, ok := span(obs); ok {
		r.Wall = last.Sub(first).Seconds()
		if r.Wall > 0 {
			r.JobsPerSecond = float64(r.Delivered) / r.Wall
		}
	}
	if r.Delivered > 0 {
		n := float64(r.Delivered)
		r.RESTPerJob = float64(obs.Requests) / n
		r.CPUPerJob = proc.CPU.Seconds() / n
		r.PeerCPUPerJob = obs.PeerCPU.Seconds() / n
	}
	r.PeakRSSMB = float64(proc.PeakRSS) / (1 << 20)
	r.PeakHeapMB = float64(proc.PeakHeap) / (1 << 20)
	r.Checks = checks(cfg, r)
	for _, c := range r.Checks {
		if !c.OK {
			r.ChecksFailed++
		}
	}
	return r
}

// countJobs counts what became of the users' requests.
func (r *Report) countJobs(obs Observations) {
	results := map[int64]int{}
	for _, res := range obs.Results {
		results[res.JobID]++
	}
	for _, in := range obs.Interactions {
		r.Sent++
		switch {
		case in.Acked.IsZero():
			r.Unacknowledged++
		case in.JobID == 0:
			r.Refused++
		}
		if in.JobID == 0 {
			continue
		}
		r.Accepted++
		switch n := results[in.JobID]; {
		case n == 0:
			r.Lost++
		case n > 1:
			r.Duplicated++ // each bench job makes one image: one message
		}
	}
	r.Delivered = len(results)
}

func ackLatency(ias []Interaction) Latency {
	var ms []float64
	for _, in := range ias {
		if !in.Acked.IsZero() {
			ms = append(ms, millis(in.Acked.Sub(in.Sent)))
		}
	}
	return summarize(ms)
}

// deliveryLatency is, per job, from ComfyUI's execution_success to the
// first message with its files.
func deliveryLatency(obs Observations, jobs map[int64]Job) Latency {
	success := map[string]time.Time{}
	for _, run := range obs.Runs {
		if !run.Success.IsZero() {
			success[run.PromptID] = run.Success
		}
	}
	first := map[int64]time.Time{}
	for _, res := range obs.Results {
		if t, ok := first[res.JobID]; !ok || res.At.Before(t) {
			first[res.JobID] = res.At
		}
	}
	var ms []float64
	for id, at := range first {
		if done, ok := success[jobs[id].PromptID]; ok {
			ms = append(ms, millis(at.Sub(done)))
		}
	}
	return summarize(ms)
}

// utilization is busy time over backends × (last finish − first submit).
func utilization(backends int, runs []Run, dbJobs []Job) float64 {
	var busy time.Duration
	var last time.Time
	for _, run := range runs {
		if run.Success.IsZero() || run.Start.IsZero() {
			continue
		}
		busy += run.Success.Sub(run.Start)
		if run.Success.After(last) {
			last = run.Success
		}
	}
	var first time.Time
	for _, j := range dbJobs {
		if !j.Submitted.IsZero() && (first.IsZero() || j.Submitted.Before(first)) {
			first = j.Submitted
		}
	}
	wall := last.Sub(first)
	if first.IsZero() || wall <= 0 {
		return 0
	}
	return busy.Seconds() / (float64(backends) * wall.Seconds())
}

// fairness counts, per user, the jobs sent to a backend at a moment when
// every user had a job waiting in the bot's queue, and returns Jain's index
// of those counts and their sum.
func fairness(dbJobs []Job) (float64, int) {
	type change struct {
		at    time.Time
		user  string
		delta int
	}
	var changes []change
	users := map[string]int{}
	for _, j := range dbJobs {
		users[j.User] = 0
		changes = append(changes, change{j.Queued, j.User, +1})
		if !j.Submitted.IsZero() {
			changes = append(changes, change{j.Submitted, j.User, -1})
		}
	}
	// At equal times arrivals go first: a job queued and sent in the same
	// millisecond was waiting.
	slices.SortStableFunc(changes, func(a, b change) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return b.delta - a.delta
	})
	waiting := map[string]int{}
	covered, total := 0, 0
	served := map[string]int{}
	for _, c := range changes {
		if c.delta < 0 && covered == len(users) {
			served[c.user]++
			total++
		}
		before := waiting[c.user]
		waiting[c.user] += c.delta
		switch {
		case before == 0 && waiting[c.user] > 0:
			covered++
		case before > 0 && waiting[c.user] == 0:
			covered--
		}
	}
	counts := make([]float64, 0, len(users))
	for u := range users {
		counts = append(counts, float64(served[u]))
	}
	return jobs.JainIndex(counts), total
}

// editRates looks at the edits of every job's status message.
func (r *Report) editRates(msgs []Message, dbJobs []Job) {
	status := map[string]bool{}
	for _, j := range dbJobs {
		if j.StatusMessageID != "" {
			status[j.StatusMessageID] = true
		}
	}
	gap := math.Inf(1)
	for _, m := range msgs {
		if !status[m.ID] {
			continue
		}
		r.StatusMessages++
		r.StatusEdits += len(m.Edits)
		edits := slices.SortedFunc(slices.Values(m.Edits), time.Time.Compare)
		start := 0
		for i := range edits {
			if i > 0 {
				gap = min(gap, millis(edits[i].Sub(edits[i-1])))
			}
			for edits[i].Sub(edits[start]) >= 2*time.Second {
				start++
			}
			r.MaxEditsPer2s = max(r.MaxEditsPer2s, i-start+1)
		}
	}
	if !math.IsInf(gap, 1) {
		r.MinEditGap = &gap
	}
}

// span is from the first /generate to the last result.
func span(obs Observations) (first, last time.Time, ok bool) {
	for _, in := range obs.Interactions {
		if first.IsZero() || in.Sent.Before(first) {
			first = in.Sent
		}
	}
	for _, res := range obs.Results {
		if res.At.After(last) {
			last = res.At
		}
	}
	return first, last, !first.IsZero() && !last.IsZero()
}

// summarize gives nearest-rank percentiles.
func summarize(ms []float64) Latency {
	if len(ms) == 0 {
		return Latency{}
	}
	slices.Sort(ms)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(ms)))) - 1
		return ms[max(0, min(i, len(ms)-1))]
	}
	return Latency{P50: rank(50), P99: rank(99), Max: ms[len(ms)-1], N: len(ms)}
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
