package comfy

import (
	"context"
	"errors"
	"sync"
)

// Status is how a tracked prompt ended.
type Status string

const (
	StatusSuccess     Status = "success"
	StatusError       Status = "error"       // a node raised; see Outcome.Error
	StatusInterrupted Status = "interrupted" // see Outcome.Interrupted
	StatusLost        Status = "lost"        // in neither queue nor history: ComfyUI restarted
)

// Outcome is the end of a tracked prompt.
type Outcome struct {
	PromptID    string
	Status      Status
	Files       []File // every node's files, "output" (results) and "temp" (previews), from /history
	Texts       []Text // every node's "text" output, from /history
	Error       *ExecutionError
	Interrupted *ExecutionInterrupted
	History     *HistoryEntry // nil when lost or when history could not be read
	// Err is set when the prompt finished but its history could not be read; Status then
	// comes from the WebSocket and Files and Texts are empty.
	Err error
}

// ErrUntracked is returned by Tracker.Wait after Untrack.
var ErrUntracked = errors.New("comfy: prompt is no longer tracked")

// trackerBuffer is how many events a tracker holds for a slow reader; beyond it events are
// dropped (the Outcome never is).
const trackerBuffer = 256

// Tracker follows one prompt: its events as they come and its final Outcome. Create it with
// Client.Track before Submit.
type Tracker struct {
	c      *Client
	events chan Event
	done   chan struct{}

	mu        sync.Mutex
	id        string
	submitted bool   // ComfyUI accepted it; only then can it be declared lost
	session   uint64 // the connection during which it was accepted; 0 for one recovered
	finishing bool   // the end was seen, history is being read
	closed    bool
	completed bool
	observed  Status // terminal status the WebSocket reported
	outcome   Outcome
	dropped   int
}

// Track starts following a prompt id (idempotent while it is tracked). Events for it are
// delivered from now on, so call it before Submit.
func (c *Client) Track(promptID string) *Tracker {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.trackers[promptID]; ok {
		return t
	}
	t := &Tracker{c: c, id: promptID, events: make(chan Event, trackerBuffer), done: make(chan struct{})}
	c.trackers[promptID] = t
	return t
}

// TrackSubmitted follows a prompt submitted earlier, e.g. before the bot restarted. It is
// checked against /queue and /history as soon as the WebSocket is up, so a prompt that already
// finished (or was lost) completes without waiting for events.
func (c *Client) TrackSubmitted(promptID string) *Tracker {
	t := c.Track(promptID)
	t.mu.Lock()
	t.submitted = true
	t.session = 0
	t.mu.Unlock()
	c.requestResync(1)
	return t
}

// Untrack stops following a prompt: its tracker's Events channel closes and Wait returns
// ErrUntracked. The prompt itself is not touched.
func (c *Client) Untrack(promptID string) {
	c.mu.Lock()
	t := c.trackers[promptID]
	delete(c.trackers, promptID)
	c.mu.Unlock()
	if t != nil {
		t.close()
	}
}

// Close stops this tracker like Untrack; a newer tracker of the same id is left alone.
func (t *Tracker) Close() {
	t.c.forget(t.PromptID(), t)
	t.close()
}

// PromptID is the tracked id.
func (t *Tracker) PromptID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.id
}

// Events delivers the prompt's events in order and is closed when the prompt ends or is
// untracked. It is a live feed for progress: a reader that falls behind loses events, never the
// Outcome.
func (t *Tracker) Events() <-chan Event { return t.events }

// Done is closed when the Outcome is known or the tracker is closed.
func (t *Tracker) Done() <-chan struct{} { return t.done }

// Outcome returns the result once Done is closed; ok is false while running or after Untrack.
func (t *Tracker) Outcome() (Outcome, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.outcome, t.completed
}

// Dropped counts events lost because the Events reader was too slow.
func (t *Tracker) Dropped() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}

// Wait blocks until the prompt ends, the tracker is closed (ErrUntracked) or ctx ends.
func (t *Tracker) Wait(ctx context.Context) (Outcome, error) {
	select {
	case <-t.done:
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	}
	o, ok := t.Outcome()
	if !ok {
		return Outcome{}, ErrUntracked
	}
	return o, nil
}

// handle takes an event of this prompt; it reports whether the prompt just ended, so the
// caller reads its history.
func (t *Tracker) handle(ev Event) (ended bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	switch e := ev.(type) {
	case ExecutionSuccess:
		t.observed = StatusSuccess
	case ExecutionError:
		t.observed = StatusError
	case ExecutionInterrupted:
		t.observed = StatusInterrupted
	case Executing:
		if e.Done && !t.finishing {
			t.finishing = true
			ended = true
		}
	}
	select {
	case t.events <- ev:
	default:
		t.dropped++
	}
	return ended
}

func (t *Tracker) observedStatus() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.observed
}

// complete records the outcome and closes the tracker.
func (t *Tracker) complete(o Outcome) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	o.PromptID = t.id
	t.outcome, t.completed, t.closed = o, true, true
	close(t.events)
	close(t.done)
	id := t.id
	t.mu.Unlock()
	t.c.forget(id, t)
}

func (t *Tracker) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	close(t.events)
	close(t.done)
}

// forget drops a finished tracker from the client.
func (c *Client) forget(id string, t *Tracker) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.trackers[id] == t {
		delete(c.trackers, id)
	}
}

func (c *Client) markSubmitted(promptID string) {
	c.mu.Lock()
	t, session := c.trackers[promptID], c.sessions
	c.mu.Unlock()
	if t != nil {
		t.mu.Lock()
		t.submitted, t.session = true, session
		t.mu.Unlock()
	}
}

// rekey moves a tracker to the id the server chose.
func (c *Client) rekey(from, to string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.trackers[from]
	if !ok {
		return
	}
	delete(c.trackers, from)
	c.trackers[to] = t
	t.mu.Lock()
	t.id = to
	t.mu.Unlock()
}

// resyncable lists trackers whose prompt was accepted before session before and whose end
// has not been seen.
func (c *Client) resyncable(before uint64) []*Tracker {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*Tracker
	for _, t := range c.trackers {
		t.mu.Lock()
		if t.submitted && t.session < before && !t.finishing && !t.closed {
			out = append(out, t)
		}
		t.mu.Unlock()
	}
	return out
}
