// Package bot is the bot's Discord side, on disgo: the connection, command
// definitions, the route table and the handlers.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/metrics"
	"github.com/disgoorg/disgo"
	disgobot "github.com/disgoorg/disgo/bot"
	"github.com/disgoorg/disgo/cache"
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/events"
	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// Options configure the Discord side.
type Options struct {
	Token      string
	APIURL     string // REST base, e.g. https://discord.com/api/v10
	GatewayURL string // empty: the URL GET /gateway returns
	GuildIDs   []string
	Store      *store.Store
	Policy     permission.Policy
	Limits     CommandLimits
	Version    string
	Jobs       *jobs.Manager
	// Library holds the workflows jobs may name; /admin workflow adds and
	// removes this server's.
	Library  *workflow.Library
	Defaults Defaults
	// Metrics records what the bot does; nil records nothing.
	Metrics *metrics.Metrics
	// Process names this process and its term as the active one, for
	// /admin status; nil when there is no lease to tell of.
	Process func() leader.Status
	Logger  *slog.Logger
	Now     func() time.Time
	// ProgressInterval is the least time between two edits of one status message.
	ProgressInterval time.Duration
	// Encoder shrinks videos and audio over the upload limit; nil: they are
	// not posted, and their owners are told.
	Encoder Encoder
	// ImageWorkflows are what the Upscale, Vary and Use as input buttons run.
	ImageWorkflows ImageWorkflows
}

// Defaults are the configured values servers and users may override.
type Defaults struct {
	Delivery        model.Delivery
	MaxQueuePerUser int
}

// Bot is the Discord side of the bot.
type Bot struct {
	client   *disgobot.Client
	store    *store.Store
	policy   permission.Policy
	limits   CommandLimits
	guildIDs []snowflake.ID
	version  string
	process  func() leader.Status
	apiURL   string
	jobs     *jobs.Manager
	library  *workflow.Library
	files    *http.Client // downloads uploaded workflow files
	defaults Defaults
	log      *slog.Logger
	now      func() time.Time
	started  time.Time
	metrics  *metrics.Metrics
	ctx      context.Context // the bot's lifetime: status editors end with it
	replies  *replies        // interaction handlers: they outlive ctx by the shutdown grace
	ready    chan struct{}
	board    *statusBoard
	work     inflight
	dmLevels dmLevels
	encoder  Encoder
	// imageWorkflows are what the image buttons run.
	imageWorkflows ImageWorkflows

	limitsMu     sync.Mutex
	uploadLimits map[int64]int // job → the attachment_size_limit of its interaction
}

// New builds the client. It asks Discord for the gateway URL, so it fails
// when Discord is not reachable.
func New(opts Options) (*Bot, error) {
	b := &Bot{
		metrics:        opts.Metrics,
		store:          opts.Store,
		policy:         opts.Policy,
		limits:         opts.Limits,
		version:        opts.Version,
		process:        opts.Process,
		apiURL:         opts.APIURL,
		jobs:           opts.Jobs,
		library:        opts.Library,
		files:          &http.Client{Timeout: 30 * time.Second},
		defaults:       opts.Defaults,
		log:            opts.Logger,
		now:            opts.Now,
		ready:          make(chan struct{}, 1),
		ctx:            context.Background(),
		encoder:        opts.Encoder,
		imageWorkflows: opts.ImageWorkflows,

		uploadLimits: map[int64]int{},
	}
	b.board = newStatusBoard(b, opts.ProgressInterval)
	b.replies = newReplies(opts.Logger)
	if b.now == nil {
		b.now = time.Now
	}
	b.started = b.now()
	for _, g := range opts.GuildIDs {
		id, err := snowflake.Parse(g)
		if err != nil {
			return nil, fmt.Errorf("discord.guild_ids: %q is not a Discord ID", g)
		}
		b.guildIDs = append(b.guildIDs, id)
	}
	gw := []gateway.ConfigOpt{gateway.WithIntents(gateway.IntentGuilds)}
	if opts.GatewayURL != "" {
		gw = append(gw, gateway.WithURL(opts.GatewayURL))
	}
	client, err := disgo.New(opts.Token,
		disgobot.WithLogger(disgoLogger(opts.Logger)),
		disgobot.WithRestClientConfigOpts(rest.WithURL(opts.APIURL), rest.WithHTTPClient(restHTTPClient()),
			// disgo's limiter, with the lock that keeps its bucket reads race-free (see bucketLocks).
			// Every answer passes through the limiter's Unlock, retried 429s included.
			rest.WithRateLimiter(observeAnswers(newBucketLocks(rest.NewRateLimiter(rest.WithRateLimiterLogger(disgoLogger(opts.Logger)))), opts.Metrics))),
		// Prompts are echoed into messages: nothing a user types may ping anyone.
		disgobot.WithRestConfigOpts(rest.WithDefaultAllowedMentions(discord.AllowedMentions{})),
		disgobot.WithGatewayConfigOpts(gw...),
		// Guilds (for their owner) and roles (for their permissions) only;
		// disgo caches nothing unless asked.
		disgobot.WithCacheConfigOpts(cache.WithCaches(cache.FlagGuilds|cache.FlagRoles)),
		// Each interaction on its own goroutine: one slow handler must not
		// hold up the gateway or the next user's acknowledgement.
		disgobot.WithEventManagerConfigOpts(disgobot.WithAsyncEventsEnabled()),
		disgobot.WithEventListenerFunc(b.onReady),
		disgobot.WithEventListeners(b.mux()),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to Discord at %s: %w", opts.APIURL, err)
	}
	b.client = client
	return b, nil
}

func (b *Bot) onReady(e *events.Ready) {
	b.log.Info("connected to Discord", "user", e.User.Username, "user_id", e.User.ID.String(),
		"application_id", e.Application.ID.String(), "guilds", len(e.Guilds))
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// disgoLogger is the library's logger: under our component, marked as
// disgo's by a key of its own, since a second "component" would repeat
// the key on every line.
func disgoLogger(l *slog.Logger) *slog.Logger { return l.With("library", "disgo") }

// Start connects the gateway (returning once Discord said READY) and
// registers the command tree where it changed. Status edits live until
// ctx ends; interaction handlers until Close (see StopIntake).
func (b *Bot) Start(ctx context.Context) error {
	b.begin(ctx)
	if err := b.client.OpenGateway(ctx); err != nil {
		return fmt.Errorf("open Discord gateway: %w", tokenRefused(err))
	}
	return b.registerCommands(ctx)
}

// begin starts the bot's lifetime (ctx) and the interaction handlers'.
// Start calls it before the gateway opens; the handler tests call it
// (with registerCommands) and deliver the fake Discord's events to the
// client's event manager without disgo's gateway, whose goroutines race
// on close (see internal/bot/harness_test.go).
func (b *Bot) begin(ctx context.Context) {
	b.ctx = ctx
	b.replies.start(ctx)
}

// registerCommands puts the command tree where it changed.
func (b *Bot) registerCommands(ctx context.Context) error {
	changed, err := syncCommands(ctx, b.client.Rest, b.client.ApplicationID, Commands(b.limits), b.guildIDs, b.log)
	if err != nil {
		return tokenRefused(err)
	}
	scope := "globally"
	if len(b.guildIDs) > 0 {
		scope = fmt.Sprintf("in %d guild(s)", len(b.guildIDs))
	}
	if changed > 0 {
		b.log.Info("registered slash commands", "where", scope)
	} else {
		b.log.Info("slash commands already up to date", "where", scope)
	}
	return nil
}

// GatewayConnected reports whether the gateway session is up: identified
// or resumed, and not cut since. disgo marks a dropped connection as soon
// as a read fails, before it reconnects.
func (b *Bot) GatewayConnected() bool {
	return b.client.Gateway != nil && b.client.Gateway.Status() == gateway.StatusReady
}

// StopIntake stops taking interactions and closes the gateway. One that
// disgo still delivers is told the bot is restarting. The interactions
// being answered go on: their replies get replyGrace from now, or until
// limit when that comes first (a step-down's budget; zero: none), and
// Close waits for them.
func (b *Bot) StopIntake(ctx context.Context, limit time.Time) {
	b.replies.stop(replyGrace, limit)
	if b.client.Gateway != nil {
		b.client.Gateway.Close(ctx)
	}
}

// Close lets the replies in flight finish within their grace (or ctx) and
// cuts off the rest, waits for everything using the client (status edits
// end with the bot's context, cancelled by now), then closes the client.
func (b *Bot) Close(ctx context.Context) {
	b.replies.stop(replyGrace, time.Time{}) // when StopIntake was not called
	b.replies.drain(ctx)
	b.work.close(ctx)
	b.client.Close(ctx)
}

// Notifier is what the queue reports jobs to.
func (b *Bot) Notifier() jobs.Notifier { return b.board }

// SetJobs attaches the queue; the queue needs the bot's Notifier first, so
// the two are built one after the other.
func (b *Bot) SetJobs(m *jobs.Manager) { b.jobs = m }

// restHTTPClient is disgo's default client with room to keep connections:
// http.DefaultTransport keeps two idle connections per host, so a burst
// of interactions, edits and uploads to discord.com would close the rest
// and open (and TLS-handshake) new ones for the next burst.
func restHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: 20 * time.Second, Transport: t}
}
