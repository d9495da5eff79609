// Package metrics defines what the bot exports to Prometheus about the
// work it does: latencies, deliveries and Discord's answers. They are
// made once per process, so a process that stands by and becomes active
// again goes on counting. What the active process holds right now (jobs
// by state, backends, the gateway) is read when scraped, in package ops.
package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the counters and histograms the bot and the queue update.
// A nil *Metrics records nothing.
type Metrics struct {
	ackLatency  prometheus.Histogram
	statusEdits prometheus.Counter
	jobWait     prometheus.Histogram
	jobDelivery prometheus.Histogram
	backendRun  *prometheus.HistogramVec
	restErrors  *prometheus.CounterVec
	restLimited *prometheus.CounterVec
	deliveries  *prometheus.CounterVec
}

// Delivery kinds: where a job's outputs went.
const (
	DeliveredChannel  = "channel"
	DeliveredDM       = "dm"
	DeliveredFallback = "fallback" // asked for DMs, posted in the channel
)

// Seconds from a job being asked for to it running, or from it finishing
// to its outputs being in Discord: from a blink to a long queue.
var waitBuckets = []float64{.25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

// Seconds a job runs in ComfyUI.
var runBuckets = []float64{1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200}

// New makes the metrics and registers them with reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "discordsend_interaction_ack_seconds",
			Help:    "Time from receiving an interaction to acknowledging it.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		statusEdits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "discordsend_status_edits_total",
			Help: "Edits of job status messages sent to Discord.",
		}),
		jobWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "discordsend_job_wait_seconds",
			Help:    "Time from a job being asked for to it starting to run in ComfyUI, re-queues included.",
			Buckets: waitBuckets,
		}),
		jobDelivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "discordsend_job_delivery_seconds",
			Help:    "Time from ComfyUI finishing a job to its outputs being delivered in Discord.",
			Buckets: waitBuckets,
		}),
		backendRun: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "discordsend_backend_job_seconds",
			Help:    "Time a job ran in a ComfyUI backend, from its start to its outputs, for jobs that finished.",
			Buckets: runBuckets,
		}, []string{"backend"}),
		restErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "discordsend_discord_rest_errors_total",
			Help: "Discord REST requests that failed, by route and HTTP status (network: no answer); 429s included.",
		}, []string{"route", "status"}),
		restLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "discordsend_discord_rest_rate_limited_total",
			Help: "Discord REST answers 429 Too Many Requests, by route.",
		}, []string{"route"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "discordsend_deliveries_total",
			Help: "Jobs delivered, by where: channel, dm, or fallback (asked for DMs, posted in the channel).",
		}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{m.ackLatency, m.statusEdits, m.jobWait, m.jobDelivery,
		m.backendRun, m.restErrors, m.restLimited, m.deliveries} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	// Every kind is exported from the start, at 0, so that a rate over
	// them means something before the first delivery of each.
	for _, k := range []string{DeliveredChannel, DeliveredDM, DeliveredFallback} {
		m.deliveries.WithLabelValues(k)
	}
	return m, nil
}

// Acknowledged records how long an interaction waited for its ack.
func (m *Metrics) Acknowledged(seconds float64) {
	if m != nil {
		m.ackLatency.Observe(seconds)
	}
}

// StatusEdited counts one edit of a status message.
func (m *Metrics) StatusEdited() {
	if m != nil {
		m.statusEdits.Inc()
	}
}

// JobStarted records how long a job waited to run.
func (m *Metrics) JobStarted(seconds float64) {
	if m != nil {
		m.jobWait.Observe(seconds)
	}
}

// JobRan records how long a job ran on backend.
func (m *Metrics) JobRan(backend string, seconds float64) {
	if m != nil {
		m.backendRun.WithLabelValues(backend).Observe(seconds)
	}
}

// JobDelivered records how long a finished job took to reach Discord.
func (m *Metrics) JobDelivered(seconds float64) {
	if m != nil {
		m.jobDelivery.Observe(seconds)
	}
}

// Delivered counts one delivery of kind (DeliveredChannel, …).
func (m *Metrics) Delivered(kind string) {
	if m != nil {
		m.deliveries.WithLabelValues(kind).Inc()
	}
}

// DiscordAnswered records Discord's answer to a REST request on route
// ("POST /channels/{channel.id}/messages"); status 0 is no answer.
func (m *Metrics) DiscordAnswered(route string, status int) {
	if m == nil || (status > 0 && status < 400) {
		return
	}
	label := "network"
	if status > 0 {
		label = fmt.Sprint(status)
	}
	m.restErrors.WithLabelValues(route, label).Inc()
	if status == 429 {
		m.restLimited.WithLabelValues(route).Inc()
	}
}
