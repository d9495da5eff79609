package sandbox_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// An operator's view of a sandbox run: after jobs delivered to a channel,
// to DMs and, with DMs closed, to the channel instead, one held while
// ComfyUI was down, and 429s from Discord, /metrics tells each of them; and
// /healthz is 503 while there is no backend or no gateway.
func TestMetricsAndHealthAfterASandboxRun(t *testing.T) {
	r := start(t)
	play := func(script string) {
		t.Helper()
		if _, err := r.play(script); err != nil {
			t.Fatal(err)
		}
	}
	play(`
user alice roles=generator
user bob roles=generator dm=closed
comfy jobtime=1s images=1 size=512x512
discord 429 2
alice: /generate prompt:"a red fox"
alice: /generate prompt:"a fox for my DMs" delivery:dm
bob: /generate prompt:"a fox for closed DMs" delivery:dm
wait idle
comfy down
alice: /generate prompt:"a fox that waits"
`)
	base, err := r.sess.OperatorURL()
	if err != nil {
		t.Fatal(err)
	}
	healthIs(t, base, http.StatusServiceUnavailable, "backend")
	m := scrape(t, base)
	m.want(t, "discordsend_jobs", `state="completed"`, eq(3))
	m.want(t, "discordsend_jobs", `state="queued"`, eq(1))
	m.want(t, "discordsend_queue_depth", `guild_id="`, eq(1))
	m.want(t, "discordsend_backend_up", "", eq(0))

	play(`
comfy up
wait idle
`)
	m = scrape(t, base)
	m.want(t, "discordsend_active", "", eq(1))
	m.want(t, "discordsend_gateway_connected", "", eq(1))
	m.want(t, "discordsend_jobs", `state="completed"`, eq(4))
	m.want(t, "discordsend_jobs", `state="queued"`, eq(0))
	m.want(t, "discordsend_backend_up", "", eq(1))
	m.want(t, "discordsend_backend_in_flight", "", eq(0))
	m.want(t, "discordsend_backend_job_seconds_count", "backend=", eq(4))
	// Each job ran its second in the fake ComfyUI.
	m.want(t, "discordsend_backend_job_seconds_sum", "backend=", atLeast(3))
	m.want(t, "discordsend_job_wait_seconds_count", "", eq(4))
	m.want(t, "discordsend_job_delivery_seconds_count", "", eq(4))
	m.want(t, "discordsend_deliveries_total", `kind="channel"`, eq(2))
	m.want(t, "discordsend_deliveries_total", `kind="dm"`, eq(1))
	m.want(t, "discordsend_deliveries_total", `kind="fallback"`, eq(1))
	m.want(t, "discordsend_discord_rest_rate_limited_total", `route="POST /channels/{channel.id}/messages"`, atLeast(1))
	m.want(t, "discordsend_discord_rest_errors_total", `route="POST /channels/{channel.id}/messages",status="429"`, atLeast(1))
	// bob's closed DMs: Discord refuses the post with 403.
	m.want(t, "discordsend_discord_rest_errors_total", `route="POST /channels/{channel.id}/messages",status="403"`, atLeast(1))
	m.want(t, "discordsend_interaction_ack_seconds_count", "", atLeast(4))
	m.want(t, "discordsend_status_edits_total", "", atLeast(1))
	healthIs(t, base, http.StatusOK, "gateway: connected")

	play("discord down")
	healthIs(t, base, http.StatusServiceUnavailable, "gateway: disconnected")
	scrape(t, base).want(t, "discordsend_gateway_connected", "", eq(0))
	play("discord up")
	healthIs(t, base, http.StatusOK, "gateway: connected")
}

// healthIs waits until /healthz answers code with a body holding text:
// the bot's view of the gateway and backends follows theirs within
// seconds (disgo retries the gateway after at most 10 s).
func healthIs(t *testing.T, base string, code int, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	var last string
	for {
		got, body := get(t, base+"/healthz")
		if got == code && strings.Contains(body, text) {
			return
		}
		last = body
		select {
		case <-ctx.Done():
			t.Fatalf("/healthz never answered %d with %q; last:\n%s", code, text, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	rs, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Body.Close()
	body, err := io.ReadAll(rs.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rs.StatusCode, string(body)
}

// samples are the scraped series, by name, as "labels" → value.
type samples map[string]map[string]float64

func scrape(t *testing.T, base string) samples {
	t.Helper()
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	out := samples{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			labels := labelText(m)
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM:
				add(out, name+"_count", labels, float64(m.GetHistogram().GetSampleCount()))
				add(out, name+"_sum", labels, m.GetHistogram().GetSampleSum())
			case dto.MetricType_COUNTER:
				add(out, name, labels, m.GetCounter().GetValue())
			default:
				add(out, name, labels, m.GetGauge().GetValue()+m.GetUntyped().GetValue())
			}
		}
	}
	return out
}

func labelText(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+`="`+l.GetValue()+`"`)
	}
	return strings.Join(parts, ",")
}

func add(s samples, name, labels string, v float64) {
	if s[name] == nil {
		s[name] = map[string]float64{}
	}
	s[name][labels] = v
}

// want checks the sum of name's series whose labels hold match; there must
// be at least one.
func (s samples) want(t *testing.T, name, match string, ok func(float64) bool) {
	t.Helper()
	sum, n := 0.0, 0
	for labels, v := range s[name] {
		if strings.Contains(labels, match) {
			sum += v
			n++
		}
	}
	if n == 0 {
		t.Errorf("%s{%s}: no such series; %s has %v", name, match, name, s[name])
		return
	}
	if !ok(sum) {
		t.Errorf("%s{%s} = %v, not as expected; %s has %v", name, match, sum, name, s[name])
	}
}

func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }

func atLeast(min float64) func(float64) bool { return func(v float64) bool { return v >= min } }
