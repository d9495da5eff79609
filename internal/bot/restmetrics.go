package bot

import (
	"net/http"

	"github.com/disgoorg/disgo/rest"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/metrics"
)

// answerObserver is a rate limiter that tells the metrics every answer
// Discord gives: disgo hands each response to Unlock, before it retries a
// 429, so the counts include the 429s the caller never sees. A request
// that got no answer is unlocked with no response.
type answerObserver struct {
	rest.RateLimiter
	m *metrics.Metrics
}

func observeAnswers(l rest.RateLimiter, m *metrics.Metrics) rest.RateLimiter {
	return &answerObserver{RateLimiter: l, m: m}
}

func (o *answerObserver) Unlock(e *rest.CompiledEndpoint, rs *http.Response) error {
	status := 0
	if rs != nil {
		status = rs.StatusCode
	}
	o.m.DiscordAnswered(e.Endpoint.Method+" "+e.Endpoint.Route, status)
	return o.RateLimiter.Unlock(e, rs)
}
