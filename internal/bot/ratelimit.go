package bot

import (
	"context"
	"net/http"
	"sync"

	"github.com/disgoorg/disgo/rest"
)

// bucketLocks is disgo's REST rate limiter with a lock of ours per bucket,
// taken before disgo's Wait and released after its Unlock, as disgo holds
// its own bucket lock from one to the other.
//
// disgo v0.19.6's Wait reads a bucket's fields (for a debug line, whatever
// the log level) before it takes the bucket's lock, while the request that
// holds the lock writes them in Unlock: a data race whenever two requests
// share a bucket, such as the status messages of two jobs in one channel,
// which `go test -race` reports. With our lock taken first no other request
// is in the bucket when disgo reads them. Which request goes when, and how
// long each waits, stays disgo's. (A global 429, which Discord sends past 50
// requests a second, still makes disgo write its global reset unguarded.)
type bucketLocks struct {
	rest.RateLimiter

	mu    sync.Mutex
	locks map[string]*bucketLock
}

type bucketLock struct {
	held  chan struct{} // holds a value while a request is in the bucket
	users int           // requests holding or waiting for it, under bucketLocks.mu
}

func newBucketLocks(inner rest.RateLimiter) *bucketLocks {
	return &bucketLocks{RateLimiter: inner, locks: map[string]*bucketLock{}}
}

// bucketKey names a bucket as disgo does: method, route and major parameters.
func bucketKey(e *rest.CompiledEndpoint) string {
	return e.Endpoint.Method + "+" + e.Endpoint.Route + "+" + e.MajorParams
}

// Wait takes the bucket's lock, then waits in disgo's rate limiter.
func (l *bucketLocks) Wait(ctx context.Context, e *rest.CompiledEndpoint) error {
	key := bucketKey(e)
	l.mu.Lock()
	bl := l.locks[key]
	if bl == nil {
		bl = &bucketLock{held: make(chan struct{}, 1)}
		l.locks[key] = bl
	}
	bl.users++
	l.mu.Unlock()
	select {
	case bl.held <- struct{}{}:
	case <-ctx.Done():
		l.leave(key, bl, false)
		return ctx.Err()
	}
	if err := l.RateLimiter.Wait(ctx, e); err != nil {
		l.leave(key, bl, true)
		return err
	}
	return nil
}

// Unlock lets disgo read the response, then releases the bucket's lock.
func (l *bucketLocks) Unlock(e *rest.CompiledEndpoint, rs *http.Response) error {
	err := l.RateLimiter.Unlock(e, rs)
	key := bucketKey(e)
	l.mu.Lock()
	bl := l.locks[key]
	l.mu.Unlock()
	if bl != nil {
		l.leave(key, bl, true)
	}
	return err
}

// leave gives up a request's place in the bucket (held: its lock too) and
// forgets the bucket when no request is left in it: one bucket per
// interaction token would otherwise pile up.
func (l *bucketLocks) leave(key string, bl *bucketLock, held bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if held {
		select {
		case <-bl.held:
		default:
			return // not held: Unlock without a Wait, nothing to give back
		}
	}
	bl.users--
	if bl.users == 0 {
		delete(l.locks, key)
	}
}
