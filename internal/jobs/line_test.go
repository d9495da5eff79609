package jobs

import (
	"slices"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func lineJob(id int64, user string, queuedMS int) model.Job {
	return model.Job{ID: id, UserID: user, Status: model.StatusQueued, QueuedAt: time.UnixMilli(int64(queuedMS))}
}

func ids(jobs []model.Job) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func TestLineKeepsTheStoresOrderAndTheFairOne(t *testing.T) {
	cases := []struct {
		name string
		do   func(l *line)
		want []int64
	}{
		{
			name: "round robin over users, oldest first",
			do: func(l *line) {
				l.add(lineJob(3, "b", 30))
				l.add(lineJob(1, "a", 10))
				l.add(lineJob(2, "a", 20))
			},
			want: []int64{1, 3, 2},
		},
		{
			name: "a served user goes after the others",
			do: func(l *line) {
				l.add(lineJob(1, "a", 10))
				l.add(lineJob(2, "a", 20))
				l.add(lineJob(3, "b", 30))
				l.submitted(model.Job{ID: 1, UserID: "a", SubmittedAt: time.UnixMilli(40)})
			},
			want: []int64{3, 2},
		},
		{
			name: "a re-queued job keeps its place",
			do: func(l *line) {
				l.add(lineJob(2, "a", 20))
				l.add(lineJob(1, "a", 10))
				l.remove(1)
				l.add(lineJob(1, "a", 10))
			},
			want: []int64{1, 2},
		},
		{
			name: "adding twice keeps one copy",
			do: func(l *line) {
				l.add(lineJob(1, "a", 10))
				l.add(lineJob(1, "a", 10))
			},
			want: []int64{1},
		},
		{
			name: "load merges with jobs already in line",
			do: func(l *line) {
				l.add(lineJob(5, "c", 50))
				l.load([]model.Job{lineJob(5, "c", 50), lineJob(4, "d", 40)}, map[string]time.Time{"d": time.UnixMilli(1)})
			},
			want: []int64{5, 4}, // c was never served, d was
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLine()
			c.do(l)
			if got := ids(l.order()); !slices.Equal(got, c.want) {
				t.Fatalf("order %v, want %v", got, c.want)
			}
		})
	}
}

func TestLineUpdateAndServedTimes(t *testing.T) {
	l := newLine()
	l.add(lineJob(1, "a", 10))
	withMessage := lineJob(1, "a", 10)
	withMessage.StatusMessageID = "900"
	l.update(withMessage)
	l.update(lineJob(2, "b", 20)) // not in line: stays out
	if got := l.order(); len(got) != 1 || got[0].StatusMessageID != "900" {
		t.Fatalf("line = %+v, want job 1 with its status message", got)
	}
	l.submitted(model.Job{ID: 1, UserID: "a", SubmittedAt: time.UnixMilli(50)})
	l.submitted(model.Job{ID: 7, UserID: "a", SubmittedAt: time.UnixMilli(40)}) // older: kept the newer
	if got := l.lastServed()["a"]; !got.Equal(time.UnixMilli(50)) {
		t.Fatalf("a last served %v, want 50 ms", got)
	}
	l.setServed(map[string]time.Time{})
	if got := l.lastServed(); len(got) != 0 {
		t.Fatalf("served after reset = %v", got)
	}
}
