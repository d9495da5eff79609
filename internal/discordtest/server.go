package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

// Server is a fake Discord: REST under /api/v10, the gateway at /gw, and
// uploaded files under /attachments, on one loopback listener.
type Server struct {
	opts      Options
	tb        testing.TB // nil for Start
	log       *slog.Logger
	now       func() time.Time
	realClock bool
	spec      *spec // nil when validation is off

	url   string
	appID snowflake.ID
	token string
	bot   *User

	httpTest *httptest.Server
	httpSrv  *http.Server
	serveErr chan error

	gw       *gatewayHub
	limiter  *limiter
	timeline *timeline
	stats    counters

	faultMu sync.Mutex
	storms  []*storm
	fail5xx int

	vmu        sync.Mutex
	violations []string
	closed     bool
	closeOnce  sync.Once

	mu           sync.Mutex
	ids          idGen
	users        map[snowflake.ID]*User
	usersByName  map[string]*User
	guilds       []*Guild
	guildsByID   map[snowflake.ID]*Guild
	channels     map[snowflake.ID]*Channel
	dms          map[snowflake.ID]*Channel
	closedDMs    map[snowflake.ID]bool
	messages     map[snowflake.ID]*message
	nonces       map[nonceKey]nonceEntry // guarded by mu
	msgHold      messageHold
	messageOrder []*message
	attachments  map[snowflake.ID]*attachment
	interactions map[snowflake.ID]*Interaction
	byToken      map[string]*Interaction
	commands     map[snowflake.ID][]*command
	modals       map[snowflake.ID]*openModal
	mentions     []mentionRecord
}

// New starts a fake Discord for a test on 127.0.0.1 and closes it when the
// test ends. Contract violations (OpenAPI mismatches, broken limits,
// unknown routes, impossible user actions) fail the test with tb.Errorf.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	s, err := newServer(o)
	if err != nil {
		tb.Fatalf("discordtest: %v", err)
	}
	s.tb = tb
	s.httpTest = httptest.NewServer(s.mux())
	s.url = s.httpTest.URL
	tb.Cleanup(s.Close)
	return s
}

// Start runs a fake Discord for a long-running process (the sandbox) on
// addr, e.g. "127.0.0.1:0". Violations are recorded as timeline errors and
// returned by Violations.
func Start(addr string, opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.httpSrv = &http.Server{Handler: s.mux(), ReadHeaderTimeout: 10 * time.Second}
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.httpSrv.Serve(ln) }()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	s.url = "http://" + net.JoinHostPort(host, port)
	return s, nil
}

func newServer(o Options) (*Server, error) {
	o = o.withDefaults()
	s := &Server{
		opts:         o,
		log:          o.Logger,
		now:          o.Now,
		realClock:    o.Now == nil,
		limiter:      newLimiter(time.Now),
		timeline:     newTimeline(),
		users:        map[snowflake.ID]*User{},
		usersByName:  map[string]*User{},
		guildsByID:   map[snowflake.ID]*Guild{},
		channels:     map[snowflake.ID]*Channel{},
		dms:          map[snowflake.ID]*Channel{},
		closedDMs:    map[snowflake.ID]bool{},
		messages:     map[snowflake.ID]*message{},
		attachments:  map[snowflake.ID]*attachment{},
		interactions: map[snowflake.ID]*Interaction{},
		byToken:      map[string]*Interaction{},
		commands:     map[snowflake.ID][]*command{},
		modals:       map[snowflake.ID]*openModal{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.gw = newGateway(s)
	if !o.DisableValidation {
		v, err := loadSpec()
		if err != nil {
			return nil, fmt.Errorf("load openapi spec: %w", err)
		}
		s.spec = v
	}
	s.appID = o.AppID
	if s.appID == 0 {
		s.appID = s.newID()
	}
	s.token = NewToken(s.appID)
	s.bot = &User{ID: s.appID, Name: o.BotName, Bot: true}
	s.users[s.bot.ID] = s.bot
	s.usersByName[s.bot.Name] = s.bot
	return s, nil
}

// Close stops the server and drops every gateway connection. It is safe to
// call more than once.
func (s *Server) Close() { s.closeOnce.Do(s.shutdown) }

func (s *Server) shutdown() {
	// A held answer would keep httptest's Close waiting for its handler.
	s.ReleaseCreatedMessages()
	s.gw.close()
	if s.httpTest != nil {
		s.httpTest.Close()
	}
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.httpSrv.Shutdown(ctx)
		cancel()
		if err := <-s.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("discordtest server stopped", "err", err)
		}
	}
	s.mu.Lock()
	for _, ia := range s.interactions {
		if ia.timer != nil {
			ia.timer.Stop()
		}
	}
	s.mu.Unlock()
	s.vmu.Lock()
	s.closed = true
	s.vmu.Unlock()
}

// URL is the server's base URL, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// APIURL is what rest.WithURL takes: URL + "/api/v10".
func (s *Server) APIURL() string { return s.url + apiPrefix }

// GatewayURL is the gateway's WebSocket URL, ws://127.0.0.1:PORT/gw.
func (s *Server) GatewayURL() string { return "ws" + strings.TrimPrefix(s.url, "http") + "/gw" }

// Token is the bot token; it encodes AppID as disgo requires.
func (s *Server) Token() string { return s.token }

// AppID is the application id, which is also the bot user's id.
func (s *Server) AppID() snowflake.ID { return s.appID }

// Guilds returns the guilds in creation order.
func (s *Server) Guilds() []*Guild {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.guilds)
}

// Stats are counters of what the bot did.
type Stats struct {
	Requests      int // REST requests, including rejected ones
	RateLimited   int // 429 answers, injected or earned
	ServerErrors  int // injected 5xx answers
	Connections   int // gateway WebSocket connections
	Identifies    int // IDENTIFY payloads
	Sessions      int // sessions started (READY sent)
	Resumes       int // successful RESUMEs
	FailedResumes int // RESUMEs answered with opcode 9
	Interactions  int // interactions dispatched
	// GlobalCommandOverwrites and GuildCommandOverwrites count bulk PUTs.
	GlobalCommandOverwrites int
	GuildCommandOverwrites  int
}

type counters struct {
	requests, rateLimited, serverErrors, connections, identifies, sessions,
	resumes, failedResumes, interactions, globalOverwrites, guildOverwrites atomic.Int64
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		Requests: int(c.requests.Load()), RateLimited: int(c.rateLimited.Load()), ServerErrors: int(c.serverErrors.Load()),
		Connections: int(c.connections.Load()), Identifies: int(c.identifies.Load()), Sessions: int(c.sessions.Load()),
		Resumes: int(c.resumes.Load()), FailedResumes: int(c.failedResumes.Load()), Interactions: int(c.interactions.Load()),
		GlobalCommandOverwrites: int(c.globalOverwrites.Load()), GuildCommandOverwrites: int(c.guildOverwrites.Load()),
	}
}

// Violations returns the contract violations so far: requests Discord
// would reject or that match no route, invalid gateway payloads, test
// actions a user could not do, and fake responses that stray from the spec.
func (s *Server) Violations() []string {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	return slices.Clone(s.violations)
}

// violation records a contract violation; in New mode it fails the test.
// It must not be called with s.mu held by code that expects s.mu free;
// it only takes vmu and the timeline's lock.
func (s *Server) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.vmu.Lock()
	s.violations = append(s.violations, msg)
	report := s.tb != nil && !s.opts.RecordViolations && !s.closed
	s.vmu.Unlock()
	s.timeline.add(Event{T: s.now(), Kind: KindError, Error: msg, Violation: true})
	s.log.Warn("discordtest violation", "msg", msg)
	if report {
		s.tb.Errorf("discordtest: %s", msg)
	}
}

func (s *Server) newID() snowflake.ID { return s.ids.next(s.now()) }

// readyPayload builds READY and the GUILD_CREATEs for a new session.
func (s *Server) readyPayload(sess *session) (obj, []json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var unavailable []obj
	var creates []json.RawMessage
	for _, g := range s.guilds {
		if !sess.handles(&g.ID) {
			continue
		}
		unavailable = append(unavailable, obj{"id": g.ID, "unavailable": true})
		if sess.intents&intentGuilds != 0 {
			raw, _ := json.Marshal(g.gatewayJSONLocked(sess.intents))
			creates = append(creates, raw)
		}
	}
	if unavailable == nil {
		unavailable = []obj{}
	}
	user := userJSON(s.bot)
	user["verified"] = true
	user["mfa_enabled"] = false
	user["email"] = nil
	ready := obj{
		"v":                  10,
		"user":               user,
		"guilds":             unavailable,
		"session_id":         sess.id,
		"session_type":       "normal",
		"resume_gateway_url": s.GatewayURL(),
		"shard":              sess.shard,
		"application":        obj{"id": s.appID, "flags": 0},
		"private_channels":   []any{},
		"relationships":      []any{},
		"presences":          []any{},
		"user_settings":      obj{},
		"_trace":             []string{"discordtest"},
	}
	return ready, creates
}
