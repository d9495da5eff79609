package discordtest

import (
	"net/http"
	"strings"
)

// storm is a pending run of injected 429s.
type storm struct {
	pattern string
	left    int
}

// Storm429 makes the next n requests matching pattern fail with a per-route
// 429 (Retry-After: StormRetryAfter). pattern is matched as a substring of
// "METHOD /route/{template}" or of "METHOD /actual/path" (without /api/v10),
// e.g. "PATCH /webhooks" or "@original"; "*" or "" matches every route but
// interaction callbacks, and "global" makes them global 429s on any
// bot-token route.
func (s *Server) Storm429(pattern string, n int) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.storms = append(s.storms, &storm{pattern: pattern, left: n})
}

// Fail5xx makes the next n requests fail with 500 Internal Server Error.
func (s *Server) Fail5xx(n int) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.fail5xx += n
}

// takeFault returns the fault to inject into a request, if any.
func (s *Server) takeFault(rt *route, path string) (fail bool, st *storm) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if s.fail5xx > 0 {
		s.fail5xx--
		return true, nil
	}
	for _, st := range s.storms {
		if st.left > 0 && st.matches(rt, path) {
			st.left--
			return false, st
		}
	}
	return false, nil
}

func (st *storm) matches(rt *route, path string) bool {
	switch st.pattern {
	case "", "*":
		return rt.group != groupCallback
	case "global":
		return !rt.exemptGlobal()
	}
	return strings.Contains(rt.method+" "+rt.path, st.pattern) || strings.Contains(rt.method+" "+path, st.pattern)
}

func serverError() (int, obj) {
	return http.StatusInternalServerError, obj{"message": "500: Internal Server Error", "code": 0}
}
