package discordtest

import (
	"log/slog"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

// Defaults taken from Discord's documentation.
const (
	DefaultHeartbeatInterval   = 41250 * time.Millisecond
	DefaultCallbackDeadline    = 3 * time.Second
	DefaultTokenTTL            = 15 * time.Minute
	DefaultAttachmentSizeLimit = 10 << 20
	DefaultStormRetryAfter     = time.Second
)

// Options configure a Server. The zero value is a Discord with its documented
// defaults, rate limits on and OpenAPI validation on.
type Options struct {
	// AppID is the application (and bot user) id; default: a fresh snowflake.
	AppID snowflake.ID
	// BotName is the bot user's name; default "DiscordSend".
	BotName string
	// Logger receives debug traces of requests and gateway traffic; nil discards.
	Logger *slog.Logger
	// Now is the clock for interaction deadlines, token expiry, timestamps and
	// snowflakes. A test replaces it to jump time; default time.Now. The 3 s
	// deadline is judged when the callback arrives; with the real clock a
	// timer also marks an unanswered interaction failed, 2 s after the
	// deadline. Rate limits always run on the wall clock, as clients wait
	// on it.
	Now func() time.Time
	// HeartbeatInterval announced in HELLO; default 41.25 s.
	HeartbeatInterval time.Duration
	// CallbackDeadline is how long after dispatch the first callback may
	// arrive; default 3 s.
	CallbackDeadline time.Duration
	// TokenTTL is how long an interaction token works; default 15 min.
	TokenTTL time.Duration
	// AttachmentSizeLimit is the per-file upload limit in bytes, sent as the
	// interactions' attachment_size_limit and applied to channel messages;
	// default 10 MiB.
	AttachmentSizeLimit int
	// Locale sent in interactions; default "en-US".
	Locale string
	// RateLimits configure the per-route and global buckets.
	RateLimits RateLimits
	// StormRetryAfter is the retry_after of 429s injected by Storm429;
	// default 1 s (disgo only honours whole seconds).
	StormRetryAfter time.Duration
	// DisableValidation skips the OpenAPI validation of requests
	// (benchmarks).
	DisableValidation bool
	// ValidateResponses also checks the fake's own answers against the spec,
	// reporting mismatches as violations. It keeps the fake honest in its
	// own tests; the schemas of large answers take seconds to compile on
	// first use (tens of seconds under -race), so it is off by default.
	ValidateResponses bool
	// RecordViolations keeps contract violations out of tb.Errorf in New mode;
	// they are still recorded and returned by Violations. For tests that
	// provoke invalid requests on purpose.
	RecordViolations bool
	// IgnoreCommandPermissions lets users invoke commands whose
	// default_member_permissions they lack, as if a server admin had
	// overridden them in the integration settings.
	IgnoreCommandPermissions bool
}

// Option changes Options for New.
type Option func(*Options)

// WithOptions replaces all options at once.
func WithOptions(o Options) Option { return func(dst *Options) { *dst = o } }

// WithClock sets the clock used for deadlines, expiry and timestamps.
func WithClock(now func() time.Time) Option { return func(o *Options) { o.Now = now } }

// WithHeartbeatInterval sets the interval announced in HELLO.
func WithHeartbeatInterval(d time.Duration) Option {
	return func(o *Options) { o.HeartbeatInterval = d }
}

// WithCallbackDeadline sets how long a bot has to acknowledge an interaction.
func WithCallbackDeadline(d time.Duration) Option {
	return func(o *Options) { o.CallbackDeadline = d }
}

// WithTokenTTL sets how long interaction tokens work.
func WithTokenTTL(d time.Duration) Option { return func(o *Options) { o.TokenTTL = d } }

// WithAttachmentSizeLimit sets the per-file upload limit in bytes.
func WithAttachmentSizeLimit(n int) Option {
	return func(o *Options) { o.AttachmentSizeLimit = n }
}

// WithRateLimits sets the rate-limit buckets.
func WithRateLimits(r RateLimits) Option { return func(o *Options) { o.RateLimits = r } }

// WithoutValidation turns off OpenAPI validation.
func WithoutValidation() Option { return func(o *Options) { o.DisableValidation = true } }

// WithResponseValidation checks the fake's answers against the spec too.
func WithResponseValidation() Option { return func(o *Options) { o.ValidateResponses = true } }

// WithRecordedViolations records violations without failing the test.
func WithRecordedViolations() Option { return func(o *Options) { o.RecordViolations = true } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

func (o Options) withDefaults() Options {
	if o.BotName == "" {
		o.BotName = "DiscordSend"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.HeartbeatInterval <= 0:
		o.HeartbeatInterval = DefaultHeartbeatInterval
	case o.HeartbeatInterval < time.Millisecond:
		o.HeartbeatInterval = time.Millisecond // HELLO carries whole milliseconds
	}
	if o.CallbackDeadline <= 0 {
		o.CallbackDeadline = DefaultCallbackDeadline
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.AttachmentSizeLimit <= 0 {
		o.AttachmentSizeLimit = DefaultAttachmentSizeLimit
	}
	if o.Locale == "" {
		o.Locale = "en-US"
	}
	if o.StormRetryAfter <= 0 {
		o.StormRetryAfter = DefaultStormRetryAfter
	}
	o.RateLimits = o.RateLimits.withDefaults()
	return o
}
