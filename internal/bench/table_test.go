package bench

import (
	"strings"
	"testing"
)

func TestWriteTableShowsFiguresAndVerdicts(t *testing.T) {
	gap := 2001.0
	r := Report{
		Users: 50, Jobs: 500, Backends: 4, JobTime: "200ms", ImageKB: 1500, PerUser: 3, Channels: 5, Ramp: "1s", Limits: LimitsRelaxed,
		Wall: 30, JobsPerSecond: 16.7, Sent: 500, Accepted: 500, Delivered: 500,
		Ack:         Latency{P50: 2, P99: 40, Max: 60, N: 500},
		Utilization: 0.995, Jain: 0.99, JainJobs: 300, StatusMessages: 500, StatusEdits: 1300, MaxEditsPer2s: 1, MinEditGap: &gap,
		Stalled: true,
		Checks:  []Check{{Name: "ack p99", Target: "≤ 50.0 ms", Got: "40.0 ms", OK: true}, {Name: "peak RSS", Target: "≤ 80.0 MB", Got: "90.0 MB"}},
	}
	var b strings.Builder
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"50 users in 5 channels starting over 1s, 500 jobs (≤ 3 active each), 4 backends, 200ms per job, 1500 KB images, relaxed rate limits",
		"p50 2.0 ms, p99 40.0 ms, max 60.0 ms (n=500)",
		"99.5 %", "min gap 2001 ms", "results stopped coming",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, row := range []struct{ name, verdict string }{{"ack p99", "PASS"}, {"peak RSS", "FAIL"}} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			found = found || (strings.HasPrefix(line, row.name) && strings.HasSuffix(strings.TrimSpace(line), row.verdict))
		}
		if !found {
			t.Errorf("no %q row ending in %s:\n%s", row.name, row.verdict, out)
		}
	}
}

func TestBar(t *testing.T) {
	cases := []struct {
		p    Progress
		want string
	}{
		{Progress{Delivered: 0, Total: 4}, "\r[....] 0/4 jobs delivered"},
		{Progress{Delivered: 2, Total: 4}, "\r[##..] 2/4 jobs delivered"},
		{Progress{Delivered: 4, Total: 4}, "\r[####] 4/4 jobs delivered"},
		{Progress{}, ""},
	}
	for _, c := range cases {
		if got := Bar(c.p, 4); got != c.want {
			t.Errorf("Bar(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
}
