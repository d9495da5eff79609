package bot

import (
	"context"
	"sync"
	"time"
)

// coalescer sends the newest of a stream of values at most once per
// interval: values pushed while it waits replace each other, so a status
// message shows the latest state without exceeding Discord's edit budget.
// After a final value is sent, nothing else is.
type coalescer[T any] struct {
	interval time.Duration
	send     func(ctx context.Context, v T) error
	kick     chan struct{}
	done     chan struct{}

	mu      sync.Mutex
	latest  T
	pending bool
	final   bool // a final value was pushed; the loop ends after sending it
}

func newCoalescer[T any](interval time.Duration, send func(context.Context, T) error) *coalescer[T] {
	return &coalescer[T]{interval: interval, send: send, kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// Push offers a value; final marks the last one. Pushes after a final one
// are dropped. Push never blocks.
func (c *coalescer[T]) Push(v T, final bool) {
	c.mu.Lock()
	if c.final {
		c.mu.Unlock()
		return
	}
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
		if !last.IsZero() {
			if wait := c.interval - time.Since(last); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}
		c.mu.Lock()
		v, ok, final := c.latest, c.pending, c.final
		c.pending = false
		c.mu.Unlock()
		if !ok {
			continue
		}
		last = time.Now()
		// A failed edit is not retried here: the next push carries a newer
		// state anyway, and the final state is re-sent by its owner.
		_ = c.send(ctx, v)
		if final {
			return
		}
	}
}
