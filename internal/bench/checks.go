package bench

import "fmt"

// Check is one target of issue 7 and whether the run met it.
type Check struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Got    string `json:"got"`
	OK     bool   `json:"ok"`
}

// Targets on a 2-core machine.
const (
	targetAckP99       = 50.0  // ms
	targetDeliveryP99  = 100.0 // ms
	targetUtilization  = 0.97
	targetJain         = 0.95
	targetPeakRSSMB    = 80.0
	targetJobsPerSec   = 200.0 // with --job-time 0
	targetEditsPer2s   = 1
	targetRateLimited  = 0
	targetLostOrDouble = 0
)

// checks holds the run against the targets that apply to its load. Jobs
// that take no time are a throughput test: the users keep the bot
// saturated, so a result waits behind the others (Little's law sets its
// latency) and the backends' busy time is nil; delivery latency and
// utilization are targets for jobs that use a GPU.
func checks(cfg Config, r Report) []Check {
	cs := []Check{atMost("ack p99", targetAckP99, r.Ack.P99, "%.1f ms")}
	if cfg.JobTime > 0 {
		cs = append(cs,
			atMost("finish → delivered p99", targetDeliveryP99, r.FinishToDelivered.P99, "%.1f ms"),
			atLeast("backend utilization", targetUtilization*100, r.Utilization*100, "%.1f %%"))
	}
	cs = append(cs,
		atLeast("Jain fairness", targetJain, r.Jain, "%.3f"),
		atMost("edits per status message per 2 s", targetEditsPer2s, float64(r.MaxEditsPer2s), "%.0f"),
		atMost("429s", targetRateLimited, float64(r.RateLimited), "%.0f"),
		atMost("peak RSS", targetPeakRSSMB, r.PeakRSSMB, "%.1f MB"),
		atMost("jobs lost", targetLostOrDouble, float64(r.Lost), "%.0f"),
		atMost("jobs delivered twice", targetLostOrDouble, float64(r.Duplicated), "%.0f"))
	if cfg.JobTime == 0 {
		cs = append(cs, atLeast("throughput", targetJobsPerSec, r.JobsPerSecond, "%.0f jobs/s"))
	}
	return cs
}

func atMost(name string, limit, got float64, format string) Check {
	return Check{Name: name, Target: "≤ " + fmt.Sprintf(format, limit), Got: fmt.Sprintf(format, got), OK: got <= limit}
}

func atLeast(name string, limit, got float64, format string) Check {
	return Check{Name: name, Target: "≥ " + fmt.Sprintf(format, limit), Got: fmt.Sprintf(format, got), OK: got >= limit}
}
