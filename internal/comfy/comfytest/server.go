// Package comfytest is a fake ComfyUI server for tests and local runs. It speaks the same HTTP and
// WebSocket protocol as ComfyUI 0.3.64 (checked against recorded transcripts), runs any API-format
// workflow with a single worker, produces real PNG files and well-formed video, audio and animated
// image files, can add custom node classes (VideoHelperSuite's Video Combine among them), and has
// knobs to inject the failures a client must survive: runtime errors, dropped sockets, restarts,
// outages, slow or failing HTTP.
package comfytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the ComfyUI version the fake reports and imitates.
const Version = "0.3.64"

// Option configures a Server at start.
type Option func(*config)

type config struct {
	log         *slog.Logger
	basePath    string
	headers     map[string]string
	models      map[string][]string
	jobDuration time.Duration
	orderSeed   uint64
	orderSeeded bool
	custom      []customDef
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithBasePath serves everything under a path prefix, as a reverse proxy would ("/comfy").
func WithBasePath(p string) Option {
	return func(c *config) { c.basePath = "/" + strings.Trim(p, "/") }
}

// WithRequiredHeader makes every request (REST and the WebSocket handshake) without this exact
// header value fail with 401, like an authenticating proxy in front of ComfyUI.
func WithRequiredHeader(name, value string) Option {
	return func(c *config) { c.headers[name] = value }
}

// WithModels sets the file names listed for a model folder (e.g. "checkpoints").
func WithModels(folder string, names ...string) Option {
	return func(c *config) { c.models[folder] = append([]string{}, names...) }
}

// WithJobDuration sets how long each job takes (see SetJobDuration).
func WithJobDuration(d time.Duration) Option { return func(c *config) { c.jobDuration = d } }

// Server is a running fake ComfyUI. All methods are safe for concurrent use.
type Server struct {
	log      *slog.Logger
	basePath string
	headers  map[string]string
	cat      *catalog
	custom   map[string]customRun // behaviours of the custom node classes
	handler  http.Handler

	ctx    context.Context // ends at Close; the worker and sockets stop with it
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	mu       sync.Mutex
	addr     string
	httpSrv  *http.Server
	down     bool
	changed  chan struct{} // closed and replaced on every state change, for waiters
	st       state
	knobs    knobs
	hold     bool
	parked   *parked
	reqHold  requestHold
	sockets  map[string]*socket // by sid; the latest socket of a client id wins
	conns    map[*socket]struct{}
	files    map[string]*file
	counters map[string]int // last counter of ComfyUI's savers, by folder, subfolder and prefix
	vhsCount map[string]int // VideoHelperSuite's, which also counts theirs (see vhsCounterLocked)
	// fileVersion numbers uploads, which stand for the content hash loaders key their cache on.
	fileVersion uint64
	models      map[string][]string
	infoJSON    []byte   // rendered /object_info, reset when model lists change
	uploads     []string // sorted input file names, nil until listed again after an upload
	scratch     []byte   // reused to encode WebSocket messages
	pngs        pngCache
	order       *rand.Rand // orders output nodes in listings (see order.go)
}

// state is what a ComfyUI restart loses.
type state struct {
	gen        int // bumped by Restart so a job cancelled mid-way cannot write anything
	number     int
	pending    jobHeap
	running    *job
	jobCancel  context.CancelFunc
	interrupt  bool
	lastNode   string
	history    []*historyEntry
	historyIDs map[string]int // how many entries of history each prompt id has
	cache      map[string]*cacheEntry
	submitted  []SubmittedPrompt
	tempPrefix string // PreviewImage's random letters
	// PreviewAudio's: like every ComfyUI node instance it draws its own.
	tempAudioPrefix string
}

// New starts a fake on 127.0.0.1 with a free port and stops it when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0", opts...)
	if err != nil {
		t.Fatalf("comfytest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start listens on addr (e.g. "127.0.0.1:8188" or "127.0.0.1:0") and serves until Close.
func Start(addr string, opts ...Option) (*Server, error) {
	s, err := newServer(opts...)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	s.wg.Go(s.work)
	return s, nil
}

// newServer builds a server that neither listens nor runs its worker yet.
func newServer(opts ...Option) (*Server, error) {
	cfg := config{log: slog.New(slog.NewTextHandler(io.Discard, nil)), headers: map[string]string{}, models: defaultModels()}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	custom := map[string]customRun{}
	for _, def := range cfg.custom {
		if err := cat.addClass(def); err != nil {
			return nil, err
		}
		custom[def.class] = def.run
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		log:      cfg.log,
		basePath: strings.TrimSuffix(cfg.basePath, "/"),
		headers:  cfg.headers,
		cat:      cat,
		custom:   custom,
		ctx:      ctx,
		cancel:   cancel,
		changed:  make(chan struct{}),
		sockets:  map[string]*socket{},
		conns:    map[*socket]struct{}{},
		files:    map[string]*file{},
		counters: map[string]int{},
		vhsCount: map[string]int{},
		models:   cfg.models,
	}
	s.knobs.jobDuration = cfg.jobDuration
	if !cfg.orderSeeded {
		cfg.orderSeed = rand.Uint64()
	}
	s.order = newOrderSource(cfg.orderSeed)
	s.log.Info("output nodes are listed in an order drawn from a seed", "output_order_seed", cfg.orderSeed)
	s.st = freshState(0)
	s.addExampleInputLocked()
	s.handler = s.routes()
	return s, nil
}

func freshState(gen int) state {
	return state{gen: gen, cache: map[string]*cacheEntry{}, historyIDs: map[string]int{}, tempPrefix: randomLetters(5),
		tempAudioPrefix: randomLetters(5)}
}

// URL is the base URL of the fake, including the base path if one is set.
func (s *Server) URL() string { return "http://" + s.Addr() + s.basePath }

// Addr is the host:port the fake listens on; it stays the same across Down and Up.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.httpSrv = srv
	s.wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("comfytest: serve", "err", err)
		}
	})
}

// Close stops the server, its worker and all sockets.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel()
		s.Down()
		s.mu.Lock()
		s.releaseLocked()
		s.changedLocked()
		s.mu.Unlock()
		s.wg.Wait()
	})
}

// Down refuses connections: the listener and every socket are closed. Jobs keep running.
func (s *Server) Down() {
	s.mu.Lock()
	srv := s.httpSrv
	s.httpSrv = nil
	s.down = true
	s.dropSocketsLocked()
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Up listens again on the same address after Down.
func (s *Server) Up() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.down || s.ctx.Err() != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.addr, err)
	}
	s.down = false
	s.serve(ln)
	return nil
}

// DropWebSockets closes every WebSocket abruptly (no close frame), as a crashing proxy would.
func (s *Server) DropWebSockets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropSocketsLocked()
}

// Restart simulates a ComfyUI restart: the running job is abandoned, queue, history, cache and
// temp files are lost, the prompt counter starts again and every socket is dropped.
func (s *Server) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.jobCancel != nil {
		s.st.jobCancel()
	}
	s.st = freshState(s.st.gen + 1)
	for k, f := range s.files {
		if f.kind == "temp" {
			delete(s.files, k)
		}
	}
	// The counters come from the files in the folder, and ComfyUI empties temp at start.
	for _, counters := range []map[string]int{s.counters, s.vhsCount} {
		for k := range counters {
			if strings.HasPrefix(k, "temp\x00") {
				delete(counters, k)
			}
		}
	}
	// The abandoned job must not stay parked; Hold itself outlives the restart.
	s.unparkLocked()
	s.dropSocketsLocked()
	s.changedLocked()
}

// changedLocked wakes everyone waiting for a state change.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond (called with s.mu held) is true.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.ctx.Done():
			return errors.New("comfytest: server closed")
		}
	}
}

// WaitIdle blocks until nothing is running or pending.
func (s *Server) WaitIdle(ctx context.Context) error {
	return s.waitFor(ctx, func() bool { return s.st.running == nil && len(s.st.pending) == 0 })
}
