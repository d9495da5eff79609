package bot

import (
	"context"
	"sync"
	"time"
)

// coalescer sends the newest of a stream of values at most once per
// interval: values pushed while it waits replace each other, so a status
// message shows the latest state without exceeding Discord's edit budget.
// Values pushed with Refresh only update details (a queue position) and
// may wait for the longer slow interval, unless a Push comes meanwhile.
// After a final value is sent, nothing else is.
type coalescer[T any] struct {
	interval time.Duration
	slow     time.Duration
	send     func(ctx context.Context, v T) error
	kick     chan struct{}
	done     chan struct{}

	mu      sync.Mutex
	latest  T
	pending bool
	minor   bool // every value pending since the last send came from Refresh
	final   bool // a final value was pushed; the loop ends after sending it
}

func newCoalescer[T any](interval, slow time.Duration, send func(context.Context, T) error) *coalescer[T] {
	return &coalescer[T]{interval: interval, slow: max(slow, interval), send: send,
		kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// Push offers a value; final marks the last one. Pushes after a final one
// are dropped. Push never blocks.
func (c *coalescer[T]) Push(v T, final bool) { c.offer(v, final, false) }

// Refresh offers a value that changes only details, for the slow interval.
func (c *coalescer[T]) Refresh(v T) { c.offer(v, false, true) }

func (c *coalescer[T]) offer(v T, final, minor bool) {
	c.mu.Lock()
	if c.final {
		c.mu.Unlock()
		return
	}
	c.minor = minor && (c.minor || !c.pending)
	c.latest, c.pending, c.final = v, true, final
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Done is closed when the final value was sent or the loop stopped.
func (c *coalescer[T]) Done() <-chan struct{} { return c.done }

// Run sends values until the final one is sent or ctx ends.
func (c *coalescer[T]) Run(ctx context.Context) {
	defer close(c.done)
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		}
		if !c.wait(ctx, last) {
			return
		}
		c.mu.Lock()
		v, ok, final := c.latest, c.pending, c.final
		c.pending, c.minor = false, false
		c.mu.Unlock()
		if !ok {
			continue
		}
		// A failed edit is not retried here: the next push carries a newer
		// state anyway, and the final state is re-sent by its owner.
		_ = c.send(ctx, v)
		// The interval counts from when the send returned: a send that
		// waited for its rate-limit bucket reaches Discord late, and the
		// next one must still arrive an interval after it.
		last = time.Now()
		if final {
			return
		}
	}
}

// wait sleeps until the pending value may go out: an interval after the
// last send, or the slow interval while only refreshes are pending. A push
// during the wait is looked at again. It reports false when ctx ended.
func (c *coalescer[T]) wait(ctx context.Context, last time.Time) bool {
	if last.IsZero() {
		return true
	}
	for {
		c.mu.Lock()
		gap := c.interval
		if c.minor {
			gap = c.slow
		}
		c.mu.Unlock()
		wait := gap - time.Since(last)
		if wait <= 0 {
			return true
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
			return true
		case <-c.kick:
			t.Stop()
		}
	}
}
