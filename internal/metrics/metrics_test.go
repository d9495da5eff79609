package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestDiscordAnsweredCountsFailuresByRouteAndStatus(t *testing.T) {
	const route = "POST /channels/{channel.id}/messages"
	tests := []struct {
		name        string
		status      int
		wantErrors  map[string]float64 // by status label
		wantLimited float64
	}{
		{name: "ok", status: 200, wantErrors: map[string]float64{}},
		{name: "no content", status: 204, wantErrors: map[string]float64{}},
		{name: "forbidden", status: 403, wantErrors: map[string]float64{"403": 1}},
		{name: "rate limited", status: 429, wantErrors: map[string]float64{"429": 1}, wantLimited: 1},
		{name: "server error", status: 502, wantErrors: map[string]float64{"502": 1}},
		{name: "no answer", status: 0, wantErrors: map[string]float64{"network": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			m.DiscordAnswered(route, tt.status)
			if got := testutil.CollectAndCount(m.restErrors); got != len(tt.wantErrors) {
				t.Errorf("%d error series, want %d", got, len(tt.wantErrors))
			}
			for status, want := range tt.wantErrors {
				if got := testutil.ToFloat64(m.restErrors.WithLabelValues(route, status)); got != want {
					t.Errorf("errors{status=%s} = %v, want %v", status, got, want)
				}
			}
			if got := testutil.ToFloat64(m.restLimited.WithLabelValues(route)); got != tt.wantLimited {
				t.Errorf("rate limited = %v, want %v", got, tt.wantLimited)
			}
		})
	}
}

func TestEveryDeliveryKindIsExportedFromTheStart(t *testing.T) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.CollectAndCount(m.deliveries); got != 3 {
		t.Fatalf("%d delivery series before any delivery, want 3 (channel, dm, fallback)", got)
	}
	m.Delivered(DeliveredFallback)
	if got := testutil.ToFloat64(m.deliveries.WithLabelValues(DeliveredFallback)); got != 1 {
		t.Fatalf("fallback deliveries = %v, want 1", got)
	}
}

func TestNewRefusesARegistryThatHasThemAlready(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := New(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := New(reg); err == nil {
		t.Fatal("a second New on one registry succeeded; its counters would never be scraped")
	}
}
