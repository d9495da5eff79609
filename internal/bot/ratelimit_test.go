package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
)

// Requests that share a bucket go one at a time, as disgo sends them, and
// without the data race disgo v0.19.6's limiter alone has there (run
// under -race, this test fails with rest.NewRateLimiter in place of
// newBucketLocks); a request in another bucket does not wait for them, one
// whose context ends while it waits gives up, and no lock is kept once
// its bucket is idle.
func TestBucketLocks(t *testing.T) {
	const held = "/channels/100"
	var (
		mu       sync.Mutex
		inFlight = map[string]int{}
		most     = map[string]int{}
	)
	entered, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight[r.URL.Path]++
		most[r.URL.Path] = max(most[r.URL.Path], inFlight[r.URL.Path])
		mu.Unlock()
		defer func() {
			mu.Lock()
			inFlight[r.URL.Path]--
			mu.Unlock()
		}()
		if r.URL.Path == held {
			entered <- struct{}{}
			<-release
		}
		w.Header().Set("X-RateLimit-Bucket", "bucket"+r.URL.Path)
		w.Header().Set("X-RateLimit-Limit", "1000")
		w.Header().Set("X-RateLimit-Remaining", "999")
		w.Header().Set("X-RateLimit-Reset-After", "1")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	defer srv.Close()
	limiter := newBucketLocks(rest.NewRateLimiter(rest.WithRateLimiterLogger(slog.New(slog.DiscardHandler))))
	client := rest.NewClient("token", rest.WithURL(srv.URL), rest.WithRateLimiter(limiter), rest.WithLogger(slog.New(slog.DiscardHandler)))
	get := func(ctx context.Context, channel snowflake.ID) error {
		return client.Do(rest.GetChannel.Compile(nil, channel), nil, nil, rest.WithCtx(ctx))
	}
	idle := func() {
		t.Helper()
		limiter.mu.Lock()
		defer limiter.mu.Unlock()
		if len(limiter.locks) != 0 {
			t.Errorf("%d bucket locks kept with no request in flight", len(limiter.locks))
		}
	}

	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			for range 5 {
				if err := get(t.Context(), snowflake.ID(1+i%4)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for path, n := range most {
		if n != 1 {
			t.Errorf("%d requests were in bucket %s at once, want one at a time", n, path)
		}
	}
	idle()

	first := make(chan error, 1)
	go func() { first <- get(t.Context(), 100) }()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never reached the server")
	}
	if err := get(t.Context(), 200); err != nil {
		t.Errorf("a request in another bucket, while one is held: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := get(ctx, 100); !errors.Is(err, context.Canceled) {
		t.Errorf("a request whose context ended while its bucket was busy: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("the held request: %v", err)
	}
	idle()
}
