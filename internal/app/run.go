package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/bot"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/logging"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/metrics"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/ops"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// shutdownGrace bounds the whole ordered shutdown after SIGINT or SIGTERM.
const shutdownGrace = 10 * time.Second

func runCommand() *Command {
	return &Command{
		Name:    "run",
		Summary: "connect to Discord and serve generations (the default)",
		Help: `Loads and validates the configuration, opens and migrates the database,
starts the health and metrics listener (http.listen), connects to Discord and
serves until SIGINT or SIGTERM, then shuts down in order within 10 s.
Needs a bot token: DISCORDBOT_DISCORD_TOKEN or discord.token.`,
		Run: runBot,
	}
}

func runBot(ctx context.Context, c *CLI, _ []string) error {
	cfg, err := c.loadConfig()
	if err != nil || cfg.Discord.Token == "" {
		// No logger yet: a misspelled variable may be why it fails.
		for _, w := range c.warnings {
			fmt.Fprintf(c.Stderr, "%s: warning: %s\n", c.prog, c.redact(w))
		}
	}
	if err != nil {
		return err
	}
	if cfg.Discord.Token == "" {
		return &configError{err: errors.New("no Discord bot token: set DISCORDBOT_DISCORD_TOKEN (or discord.token in config.yaml); " +
			"create one at https://discord.com/developers/applications → your app → Bot → Reset Token")}
	}
	log := logging.New(c.Stderr, cfg.Log.Level, cfg.Log.Format, cfg.Secrets())
	log.Info("starting discordsend-bot", "version", Version(), "database", config.RedactURL(cfg.Database.URL), "backends", len(cfg.EffectiveBackends()))
	for _, w := range c.warnings {
		log.Warn("configuration warning", "warning", w)
	}
	st, err := store.Open(ctx, cfg.Database.URL, store.WithLogger(log.With("component", "store")))
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "applied", applied)
	}
	reg := ops.NewRegistry()
	elector := leader.New(leader.Options{Leases: st, Self: leader.ThisProcess(), TTL: cfg.Database.LeaseTTL.Std(),
		Logger: log.With("component", "leader")})
	obs := Observed{Serving: &ops.Serving{}}
	if obs.Metrics, err = metrics.New(reg); err != nil {
		return err
	}
	for _, c := range []prometheus.Collector{activeGauge(elector), ops.NewWorkCollector(obs.Serving, st, log.With("component", "http"))} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	var opsSrv *ops.Server
	if cfg.HTTP.Listen != "" {
		health := ops.Health{Database: st, Roles: elector, Serving: obs.Serving}
		if opsSrv, err = ops.Listen(cfg.HTTP.Listen, ops.Handler(health, reg), log.With("component", "http")); err != nil {
			return err
		}
		go opsSrv.Serve()
		log.Info("health and metrics listening", "addr", opsSrv.Addr())
	}
	// Only the process holding the lease connects to Discord and runs the
	// queue; the others stand by until it stops (see internal/leader).
	err = elector.Run(ctx, func(ctx context.Context) error {
		return Serve(ctx, cfg, st, obs, elector.Status, log)
	})
	if errors.Is(err, leader.ErrStepDownTooSlow) {
		// A standby may take over any moment now, while the work that
		// would not stop may still hold the gateway: end the process at
		// once rather than drain the listener first.
		log.Error("exiting: the lease was lost and the work did not stop in time")
		return err
	}
	shutdown(log, opsSrv)
	if refused, ok := errors.AsType[*bot.TokenRefusedError](err); ok {
		return &configError{err: errors.New(tokenRefusedMessage(refused))}
	}
	return err
}

// activeGauge exports whether this process is the active one, so that an
// alert can ask for exactly one across the processes.
func activeGauge(e *leader.Elector) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "discordsend_active",
		Help: "1 while this process holds the lease and serves Discord, 0 while it stands by.",
	}, func() float64 {
		if e.Status().Role == leader.RoleActive {
			return 1
		}
		return 0
	})
}

// Observed is what Serve reports to: the process's metrics, and the slot
// from which /healthz and the metrics read what it serves. Either may be
// nil.
type Observed struct {
	Metrics *metrics.Metrics
	Serving *ops.Serving
}

// served is what /healthz and the metrics see of a running Serve.
type served struct {
	bot   *bot.Bot
	queue *jobs.Manager
}

func (s served) GatewayConnected() bool        { return s.bot.GatewayConnected() }
func (s served) Backends() []jobs.BackendState { return s.queue.Backends() }

// Serve builds the queue and the Discord side, runs both until ctx ends,
// then stops them in order: intake first, then the queue.
func Serve(ctx context.Context, cfg config.Config, st *store.Store, obs Observed, process func() leader.Status, log *slog.Logger) error {
	lib, err := loadLibrary(cfg)
	if err != nil {
		return &configError{err: err}
	}
	if err := loadServerWorkflows(ctx, st, lib, log); err != nil {
		return err
	}
	var backends []*jobs.Backend
	for _, be := range cfg.EffectiveBackends() {
		client := comfy.New(comfy.Options{Name: be.Name, BaseURL: be.URL, Headers: revealHeaders(be.Headers),
			Timeout: cfg.ComfyUI.Timeout.Std(), Logger: log, ClientID: clientID(cfg, be)})
		backends = append(backends, jobs.NewBackend(client, cfg.ComfyUI.Window, log.With("component", "queue")))
	}
	queue := jobs.New(jobs.Options{
		Store: st, Backends: backends, Library: lib,
		Timeout: cfg.Jobs.Timeout.Std(), MaxRequeues: cfg.Jobs.MaxRequeues,
		Metrics: obs.Metrics,
		Logger:  log.With("component", "queue"),
	})
	b, err := bot.New(bot.Options{
		Token:            cfg.Discord.Token.Reveal(),
		APIURL:           cfg.Discord.APIURL,
		GatewayURL:       cfg.Discord.GatewayURL,
		GuildIDs:         cfg.Discord.GuildIDs,
		Store:            st,
		Jobs:             queue,
		Library:          lib,
		Policy:           permission.Policy{BotOwners: cfg.Discord.OwnerIDs, DMPolicy: model.DMPolicy(cfg.Discord.DMPolicy)},
		Limits:           commandLimits(cfg.Limits),
		Defaults:         bot.Defaults{Delivery: model.Delivery(cfg.Defaults.Delivery), MaxQueuePerUser: cfg.Defaults.MaxQueuePerUser},
		ProgressInterval: cfg.Defaults.ProgressUpdateInterval.Std(),
		Encoder:          bot.FindFFmpeg(log.With("component", "discord")),
		ImageWorkflows:   bot.ImageWorkflows{Upscale: cfg.Workflows.Upscale, Img2Img: cfg.Workflows.Img2Img},
		Version:          Version(),
		Metrics:          obs.Metrics,
		Process:          process,
		Logger:           log.With("component", "discord"),
	})
	if err != nil {
		return err
	}
	queue.SetNotifier(b.Notifier())
	obs.Serving.Set(served{bot: b, queue: queue})
	defer obs.Serving.Set(nil)
	queueCtx, stopQueue := context.WithCancel(context.WithoutCancel(ctx))
	queueDone := make(chan error, 1)
	go func() { queueDone <- queue.Run(queueCtx) }()
	err = b.Start(ctx)
	if err == nil {
		log.Info("ready: serving Discord interactions")
		<-ctx.Done()
		log.Info("shutting down")
	} else if ctx.Err() != nil {
		err = nil
	}
	// In order: no new interactions (those being answered get a short
	// grace for their replies), no more queue work (its deliveries end),
	// then handlers and edits drain and the client closes.
	closeCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	b.StopIntake(closeCtx, replyLimit(ctx))
	stopQueue()
	select {
	case qerr := <-queueDone:
		if qerr != nil {
			log.Error("queue stopped with an error", "err", qerr)
		}
	case <-closeCtx.Done():
		log.Warn("queue did not stop in time")
	}
	b.Close(closeCtx)
	return err
}

// replyLimit is when the replies in flight must be done, for a step-down:
// the elector gives up on serve (and exits the process) at its StopBy, so
// the replies get three quarters of what is left, the rest being for them
// to end and the client to close. A stop sets no limit but the grace.
func replyLimit(ctx context.Context) time.Time {
	by, ok := leader.StopBy(ctx)
	if !ok {
		return time.Time{}
	}
	return time.Now().Add(time.Until(by) * 3 / 4)
}

// loadLibrary reads workflows.dir (when it exists) and defaults.workflow_path.
func loadLibrary(cfg config.Config) (*workflow.Library, error) {
	dir := cfg.Workflows.Dir
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		dir = ""
	}
	lib, err := workflow.LoadLibrary(dir)
	if err != nil {
		return nil, fmt.Errorf("workflows.dir (%s): %w", config.EnvName("workflows.dir"), err)
	}
	if p := cfg.Defaults.WorkflowPath; p != "" {
		e, err := workflow.LoadFile(p)
		if err != nil {
			return nil, fmt.Errorf("defaults.workflow_path (%s): %w", config.EnvName("defaults.workflow_path"), err)
		}
		lib.SetDefault(e)
	}
	return lib, nil
}

// loadServerWorkflows adds the workflows servers stored from Discord to the
// library, after the folder's. They are API graphs, so reading them needs
// no ComfyUI. One that no longer reads, or whose name a folder workflow now
// has, is logged and skipped: it stays stored, and its server can replace
// or remove it.
func loadServerWorkflows(ctx context.Context, st *store.Store, lib *workflow.Library, log *slog.Logger) error {
	stored, err := st.AllWorkflows(ctx)
	if err != nil {
		return fmt.Errorf("load stored workflows: %w", err)
	}
	loaded := 0
	for _, sw := range stored {
		if err := addStored(lib, sw); err != nil {
			log.Warn("stored workflow skipped", "workflow", sw.Name, "guild_id", sw.GuildID, "err", err)
			continue
		}
		loaded++
	}
	if len(stored) > 0 {
		log.Info("loaded server workflows", "count", loaded, "skipped", len(stored)-loaded)
	}
	return nil
}

func addStored(lib *workflow.Library, sw model.Workflow) error {
	w, err := workflow.Parse(sw.Graph)
	if err != nil {
		return err
	}
	var sidecar *workflow.Sidecar
	if sw.Sidecar != nil {
		if sidecar, err = workflow.ParseSidecar(sw.Sidecar); err != nil {
			return err
		}
		if err := sidecar.Check(w); err != nil {
			return err
		}
	}
	_, err = lib.Add(sw.GuildID, workflow.NewEntry(sw.Name, sw.Description, w, sidecar))
	return err
}

func commandLimits(l config.Limits) bot.CommandLimits {
	return bot.CommandLimits{
		MaxPromptLength: l.MaxPromptLength,
		MaxSteps:        l.MaxSteps,
		MaxWidth:        l.MaxWidth,
		MaxHeight:       l.MaxHeight,
		MaxBatch:        l.MaxBatch,
		MaxCFG:          l.MaxCFG,
		MaxInputBytes:   l.MaxInputMB << 20,
		MaxInputPixels:  l.MaxInputMP * 1_000_000,
	}
}

func shutdown(log *slog.Logger, opsSrv *ops.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if opsSrv != nil {
		if err := opsSrv.Shutdown(ctx); err != nil {
			log.Warn("http listener shutdown", "err", fmt.Sprint(err))
		}
	}
	log.Info("stopped")
}

// clientID is the bot's WebSocket id at a backend. It is the same after a
// restart, and in every process sharing the database, so ComfyUI keeps
// sending the events of prompts one submitted to the one that takes over.
// The URL's credentials are left out: a changed password is the same bot.
func clientID(cfg config.Config, be config.Backend) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("discordsend-bot:"+config.RedactURL(cfg.Database.URL)+"#"+be.Name)).String()
}
