// Package ops serves the operator endpoints: /livez, /healthz and
// Prometheus /metrics.
package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
)

// Pinger answers whether a dependency is up.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is the operator HTTP listener.
type Server struct {
	srv *http.Server
	ln  net.Listener
	log *slog.Logger
}

// NewRegistry returns a Prometheus registry with the Go and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Roles tells which process is active (see leader.Elector).
type Roles interface {
	Status() leader.Status
}

// Handler routes the operator endpoints:
//   - /livez answers 200 while the process serves HTTP at all: restart it
//     when this fails.
//   - /healthz answers 200 when the process is ready: its database answers
//     and, while it is the active one, its Discord gateway is connected and
//     a ComfyUI backend is up; 503 otherwise. A standby is ready. The body
//     says what each check found, and the process's role.
//   - /metrics serves reg.
func Handler(h Health, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "alive\n")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		rep := h.check(ctx)
		if !rep.ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprint(w, rep.String())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// Listen binds addr and returns a server ready to Serve.
func Listen(addr string, h http.Handler, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on http.listen %s: %w", addr, err)
	}
	return &Server{
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
		ln:  ln,
		log: log,
	}, nil
}

// Addr is the bound address (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve runs until Shutdown.
func (s *Server) Serve() {
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("operator http listener stopped", "err", err)
	}
}

// Shutdown stops accepting and waits for requests in progress.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}
