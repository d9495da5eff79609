package bot

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	ackLatency  prometheus.Histogram
	statusEdits prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "discordsend_interaction_ack_seconds",
			Help:    "Time from receiving an interaction to acknowledging it.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		statusEdits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "discordsend_status_edits_total",
			Help: "Edits of job status messages sent to Discord.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.ackLatency, m.statusEdits} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}
