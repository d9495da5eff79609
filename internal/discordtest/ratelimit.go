package discordtest

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limit is a bucket: Requests per window Per.
type Limit struct {
	Requests int
	Per      time.Duration
}

// RateLimits configure the buckets. Zero limits take the defaults below,
// which follow Discord's observed values.
type RateLimits struct {
	// Disabled drops rate limiting and its headers (disgo then never waits).
	Disabled bool
	// Global caps all bot-token requests: default 50 per second. Interaction
	// callbacks, webhook routes and GET /gateway need no token and are
	// exempt, as on Discord.
	Global Limit
	// Messages is per channel for creating, editing and deleting messages
	// (each its own bucket): default 5 per 5 s.
	Messages Limit
	// Webhooks is per interaction token for @original, followups and their
	// edits: default 5 per 2 s.
	Webhooks Limit
	// Default is per route and major parameter for everything else:
	// default 50 per second.
	Default Limit
}

func (r RateLimits) withDefaults() RateLimits {
	def := func(l *Limit, n int, per time.Duration) {
		if l.Requests <= 0 || l.Per <= 0 {
			*l = Limit{Requests: n, Per: per}
		}
	}
	def(&r.Global, 50, time.Second)
	def(&r.Messages, 5, 5*time.Second)
	def(&r.Webhooks, 5, 2*time.Second)
	def(&r.Default, 50, time.Second)
	return r
}

// bucketGroup says which limit a route uses.
type bucketGroup int

const (
	groupDefault bucketGroup = iota
	groupMessages
	groupWebhooks
	groupCallback
)

func (r RateLimits) limit(g bucketGroup) Limit {
	switch g {
	case groupMessages:
		return r.Messages
	case groupWebhooks:
		return r.Webhooks
	case groupCallback:
		// one callback per interaction; the bucket only produces headers
		return Limit{Requests: 10, Per: time.Second}
	}
	return r.Default
}

// limiter keeps fixed-window buckets. It runs on the wall clock even when
// the Server's clock is faked, because the client waits on the wall clock.
type limiter struct {
	now func() time.Time

	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

// quota is a bucket's state after a request, for the headers.
type quota struct {
	bucket     string
	limit      int
	remaining  int
	resetAfter time.Duration
	at         time.Time
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, windows: map[string]*window{}}
}

// take spends one request of bucket key; ok is false when it is exhausted.
func (l *limiter) take(key string, lim Limit) (q quota, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.windows) > maxWindows {
		l.sweep(now)
	}
	w := l.windows[key]
	if w == nil || !now.Before(w.start.Add(lim.Per)) {
		w = &window{start: now}
		l.windows[key] = w
	}
	q = quota{limit: lim.Requests, resetAfter: w.start.Add(lim.Per).Sub(now), at: now}
	if w.count >= lim.Requests {
		return q, false
	}
	w.count++
	q.remaining = lim.Requests - w.count
	return q, true
}

// maxWindows bounds the buckets kept before expired ones are dropped, for
// long sandbox runs with many channels and tokens.
const maxWindows = 4096

func (l *limiter) sweep(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) > time.Hour {
			delete(l.windows, k)
		}
	}
}

// bucketHash is an opaque per-route bucket id like Discord's.
func bucketHash(route string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(route))
	return hex.EncodeToString(h.Sum(nil))
}

// set writes the X-RateLimit-* headers.
func (q quota) set(h http.Header) {
	h.Set("X-RateLimit-Bucket", q.bucket)
	h.Set("X-RateLimit-Limit", strconv.Itoa(q.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(q.remaining))
	reset := q.at.Add(q.resetAfter)
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(reset.UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", q.resetAfter.Seconds()))
}

// tooMany is a 429: the headers Discord sends (Retry-After in whole
// seconds, rounded up; Via on per-route limits, which disgo uses to tell
// them from Cloudflare's) and its body.
func tooMany(q quota, retryAfter time.Duration, global bool) (http.Header, obj) {
	h := http.Header{}
	q.remaining = 0
	q.resetAfter = retryAfter
	q.set(h)
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
	h.Set("Via", "1.1 google")
	if global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		h.Set("X-RateLimit-Scope", "user")
	}
	body := obj{"message": "You are being rate limited.", "retry_after": math.Round(retryAfter.Seconds()*1000) / 1000, "global": global, "code": 0}
	return h, body
}
