package jobs

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// queue builds queued jobs from "user:count" specs, ids in arrival order.
func queue(specs ...string) []model.Job {
	var out []model.Job
	id := int64(0)
	for _, s := range specs {
		var user string
		var n int
		fmt.Sscanf(strings.Replace(s, ":", " ", 1), "%s %d", &user, &n)
		for range n {
			id++
			out = append(out, model.Job{ID: id, UserID: user})
		}
	}
	return out
}

func order(jobs []model.Job) string {
	var b strings.Builder
	count := map[string]int{}
	for _, j := range jobs {
		count[j.UserID]++
		fmt.Fprintf(&b, "%s%d ", j.UserID, count[j.UserID])
	}
	return strings.TrimSpace(b.String())
}

func TestFairOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		queued []model.Job
		served map[string]time.Time
		want   string
	}{
		{"empty", nil, nil, ""},
		{"one user keeps order", queue("a:3"), nil, "a1 a2 a3"},
		{"burst does not starve", queue("a:4", "b:2", "c:1"), nil, "a1 b1 c1 a2 b2 a3 a4"},
		{"least recently served first", queue("a:2", "b:2"), map[string]time.Time{"a": t0.Add(time.Minute), "b": t0}, "b1 a1 b2 a2"},
		{"never served beats served", queue("a:2", "b:1"), map[string]time.Time{"a": t0}, "b1 a1 a2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := order(FairOrder(c.queued, c.served)); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

// The fairness scenario: A queues 10 and has been served (its first
// two jobs went to the backend); then B and C queue 2 each. B's and C's
// first jobs must come before A's third.
func TestFairnessScenario(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := queue("a:10")[2:] // a1 and a2 already dispatched
	var queued []model.Job
	queued = append(queued, a...)
	for i, u := range []string{"b", "b", "c", "c"} {
		queued = append(queued, model.Job{ID: int64(11 + i), UserID: u})
	}
	got := FairOrder(queued, map[string]time.Time{"a": t0})
	pos := Positions(got)
	if !(pos[11] < pos[3] && pos[13] < pos[3]) {
		t.Fatalf("B1 (%d) and C1 (%d) must precede A3 (%d): %v", pos[11], pos[13], pos[3], order(got))
	}
}

func TestJainIndex(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{[]float64{5, 5, 5}, 1},
		{[]float64{1, 0, 0, 0}, 0.25},
		{[]float64{0, 0}, 1},
	}
	for _, c := range cases {
		if got := JainIndex(c.in); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("JainIndex(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func BenchmarkFairOrder(b *testing.B) {
	var specs []string
	for u := range 50 {
		specs = append(specs, fmt.Sprintf("u%d:%d", u, 10))
	}
	queued := queue(specs...)
	served := map[string]time.Time{}
	for u := range 50 {
		served[fmt.Sprintf("u%d", u)] = time.Unix(int64(u*7%13), 0)
	}
	b.ReportAllocs()
	for b.Loop() {
		FairOrder(queued, served)
	}
}
