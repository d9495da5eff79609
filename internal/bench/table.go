package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report for a person: the load, the figures, and
// each target with PASS or FAIL.
func WriteTable(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", name, fmt.Sprintf(format, args...))
	}
	lat := func(l Latency) string {
		return fmt.Sprintf("p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)", l.P50, l.P99, l.Max, l.N)
	}
	fmt.Fprintf(tw, "load\t%d users in %d channels starting over %s, %d jobs (≤ %d active each), %d backends, %s per job, %d KB images, %s rate limits\n",
		r.Users, r.Channels, r.Ramp, r.Jobs, r.PerUser, r.Backends, r.JobTime, r.ImageKB, r.Limits)
	if r.Database != "" {
		row("database", "%s", r.Database)
	}
	row("wall time", "%.2f s, %.1f jobs/s", r.Wall, r.JobsPerSecond)
	row("requests", "%d sent, %d unacknowledged, %d accepted, %d refused", r.Sent, r.Unacknowledged, r.Accepted, r.Refused)
	row("jobs", "%d delivered, %d lost, %d delivered twice", r.Delivered, r.Lost, r.Duplicated)
	row("ack", "%s", lat(r.Ack))
	row("finish → delivered", "%s", lat(r.FinishToDelivered))
	row("backend utilization", "%.1f %%", r.Utilization*100)
	row("Jain fairness", "%.3f over %d jobs served while every user waited", r.Jain, r.JainJobs)
	gap := "no message edited twice"
	if r.MinEditGap != nil {
		gap = fmt.Sprintf("min gap %.0f ms", *r.MinEditGap)
	}
	row("status messages", "%d, %d edits, at most %d per 2 s, %s", r.StatusMessages, r.StatusEdits, r.MaxEditsPer2s, gap)
	row("Discord REST", "%.1f calls per job, %d × 429, %d violations", r.RESTPerJob, r.RateLimited, r.Violations)
	row("bot memory", "peak RSS %.1f MB, peak Go heap %.1f MB", r.PeakRSSMB, r.PeakHeapMB)
	row("CPU per job", "bot %.2f ms, fakes and users %.2f ms", r.CPUPerJob*1000, r.PeerCPUPerJob*1000)
	if r.Stalled {
		row("stalled", "results stopped coming; the missing jobs count as lost")
	}
	fmt.Fprintln(tw, "\ntarget\twant\tgot\t")
	for _, c := range r.Checks {
		verdict := "PASS"
		if !c.OK {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Target, c.Got, verdict)
	}
	return tw.Flush()
}

// Bar draws a progress bar on one terminal line.
func Bar(p Progress, width int) string {
	if p.Total <= 0 {
		return ""
	}
	filled := min(width, p.Delivered*width/p.Total)
	return fmt.Sprintf("\r[%s%s] %d/%d jobs delivered", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Delivered, p.Total)
}
