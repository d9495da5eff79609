package ops

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

// JobCounter counts the jobs in the database (store.Store does).
type JobCounter interface {
	CountJobsByStatus(ctx context.Context) (store.JobCounts, error)
}

// workCollector exports, when scraped, the state of what the process
// serves: the gateway, each backend, and the jobs by state and queued per
// server. Only the active process reports backends and jobs, so that a
// sum over processes counts each once; every process reports its gateway.
type workCollector struct {
	serving *Serving
	jobs    JobCounter
	log     *slog.Logger
}

var (
	gatewayDesc = prometheus.NewDesc("discordsend_gateway_connected",
		"1 while this process's Discord gateway session is up, else 0 (a standby holds none).", nil, nil)
	backendUpDesc = prometheus.NewDesc("discordsend_backend_up",
		"1 while a ComfyUI backend is connected and its node list is known, else 0.", []string{"backend"}, nil)
	backendInFlightDesc = prometheus.NewDesc("discordsend_backend_in_flight",
		"Jobs a ComfyUI backend holds: submitted, running, or finished and being fetched.", []string{"backend"}, nil)
	jobsDesc = prometheus.NewDesc("discordsend_jobs",
		"Jobs in the database by state.", []string{"state"}, nil)
	queueDesc = prometheus.NewDesc("discordsend_queue_depth",
		"Jobs waiting in the bot's queue, per Discord server (guild_id empty: asked in DMs).", []string{"guild_id"}, nil)
)

// NewWorkCollector returns the collector of what serving serves, with the
// job counts read from jobs.
func NewWorkCollector(serving *Serving, jobs JobCounter, log *slog.Logger) prometheus.Collector {
	return &workCollector{serving: serving, jobs: jobs, log: log}
}

func (c *workCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{gatewayDesc, backendUpDesc, backendInFlightDesc, jobsDesc, queueDesc} {
		ch <- d
	}
}

func (c *workCollector) Collect(ch chan<- prometheus.Metric) {
	w := c.serving.Work()
	if w == nil {
		ch <- prometheus.MustNewConstMetric(gatewayDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(gatewayDesc, prometheus.GaugeValue, boolValue(w.GatewayConnected()))
	for _, b := range w.Backends() {
		ch <- prometheus.MustNewConstMetric(backendUpDesc, prometheus.GaugeValue, boolValue(b.Up), b.Name)
		ch <- prometheus.MustNewConstMetric(backendInFlightDesc, prometheus.GaugeValue, float64(b.InFlight), b.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.jobs.CountJobsByStatus(ctx)
	if err != nil {
		// The scrape goes on without them: the database's own health is
		// /healthz's to tell.
		c.log.Warn("metrics: cannot count jobs", "err", err)
		return
	}
	for _, st := range model.JobStatuses() {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(counts.ByStatus[st]), string(st))
	}
	for guild, n := range counts.Queued {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n), guild)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
