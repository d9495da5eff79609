package bot

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	ackLatency prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "discordsend_interaction_ack_seconds",
			Help:    "Time from receiving an interaction to acknowledging it.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	if reg == nil {
		return m, nil
	}
	if err := reg.Register(m.ackLatency); err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	return m, nil
}
