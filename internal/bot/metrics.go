package bot

import (
	"errors"
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
	var err error
	if m.ackLatency, err = register(reg, m.ackLatency); err != nil {
		return nil, err
	}
	if m.statusEdits, err = register(reg, m.statusEdits); err != nil {
		return nil, err
	}
	return m, nil
}

// register adds c to reg, or returns the collector registered before in its
// place: a process that becomes active again builds a new Bot on the same
// registry, and its counters go on.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if prev, ok := are.ExistingCollector.(C); ok {
			return prev, nil
		}
	}
	if err != nil {
		return c, fmt.Errorf("register metrics: %w", err)
	}
	return c, nil
}
