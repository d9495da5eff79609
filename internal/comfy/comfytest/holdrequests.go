package comfytest

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// requestHold is the state of HoldRequests.
type requestHold struct {
	prefix string        // "" holds nothing
	gate   chan struct{} // closed by ReleaseRequests
	held   []string      // "METHOD /path?query" of each call waiting now
}

// HoldRequests makes REST calls whose path starts with prefix ("/history/", "/view"; the base
// path and the /api alias are left out) wait unanswered until ReleaseRequests, as a ComfyUI
// stuck in a slow handler would: a test can stop a client between a prompt's end and its
// reading of the outputs. A held call then gets the answer of that moment, or none when its
// client hung up first, as from a real server. The WebSocket is never held.
func (s *Server) HoldRequests(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqHold.prefix = prefix
	if s.reqHold.gate == nil {
		s.reqHold.gate = make(chan struct{})
	}
}

// ReleaseRequests ends HoldRequests and lets every held call go on.
func (s *Server) ReleaseRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqHold.prefix = ""
	if s.reqHold.gate != nil {
		close(s.reqHold.gate)
		s.reqHold.gate = nil
	}
}

// HeldRequests lists the calls waiting now, each as "METHOD /path?query".
func (s *Server) HeldRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqHold.held)
}

// WaitRequestHeld blocks until a call is held and returns the first one waiting.
func (s *Server) WaitRequestHeld(ctx context.Context) (string, error) {
	var first string
	err := s.waitFor(ctx, func() bool {
		if len(s.reqHold.held) > 0 {
			first = s.reqHold.held[0]
			return true
		}
		return false
	})
	return first, err
}

// holdRequests is the middleware of HoldRequests.
func (s *Server) holdRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) || s.waitRelease(r) {
			next.ServeHTTP(w, r)
		}
	})
}

// waitRelease holds r if it is to be held, and reports whether it is to be answered: false
// when its client hung up or the server closed meanwhile.
func (s *Server) waitRelease(r *http.Request) bool {
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/api"); ok && strings.HasPrefix(rest, "/") {
		path = rest
	}
	s.mu.Lock()
	h := &s.reqHold
	if h.prefix == "" || !strings.HasPrefix(path, h.prefix) {
		s.mu.Unlock()
		return true
	}
	gate, desc := h.gate, r.Method+" "+r.URL.RequestURI()
	h.held = append(h.held, desc)
	s.changedLocked()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if i := slices.Index(h.held, desc); i >= 0 {
			h.held = slices.Delete(h.held, i, i+1)
		}
		s.changedLocked()
		s.mu.Unlock()
	}()
	select {
	case <-gate:
		return true
	case <-r.Context().Done():
		return false
	case <-s.ctx.Done():
		return false
	}
}
