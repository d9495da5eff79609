package discordtest

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

func TestLimiterWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(time.Now)
		lim := Limit{Requests: 2, Per: 5 * time.Second}
		steps := []struct {
			name       string
			wait       time.Duration
			key        string
			ok         bool
			remaining  int
			resetAfter time.Duration
		}{
			{"first request opens the window", 0, "a", true, 1, 5 * time.Second},
			{"second spends the bucket", time.Second, "a", true, 0, 4 * time.Second},
			{"third is limited until the window ends", time.Second, "a", false, 0, 3 * time.Second},
			{"another major parameter has its own bucket", 0, "b", true, 1, 5 * time.Second},
			{"a new window starts after Per", 3 * time.Second, "a", true, 1, 5 * time.Second},
		}
		for _, st := range steps {
			time.Sleep(st.wait)
			q, ok := l.take(st.key, lim)
			if ok != st.ok || q.remaining != st.remaining || q.resetAfter != st.resetAfter || q.limit != 2 {
				t.Fatalf("%s: ok=%v remaining=%d resetAfter=%v, want %v %d %v", st.name, ok, q.remaining, q.resetAfter, st.ok, st.remaining, st.resetAfter)
			}
		}
	})
}

func TestTooManyHeaders(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		global     bool
		header     string
		scope      string
	}{
		{"fraction rounds up", 200 * time.Millisecond, false, "1", "user"},
		{"whole seconds stay", 2 * time.Second, false, "2", "user"},
		{"global", 1500 * time.Millisecond, true, "2", "global"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, body := tooMany(quota{bucket: "b", limit: 5, at: time.Unix(100, 0)}, tc.retryAfter, tc.global)
			if h.Get("Retry-After") != tc.header || h.Get("X-RateLimit-Scope") != tc.scope || h.Get("Via") == "" || h.Get("X-RateLimit-Bucket") != "b" || h.Get("X-RateLimit-Remaining") != "0" {
				t.Fatalf("headers %v", h)
			}
			if (h.Get("X-RateLimit-Global") == "true") != tc.global || body["global"] != tc.global || body["retry_after"] != tc.retryAfter.Seconds() {
				t.Fatalf("global header %q, body %v", h.Get("X-RateLimit-Global"), body)
			}
		})
	}
	q := quota{bucket: "b", limit: 5, remaining: 3, resetAfter: 1500 * time.Millisecond, at: time.Unix(100, 0)}
	h := http.Header{}
	q.set(h)
	if h.Get("X-RateLimit-Reset") != "101.500" || h.Get("X-RateLimit-Reset-After") != "1.500" || h.Get("X-RateLimit-Remaining") != "3" {
		t.Fatalf("headers %v", h)
	}
}
