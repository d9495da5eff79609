// Package leader decides which of several bot processes sharing one database
// is the active one: the only process that holds the Discord gateway and runs
// the queue. The others stand by and take over when it stops.
//
// The active process holds a lease, a row in the database that it renews
// every TTL/6. A standby never compares clocks with the holder: it notes,
// on its own clock, when it last saw the lease change, and takes it over
// once it has seen no change for a whole TTL. The holder, for its part,
// stops its work when TTL/2 has passed since it sent its last successful
// renewal, and exits the process if that work has not stopped by 5/6 of the
// TTL. Since a standby's TTL starts only after it saw that renewal
// committed, the holder is gone before any standby can start.
package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// DefaultTTL is the lease's time when none is configured: a standby takes
// over within about 7 s of the active process's death.
const DefaultTTL = 6 * time.Second

// DefaultName is the lease the bot's processes share.
const DefaultName = "active"

// ErrStepDownTooSlow is returned by Run when the active work did not stop in
// time after the lease was lost; the caller must end the process, since a
// standby may take over at any moment.
var ErrStepDownTooSlow = errors.New("lost the lease and could not stop in time")

// errLost ends an active term that this process gave up.
var errLost = errors.New("lease lost")

// stepDownCause is why a step-down ended the active work's context: the
// lease is lost, and the work must have stopped by stopBy.
type stepDownCause struct{ stopBy time.Time }

func (c *stepDownCause) Error() string { return errLost.Error() }
func (c *stepDownCause) Unwrap() error { return errLost }

// StopBy reports, once a step-down ended the context Run gave the active
// work, when that work must have stopped: Run gives up on it then and
// returns ErrStepDownTooSlow, so whatever the work lets finish on its way
// out must end before. ok is false while the context lives and when it
// ended otherwise (Run's own context ended: a stop, with no such limit).
func StopBy(ctx context.Context) (stopBy time.Time, ok bool) {
	var c *stepDownCause
	if errors.As(context.Cause(ctx), &c) {
		return c.stopBy, true
	}
	return time.Time{}, false
}

// Leases is the database side of the lease (see store.Store).
type Leases interface {
	ReadLease(ctx context.Context, name string) (model.Lease, error)
	TakeLease(ctx context.Context, name, holder string, seen model.Lease) (model.Lease, bool, error)
	RenewLease(ctx context.Context, name, holder string, term int64) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string, term int64) error
}

// Role is what a process is doing.
type Role string

// The roles, in the order a process goes through them.
const (
	RoleStandby  Role = "standby"
	RoleActive   Role = "active"
	RoleStopping Role = "stepping down"
)

// Status is a process's view of the lease, for /healthz and /admin status.
type Status struct {
	Role   Role
	Self   Identity
	Active string    // the holder as last seen, "" when none
	Term   int64     // the term of the lease as last seen
	Since  time.Time // when this process took its role
}

// Options configures New.
type Options struct {
	Leases Leases
	Name   string        // the lease's name; DefaultName when empty
	Self   Identity      // this process
	TTL    time.Duration // DefaultTTL when zero
	// Alive reports whether a PID runs on this machine; nil looks it up.
	Alive  func(pid int) bool
	Logger *slog.Logger
}

// Elector runs the active work while this process holds the lease.
type Elector struct {
	leases Leases
	name   string
	self   Identity
	ttl    time.Duration
	tick   time.Duration
	alive  func(int) bool
	log    *slog.Logger

	mu     sync.Mutex
	status Status
}

// New returns an Elector; Run starts it.
func New(o Options) *Elector {
	e := &Elector{leases: o.Leases, name: o.Name, self: o.Self, ttl: o.TTL, alive: o.Alive, log: o.Logger}
	if e.name == "" {
		e.name = DefaultName
	}
	if e.ttl <= 0 {
		e.ttl = DefaultTTL
	}
	e.tick = e.ttl / 6
	if e.alive == nil {
		e.alive = processAlive
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.status = Status{Role: RoleStandby, Self: e.self, Since: time.Now()}
	return e
}

// Status is this process's role and the lease as it last saw it.
func (e *Elector) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

func (e *Elector) setStatus(role Role, l model.Lease) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.status.Role != role {
		e.status.Since = time.Now()
	}
	e.status.Role, e.status.Active, e.status.Term = role, l.Holder, l.Term
}

// Run stands by until this process takes the lease, then runs active with a
// context that ends when the lease is lost or ctx ends, and stands by again
// after a loss. It returns when ctx ends (nil), when active fails by itself
// (its error, the lease released), or with ErrStepDownTooSlow.
func (e *Elector) Run(ctx context.Context, active func(context.Context) error) error {
	for {
		lease, sent, err := e.standby(ctx)
		if err != nil {
			return nil
		}
		err = e.lead(ctx, lease, sent, active)
		if !errors.Is(err, errLost) || ctx.Err() != nil {
			return err
		}
		e.log.Warn("standing by again after losing the lease")
	}
}

// standby watches the lease until it is free, then takes it. It returns the
// lease and when the request that took it was sent.
func (e *Elector) standby(ctx context.Context) (model.Lease, time.Time, error) {
	e.setStatus(RoleStandby, model.Lease{})
	ticker := time.NewTicker(e.tick)
	defer ticker.Stop()
	var (
		seen     model.Lease
		seenAt   time.Time
		observed bool
		failing  bool
	)
	for {
		l, err := e.read(ctx)
		if err == nil {
			failing = false
			if !observed || l.Term != seen.Term || l.Version != seen.Version {
				e.observe(seen, l, observed)
				seen, seenAt, observed = l, time.Now(), true
			}
			if e.free(seen, seenAt) {
				sent := time.Now()
				tctx, cancel := context.WithTimeout(ctx, e.ttl)
				taken, ok, err := e.leases.TakeLease(tctx, e.name, e.self.String(), seen)
				cancel()
				if err == nil && ok {
					e.log.Info("active: this process holds the lease", "term", taken.Term,
						"previous", DisplayHolder(seen.Holder))
					return taken, e.freshen(ctx, taken, sent), nil
				}
				// Not ok without an error: another standby was quicker.
				if err != nil && ctx.Err() == nil {
					e.log.Warn("standby: could not take the lease", "err", err)
				}
			}
		} else if !failing && ctx.Err() == nil {
			failing = true
			e.log.Warn("standby: cannot read the lease", "err", err)
		}
		select {
		case <-ctx.Done():
			return model.Lease{}, time.Time{}, ctx.Err()
		case <-ticker.C:
		}
	}
}

// read reads the lease, giving up after a TTL so that a standby whose
// network went silent tries again rather than wait for it.
func (e *Elector) read(ctx context.Context) (model.Lease, error) {
	rctx, cancel := context.WithTimeout(ctx, e.ttl)
	defer cancel()
	return e.leases.ReadLease(rctx, e.name)
}

// freshen renews a lease whose take was slow to answer (it may have waited
// for the database's writer lock), so that the term does not start with
// its step-down already due: the holder counts from when it sent the
// request that last renewed. It returns that time.
func (e *Elector) freshen(ctx context.Context, l model.Lease, sent time.Time) time.Time {
	if time.Since(sent) < e.tick {
		return sent
	}
	at := time.Now()
	rctx, cancel := context.WithTimeout(ctx, e.ttl/2)
	defer cancel()
	if ok, err := e.leases.RenewLease(rctx, e.name, e.self.String(), l.Term); err == nil && ok {
		return at
	}
	return sent
}

// observe logs a new holder and keeps the status current.
func (e *Elector) observe(prev, l model.Lease, observed bool) {
	e.setStatus(RoleStandby, l)
	if l.Held() && (!observed || prev.Holder != l.Holder) {
		e.log.Info("standby: another process is active", "active", DisplayHolder(l.Holder), "term", l.Term)
	}
}

// free reports whether the lease, last changed when seenAt, may be taken.
func (e *Elector) free(l model.Lease, seenAt time.Time) bool {
	return !l.Held() || time.Since(seenAt) >= e.ttl || e.holderGone(l.Holder)
}

// holderGone reports whether a holder is known dead without waiting: it ran
// in this process table and its PID is this process's or no process's.
func (e *Elector) holderGone(holder string) bool {
	id, ok := ParseIdentity(holder)
	if !ok || !id.sameSpace(e.self) {
		return false
	}
	return id.PID == e.self.PID || !e.alive(id.PID)
}

// lead runs active while it renews the lease.
//
// Each renewal runs in its own goroutine, one at a time, so that the
// step-down comes on time even when a renewal does not return by its
// deadline: the store's writers queue on a plain mutex, and a write of the
// active work that hangs on a silent network holds it until that work
// stops, which only the step-down makes it do.
func (e *Elector) lead(ctx context.Context, lease model.Lease, sent time.Time, active func(context.Context) error) error {
	e.setStatus(RoleActive, lease)
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan error, 1)
	go func() { done <- active(runCtx) }()

	lastOK := sent
	stepDown := time.NewTimer(e.ttl/2 - time.Since(lastOK))
	defer stepDown.Stop()
	ticker := time.NewTicker(e.tick)
	defer ticker.Stop()
	type renewal struct {
		at  time.Time // when it was sent
		ok  bool
		err error
	}
	renewed := make(chan renewal, 1) // a renewal still out after lead returns must not block
	renewing, failing := false, false
	for {
		select {
		case err := <-done:
			e.release(ctx, lease)
			return err
		case <-stepDown.C:
			return e.stepDown(lease, lastOK, cancel, done, "the lease could not be renewed in time")
		case <-ticker.C:
			if renewing {
				if !failing {
					failing = true
					e.log.Warn("active: the lease renewal is not answering", "steps_down_in", time.Until(lastOK.Add(e.ttl/2)).Round(time.Millisecond))
				}
				continue
			}
			renewing = true
			at := time.Now()
			// Renewals go on while the active work shuts down after ctx
			// ended, so no standby starts before it has stopped.
			rctx, rcancel := context.WithDeadline(context.WithoutCancel(ctx), lastOK.Add(e.ttl/2))
			go func() {
				defer rcancel()
				ok, err := e.leases.RenewLease(rctx, e.name, e.self.String(), lease.Term)
				renewed <- renewal{at: at, ok: ok, err: err}
			}()
		case r := <-renewed:
			renewing = false
			switch {
			case r.err == nil && r.ok:
				lastOK, failing = r.at, false
				stepDown.Reset(e.ttl/2 - time.Since(lastOK))
			case r.err == nil:
				return e.stepDown(lease, lastOK, cancel, done, "another process took the lease")
			case !failing:
				failing = true
				e.log.Warn("active: cannot renew the lease", "err", r.err, "steps_down_in", time.Until(lastOK.Add(e.ttl/2)).Round(time.Millisecond))
			}
		}
	}
}

// stepDown ends the active work and waits for it, at most until a standby
// could take over.
func (e *Elector) stepDown(lease model.Lease, lastOK time.Time, cancel context.CancelCauseFunc, done <-chan error, why string) error {
	e.setStatus(RoleStopping, lease)
	e.log.Error("active: stepping down: "+why, "term", lease.Term)
	stopBy := lastOK.Add(e.ttl * 5 / 6)
	cancel(&stepDownCause{stopBy: stopBy})
	deadline := time.NewTimer(time.Until(stopBy))
	defer deadline.Stop()
	select {
	case <-done:
		return errLost
	case <-deadline.C:
		return fmt.Errorf("active: %w", ErrStepDownTooSlow)
	}
}

// release gives the lease up after the active work ended, so that a standby
// takes over at once.
func (e *Elector) release(ctx context.Context, lease model.Lease) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.ttl/2)
	defer cancel()
	if err := e.leases.ReleaseLease(rctx, e.name, e.self.String(), lease.Term); err != nil {
		e.log.Warn("could not release the lease; a standby takes over when it runs out", "err", err)
		return
	}
	e.log.Info("released the lease", "term", lease.Term)
}
