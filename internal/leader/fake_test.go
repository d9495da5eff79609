package leader

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// table is an in-memory lease table with the store's compare-and-set rules.
type table struct {
	mu    sync.Mutex
	lease model.Lease
}

func (t *table) get() model.Lease {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lease
}

// set replaces the row, as a process this test does not run would.
func (t *table) set(holder string, term int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lease.Holder, t.lease.Term = holder, term
	t.lease.Version++
}

// view is one process's connection to the table, which the test can cut.
type view struct {
	t *table

	mu    sync.Mutex
	down  bool // calls fail at once
	hang  bool // calls block until their context ends
	stuck bool // calls block, whatever their context, until freed closes
	// takeDelay is how long a take waits before it is answered, as one
	// queued behind the database's writer lock does.
	takeDelay time.Duration

	freed chan struct{} // closed when the test ends
}

var errDown = errors.New("connection refused")

func (v *view) cut(hang bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.down, v.hang = !hang, hang
}

// stick makes every call block, ignoring its context, as a store call
// waiting for a lock that a write lost on the network holds.
func (v *view) stick() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.stuck = true
}

func (v *view) call(ctx context.Context) error {
	v.mu.Lock()
	down, hang, stuck := v.down, v.hang, v.stuck
	v.mu.Unlock()
	switch {
	case stuck:
		<-v.freed
		return errDown
	case hang:
		<-ctx.Done()
		return ctx.Err()
	case down:
		return errDown
	}
	return nil
}

func (v *view) ReadLease(ctx context.Context, name string) (model.Lease, error) {
	if err := v.call(ctx); err != nil {
		return model.Lease{}, err
	}
	l := v.t.get()
	l.Name = name
	return l, nil
}

func (v *view) TakeLease(ctx context.Context, name, holder string, seen model.Lease) (model.Lease, bool, error) {
	if err := v.call(ctx); err != nil {
		return model.Lease{}, false, err
	}
	time.Sleep(v.takeDelay)
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	if v.t.lease.Term != seen.Term || v.t.lease.Version != seen.Version {
		return model.Lease{}, false, nil
	}
	v.t.lease = model.Lease{Name: name, Holder: holder, Term: seen.Term + 1, Version: seen.Version + 1, RenewedAt: time.Now()}
	return v.t.lease, true, nil
}

func (v *view) RenewLease(ctx context.Context, _ string, holder string, term int64) (bool, error) {
	if err := v.call(ctx); err != nil {
		return false, err
	}
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	if v.t.lease.Holder != holder || v.t.lease.Term != term {
		return false, nil
	}
	v.t.lease.Version++
	v.t.lease.RenewedAt = time.Now()
	return true, nil
}

func (v *view) ReleaseLease(ctx context.Context, _ string, holder string, term int64) error {
	if err := v.call(ctx); err != nil {
		return err
	}
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	if v.t.lease.Holder == holder && v.t.lease.Term == term {
		v.t.lease.Holder = ""
		v.t.lease.Version++
	}
	return nil
}
