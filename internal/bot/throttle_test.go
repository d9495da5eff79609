package bot

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type sent struct {
	at time.Time
	v  int
}

func TestCoalescerRateAndFinal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var got []sent
		c := newCoalescer(2*time.Second, 2*time.Second, func(_ context.Context, v int) error {
			mu.Lock()
			got = append(got, sent{time.Now(), v})
			mu.Unlock()
			return nil
		})
		go c.Run(t.Context())
		start := time.Now()
		// 10 s of updates every 100 ms, then a final state.
		for i := 1; i <= 100; i++ {
			c.Push(i, false)
			time.Sleep(100 * time.Millisecond)
		}
		c.Push(1000, true)
		c.Push(2000, false) // after final: dropped
		<-c.Done()
		synctest.Wait()

		if got[0].v != 1 || !got[0].at.Equal(start) {
			t.Fatalf("first value goes out at once: %+v", got[0])
		}
		for i := 1; i < len(got); i++ {
			if gap := got[i].at.Sub(got[i-1].at); gap < 2*time.Second {
				t.Fatalf("edits %d and %d only %v apart", i-1, i, gap)
			}
		}
		if last := got[len(got)-1]; last.v != 1000 {
			t.Fatalf("the final value must be sent last, got %d", last.v)
		}
		if len(got) > 7 {
			t.Fatalf("10 s at one edit per 2 s allows about 6 edits, got %d", len(got))
		}
	})
}

func TestCoalescerStopsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		calls := 0
		c := newCoalescer(time.Second, time.Second, func(context.Context, string) error { calls++; return nil })
		go c.Run(ctx)
		c.Push("a", false)
		synctest.Wait()
		c.Push("b", false) // waits for the interval
		cancel()
		<-c.Done()
		if calls != 1 {
			t.Fatalf("want 1 send before cancel, got %d", calls)
		}
	})
}

func TestCoalescerRefreshWaitsTheSlowInterval(t *testing.T) {
	cases := []struct {
		name   string
		pushes func(c *coalescer[string])
		want   []sent2
	}{
		{
			name: "refreshes alone wait the slow interval",
			pushes: func(c *coalescer[string]) {
				c.Push("queued", false)
				time.Sleep(time.Second)
				c.Refresh("#3")
				time.Sleep(time.Second)
				c.Refresh("#2")
			},
			want: []sent2{{0, "queued"}, {10 * time.Second, "#2"}},
		},
		{
			name: "a push during the wait goes out after the interval",
			pushes: func(c *coalescer[string]) {
				c.Push("queued", false)
				time.Sleep(time.Second)
				c.Refresh("#2")
				time.Sleep(time.Second)
				c.Push("running", false)
				time.Sleep(time.Second)
				c.Refresh("#1")
			},
			want: []sent2{{0, "queued"}, {2 * time.Second, "running"}, {12 * time.Second, "#1"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var mu sync.Mutex
				var got []sent2
				c := newCoalescer(2*time.Second, 10*time.Second, func(_ context.Context, v string) error {
					mu.Lock()
					got = append(got, sent2{time.Since(start), v})
					mu.Unlock()
					return nil
				})
				ctx, cancel := context.WithCancel(t.Context())
				go c.Run(ctx)
				tc.pushes(c)
				time.Sleep(20 * time.Second)
				cancel()
				<-c.Done()
				mu.Lock()
				defer mu.Unlock()
				if !slices.Equal(got, tc.want) {
					t.Fatalf("sent %v, want %v", got, tc.want)
				}
			})
		})
	}
}

type sent2 struct {
	after time.Duration
	v     string
}
