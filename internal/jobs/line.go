package jobs

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// line is the bot's queue in memory: the queued jobs and when each user
// was last served, mirrored from the store by every change the Manager
// makes. The dispatcher and the positions read it, so a dispatch costs no
// database reads; the store stays the record, and the line is loaded from
// it when the Manager starts.
type line struct {
	mu     sync.Mutex
	jobs   []model.Job // oldest first, as the store lists them
	served map[string]time.Time
}

func newLine() *line {
	return &line{served: map[string]time.Time{}}
}

func byQueued(a, b model.Job) int {
	return cmp.Or(a.QueuedAt.Compare(b.QueuedAt), cmp.Compare(a.ID, b.ID))
}

// load adds what the store holds. It merges rather than replaces: a job
// submitted while the store was read is in line already.
func (l *line) load(queued []model.Job, served map[string]time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, j := range queued {
		if l.indexLocked(j.ID) < 0 {
			l.insertLocked(j)
		}
	}
	for u, t := range served {
		if t.After(l.served[u]) {
			l.served[u] = t
		}
	}
}

// add puts a queued job in line (again); its queued_at keeps its place.
func (l *line) add(j model.Job) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := l.indexLocked(j.ID); i >= 0 {
		l.jobs[i] = j
		return
	}
	l.insertLocked(j)
}

// update replaces the copy of a job that is still in line.
func (l *line) update(j model.Job) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := l.indexLocked(j.ID); i >= 0 {
		l.jobs[i] = j
	}
}

func (l *line) remove(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.removeLocked(id)
}

// submitted takes a job that went to a backend out of line and records
// its user as served then.
func (l *line) submitted(j model.Job) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.removeLocked(j.ID)
	if j.SubmittedAt.After(l.served[j.UserID]) {
		l.served[j.UserID] = j.SubmittedAt
	}
}

// setServed replaces the last-served times, after a re-queue cleared one.
func (l *line) setServed(served map[string]time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.served = served
}

// order is the queued jobs in the order the dispatcher takes them.
func (l *line) order() []model.Job {
	l.mu.Lock()
	defer l.mu.Unlock()
	return FairOrder(l.jobs, l.served)
}

// lastServed is a copy of when each user was last served.
func (l *line) lastServed() map[string]time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.served)
}

// indexLocked finds a job by id; the line is short enough to scan.
func (l *line) indexLocked(id int64) int {
	return slices.IndexFunc(l.jobs, func(j model.Job) bool { return j.ID == id })
}

func (l *line) insertLocked(j model.Job) {
	at, _ := slices.BinarySearchFunc(l.jobs, j, byQueued)
	l.jobs = slices.Insert(l.jobs, at, j)
}

func (l *line) removeLocked(id int64) {
	if i := l.indexLocked(id); i >= 0 {
		l.jobs = slices.Delete(l.jobs, i, i+1)
	}
}
