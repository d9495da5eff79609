package leader

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// stopByProbe runs an elector whose active work notes, when its context
// ends, when that was and what StopBy said.
type stopByProbe struct {
	tbl    *table
	view   *view
	cancel context.CancelFunc
	done   chan error
	ended  chan stopBySeen
}

type stopBySeen struct {
	at     time.Time
	stopBy time.Time
	ok     bool
}

func startProbe(t *testing.T) *stopByProbe {
	p := &stopByProbe{tbl: &table{}, done: make(chan error, 1), ended: make(chan stopBySeen, 1)}
	p.view = &view{t: p.tbl, freed: make(chan struct{})}
	e := New(Options{Leases: p.view, Self: Identity{Host: "a", PID: 100, Nonce: "a"}, TTL: ttl, Alive: func(int) bool { return true }})
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		p.done <- e.Run(ctx, func(ctx context.Context) error {
			if by, ok := StopBy(ctx); ok {
				t.Errorf("StopBy while active = %v, true; want false", by)
			}
			<-ctx.Done()
			by, ok := StopBy(ctx)
			p.ended <- stopBySeen{at: time.Now(), stopBy: by, ok: ok}
			return nil
		})
	}()
	t.Cleanup(func() { close(p.view.freed); cancel(); <-p.done })
	return p
}

// A step-down tells the active work the moment Run gives up on it: 5/6 of
// the TTL after the last renewal that was answered, whether the lease
// could not be renewed or another process took it.
func TestStopByIsWhenAStepDownGivesUpOnTheWork(t *testing.T) {
	steps := map[string]func(p *stopByProbe){
		"renewals fail":  func(p *stopByProbe) { p.view.cut(false) },
		"lease taken":    func(p *stopByProbe) { p.tbl.set("intruder:1::z", 2) },
		"renewals hang":  func(p *stopByProbe) { p.view.cut(true) },
		"renewals stuck": func(p *stopByProbe) { p.view.stick() },
	}
	for name, step := range steps {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				began := time.Now()
				p := startProbe(t)
				// Renewals go out every TTL/6 (1 s); the one sent at +5 s
				// is the last answered.
				time.Sleep(5*time.Second + time.Second/2)
				step(p)
				seen := <-p.ended
				if !seen.ok {
					t.Fatal("StopBy after a step-down: ok = false")
				}
				lastOK := began.Add(5 * time.Second)
				if want := lastOK.Add(ttl * 5 / 6); !seen.stopBy.Equal(want) {
					t.Fatalf("StopBy = +%v, want +%v (5/6 of the TTL after the last renewal)", seen.stopBy.Sub(began), want.Sub(began))
				}
				if !seen.at.Before(seen.stopBy) {
					t.Fatalf("the work was told to stop at +%v, not before its limit +%v", seen.at.Sub(began), seen.stopBy.Sub(began))
				}
			})
		})
	}
}

// A stop (Run's own context ending) sets no such limit: the lease is
// renewed while the work shuts down.
func TestStopByIsUnsetOnAStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := startProbe(t)
		time.Sleep(3 * time.Second)
		p.cancel()
		if seen := <-p.ended; seen.ok {
			t.Fatalf("StopBy after a stop = +%v, true; want false", seen.stopBy)
		}
	})
}
