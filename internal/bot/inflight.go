package bot

import (
	"context"
	"sync"
)

// inflight counts the work that uses the Discord client (handlers, status
// editors) so Close can wait for it: disgo's REST client must not be closed
// under a request, or the request's rate-limit bookkeeping blocks forever.
type inflight struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// enter registers one piece of work; false means the bot is closing.
func (f *inflight) enter() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.wg.Add(1)
	return true
}

func (f *inflight) leave() { f.wg.Done() }

// close refuses new work and waits for the work in progress, or for ctx.
func (f *inflight) close(ctx context.Context) {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	done := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
