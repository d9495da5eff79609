package ops

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
)

// Work is what the active process serves: its Discord gateway and its
// ComfyUI backends.
type Work interface {
	GatewayConnected() bool
	Backends() []jobs.BackendState
}

// Serving holds the Work the process serves right now: none while it
// stands by, or while it starts or stops serving.
type Serving struct{ p atomic.Pointer[Work] }

// Set records w as served from now on; Set(nil) ends it.
func (s *Serving) Set(w Work) {
	if s == nil {
		return
	}
	if w == nil {
		s.p.Store(nil)
		return
	}
	s.p.Store(&w)
}

// Work returns what is served, or nil.
func (s *Serving) Work() Work {
	if s == nil {
		return nil
	}
	if w := s.p.Load(); w != nil {
		return *w
	}
	return nil
}

// Health is what /healthz checks.
type Health struct {
	Database Pinger
	Roles    Roles
	Serving  *Serving
}

// report is what the checks found.
type report struct {
	ready  bool
	checks []string // "name: finding"
	role   leader.Status
}

func (h Health) check(ctx context.Context) report {
	rep := report{ready: true, role: h.Roles.Status()}
	fail := func(line string) {
		rep.ready = false
		rep.checks = append(rep.checks, line)
	}
	if err := h.Database.Ping(ctx); err != nil {
		fail("database: not answering")
	} else {
		rep.checks = append(rep.checks, "database: ok")
	}
	if rep.role.Role != leader.RoleActive {
		rep.checks = append(rep.checks, "gateway: held by the active process")
		return rep
	}
	w := h.Serving.Work()
	if w == nil {
		fail("gateway: not connected yet")
		return rep
	}
	if w.GatewayConnected() {
		rep.checks = append(rep.checks, "gateway: connected")
	} else {
		fail("gateway: disconnected")
	}
	up := 0
	var lines []string
	for _, b := range w.Backends() {
		if b.Up {
			up++
			lines = append(lines, fmt.Sprintf("backend %s: up, %d in flight", b.Name, b.InFlight))
		} else {
			lines = append(lines, fmt.Sprintf("backend %s: down: %s", b.Name, b.Error))
		}
	}
	if up == 0 {
		rep.ready = false
	}
	rep.checks = append(rep.checks, lines...)
	return rep
}

// String is the /healthz body: "ok" or "unavailable", each check, then
// the role, as "key: value" lines for people and scripts alike.
func (r report) String() string {
	var sb strings.Builder
	if r.ready {
		sb.WriteString("ok\n")
	} else {
		sb.WriteString("unavailable\n")
	}
	for _, c := range r.checks {
		sb.WriteString(c + "\n")
	}
	sb.WriteString(roleLines(r.role))
	return sb.String()
}

// roleLines describes a process's role.
func roleLines(st leader.Status) string {
	active := "none"
	if st.Active != "" {
		active = leader.DisplayHolder(st.Active)
	}
	return fmt.Sprintf("role: %s\nprocess: %s\nactive: %s\nterm: %d\n", st.Role, st.Self.Display(), active, st.Term)
}
