package leader

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

const ttl = 6 * time.Second

// phase is one stretch of a process's active work.
type phase struct{ start, stop time.Time }

// proc is one bot process: an elector over its own view of the table,
// whose active work the test shapes.
type proc struct {
	t    *testing.T
	id   Identity
	view *view
	e    *Elector

	shutdown time.Duration // how long the active work takes to stop
	stubborn bool          // the active work ignores its context
	fail     error         // the active work fails at once with this
	release  chan struct{} // frees stubborn work at the end of the test

	cancel context.CancelFunc
	done   chan error

	mu     sync.Mutex
	phases []phase
}

type procOpt func(*proc)

func shutdownTakes(d time.Duration) procOpt { return func(p *proc) { p.shutdown = d } }
func stubborn() procOpt                     { return func(p *proc) { p.stubborn = true } }
func failsWith(err error) procOpt           { return func(p *proc) { p.fail = err } }

func start(t *testing.T, tbl *table, name string, opts ...procOpt) *proc {
	t.Helper()
	p := &proc{t: t, id: Identity{Host: name, PID: 100, Nonce: name}, view: &view{t: tbl, freed: make(chan struct{})},
		release: make(chan struct{}), done: make(chan error, 1)}
	for _, o := range opts {
		o(p)
	}
	p.e = New(Options{Leases: p.view, Self: p.id, TTL: ttl, Alive: func(int) bool { return true }})
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	t.Cleanup(func() { close(p.release); close(p.view.freed); cancel(); <-p.done })
	go func() { p.done <- p.e.Run(ctx, p.active) }()
	return p
}

func (p *proc) active(ctx context.Context) error {
	p.mu.Lock()
	p.phases = append(p.phases, phase{start: time.Now()})
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.phases[len(p.phases)-1].stop = time.Now()
		p.mu.Unlock()
	}()
	if p.fail != nil {
		return p.fail
	}
	if p.stubborn {
		<-p.release
		return nil
	}
	<-ctx.Done()
	time.Sleep(p.shutdown)
	return nil
}

func (p *proc) snapshot() []phase {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]phase(nil), p.phases...)
}

// activeSince returns when the current active phase started, failing the
// test when the process is not active.
func (p *proc) activeSince() time.Time {
	p.t.Helper()
	ph := p.snapshot()
	if len(ph) == 0 || !ph[len(ph)-1].stop.IsZero() {
		p.t.Fatalf("%s is not active (phases %v)", p.id.Host, ph)
	}
	return ph[len(ph)-1].start
}

func (p *proc) isActive() bool {
	ph := p.snapshot()
	return len(ph) > 0 && ph[len(ph)-1].stop.IsZero()
}

// noOverlap fails the test when two processes were ever active at once.
func noOverlap(t *testing.T, procs ...*proc) {
	t.Helper()
	end := func(ph phase) time.Time {
		if ph.stop.IsZero() {
			return time.Now().Add(time.Hour)
		}
		return ph.stop
	}
	for i, a := range procs {
		for _, b := range procs[i+1:] {
			for _, pa := range a.snapshot() {
				for _, pb := range b.snapshot() {
					if pa.start.Before(end(pb)) && pb.start.Before(end(pa)) {
						t.Fatalf("%s active %v–%v overlaps %s active %v–%v", a.id.Host, pa.start, pa.stop, b.id.Host, pb.start, pb.stop)
					}
				}
			}
		}
	}
}

func TestFirstProcessIsActiveAtOnceAndTheSecondStandsBy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		began := time.Now()
		tbl := &table{}
		a := start(t, tbl, "a")
		synctest.Wait()
		if got := a.activeSince(); !got.Equal(began) {
			t.Fatalf("a became active at +%v, want at once", got.Sub(began))
		}
		b := start(t, tbl, "b")
		time.Sleep(time.Minute)
		synctest.Wait()
		if b.isActive() {
			t.Fatal("b became active while a renews the lease")
		}
		if st := b.e.Status(); st.Role != RoleStandby || st.Active != a.id.String() || st.Term != 1 {
			t.Fatalf("b's status = %+v, want standby with a active in term 1", st)
		}
		if st := a.e.Status(); st.Role != RoleActive || st.Active != a.id.String() || !st.Since.Equal(began) {
			t.Fatalf("a's status = %+v, want active since the start", st)
		}
	})
}

func TestStandbyTakesOverOnceTheActiveStopsRenewing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The holder died before this process started: it has only its own
		// first look at the lease to go by.
		tbl := &table{}
		tbl.set(Identity{Host: "gone", PID: 7, Nonce: "x"}.String(), 3)
		began := time.Now()
		b := start(t, tbl, "b")
		time.Sleep(ttl + time.Second)
		synctest.Wait()
		took := b.activeSince().Sub(began)
		if took < ttl || took > ttl+ttl/6 {
			t.Fatalf("took over after %v, want between the TTL (%v) and one poll more", took, ttl)
		}
		if l := tbl.get(); l.Holder != b.id.String() || l.Term != 4 {
			t.Fatalf("lease = %+v, want b's in term 4", l)
		}
	})
}

// Whether its calls are refused, hang until their deadline, or never
// answer at all (the store's writers queue on a mutex, behind a write the
// network lost), an active process cut off from the database steps down
// on time, before the standby starts.
func TestActiveCutOffFromTheDatabaseStopsBeforeTheStandbyStarts(t *testing.T) {
	cuts := map[string]func(*view){
		"refused": func(v *view) { v.cut(false) },
		"hanging": func(v *view) { v.cut(true) },
		"stuck":   func(v *view) { v.stick() },
	}
	for name, cut := range cuts {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tbl := &table{}
				a := start(t, tbl, "a", shutdownTakes(time.Second))
				synctest.Wait()
				b := start(t, tbl, "b")
				time.Sleep(10*time.Second + time.Second/3)
				at := time.Now()
				cut(a.view)
				time.Sleep(3 * ttl)
				synctest.Wait()

				stopped := a.snapshot()[0].stop
				if stopped.IsZero() || stopped.Sub(at) > ttl/2+time.Second {
					t.Fatalf("a stopped at +%v after the cut, want within TTL/2 of its last renewal and its 1 s shutdown", stopped.Sub(at))
				}
				took := b.activeSince()
				if !took.After(stopped) {
					t.Fatalf("b started at %v, before a stopped at %v", took, stopped)
				}
				if took.Sub(at) > ttl+ttl/3 {
					t.Fatalf("b took over %v after the cut, want within the TTL and two polls", took.Sub(at))
				}
				if st := a.e.Status(); st.Role != RoleStandby {
					t.Fatalf("a's role = %s, want standby again", st.Role)
				}
				noOverlap(t, a, b)
			})
		})
	}
}

func TestActiveThatCannotStopEndsRunBeforeAStandbyCanStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tbl := &table{}
		a := start(t, tbl, "a", stubborn())
		synctest.Wait()
		b := start(t, tbl, "b")
		time.Sleep(5 * time.Second)
		cut := time.Now()
		a.view.cut(false)
		var ended time.Time
		select {
		case err := <-a.done:
			ended = time.Now()
			a.done <- err // for the cleanup
			if !errors.Is(err, ErrStepDownTooSlow) {
				t.Fatalf("Run = %v, want ErrStepDownTooSlow", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("Run did not return")
		}
		if ended.Sub(cut) > ttl*5/6 {
			t.Fatalf("Run returned %v after the cut, want within 5/6 of the TTL", ended.Sub(cut))
		}
		time.Sleep(2 * ttl)
		synctest.Wait()
		if took := b.activeSince(); !took.After(ended) {
			t.Fatalf("b started at %v, before a's Run returned at %v", took, ended)
		}
	})
}

func TestReleasedLeaseIsTakenOverAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tbl := &table{}
		a := start(t, tbl, "a")
		synctest.Wait()
		b := start(t, tbl, "b")
		time.Sleep(20 * time.Second)
		a.cancel()
		stopped := time.Now()
		if err := <-a.done; err != nil {
			t.Fatalf("Run after its context ended = %v, want nil", err)
		}
		a.done <- nil
		time.Sleep(time.Second)
		synctest.Wait()
		if took := b.activeSince().Sub(stopped); took > ttl/6 {
			t.Fatalf("b took over %v after a released the lease, want within one poll", took)
		}
		noOverlap(t, a, b)
	})
}

func TestActiveKeepsTheLeaseWhileItShutsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tbl := &table{}
		a := start(t, tbl, "a", shutdownTakes(3*ttl))
		synctest.Wait()
		b := start(t, tbl, "b")
		time.Sleep(time.Second)
		a.cancel()
		time.Sleep(3*ttl + time.Second)
		synctest.Wait()
		b.activeSince()
		noOverlap(t, a, b)
	})
}

func TestDeposedActiveStopsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tbl := &table{}
		a := start(t, tbl, "a")
		synctest.Wait()
		time.Sleep(time.Second / 2)
		tbl.set("intruder:1::z", 2)
		taken := time.Now()
		time.Sleep(ttl)
		synctest.Wait()
		ph := a.snapshot()
		if ph[0].stop.IsZero() || ph[0].stop.Sub(taken) > ttl/6 {
			t.Fatalf("a stopped %v after its lease was taken, want within one renewal", ph[0].stop.Sub(taken))
		}
		if a.isActive() {
			t.Fatal("a became active again before the intruder's lease ran out")
		}
	})
}

func TestFailingActiveWorkEndsRunAndReleasesTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tbl := &table{}
		bad := errors.New("discord: 401 Unauthorized")
		a := start(t, tbl, "a", failsWith(bad))
		err := <-a.done
		a.done <- err
		if !errors.Is(err, bad) {
			t.Fatalf("Run = %v, want the active work's error", err)
		}
		if l := tbl.get(); l.Held() {
			t.Fatalf("lease = %+v, want released", l)
		}
	})
}

func TestHolderKnownDeadOnThisMachineIsTakenAtOnce(t *testing.T) {
	self := Identity{Host: "box", PID: 50, Space: "4026531836.f0755da8", Nonce: "me"}
	tests := []struct {
		name   string
		holder string
		alive  bool
		atOnce bool
	}{
		{"dead PID here", Identity{Host: "box", PID: 41, Space: self.Space, Nonce: "o"}.String(), false, true},
		{"this PID in an earlier life", Identity{Host: "box", PID: 50, Space: self.Space, Nonce: "old"}.String(), true, true},
		{"live PID here", Identity{Host: "box", PID: 41, Space: self.Space, Nonce: "o"}.String(), true, false},
		{"dead PID in another container", Identity{Host: "box", PID: 41, Space: "4026532999.f0755da8", Nonce: "o"}.String(), false, false},
		{"dead PID before a reboot", Identity{Host: "box", PID: 41, Space: "4026531836.0badb00t", Nonce: "o"}.String(), false, false},
		{"another machine", Identity{Host: "other", PID: 41, Space: self.Space, Nonce: "o"}.String(), false, false},
		{"PID namespace unknown", Identity{Host: "box", PID: 41, Nonce: "o"}.String(), false, false},
		{"not an identity", "someone", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tbl := &table{}
				tbl.set(tt.holder, 1)
				began := time.Now()
				p := &proc{t: t, id: self, view: &view{t: tbl}, release: make(chan struct{}), done: make(chan error, 1)}
				p.e = New(Options{Leases: p.view, Self: self, TTL: ttl, Alive: func(pid int) bool {
					if pid == self.PID {
						t.Error("looked up its own PID")
					}
					return tt.alive
				}})
				ctx, cancel := context.WithCancel(context.Background())
				go func() { p.done <- p.e.Run(ctx, p.active) }()
				time.Sleep(2 * ttl)
				synctest.Wait()
				took := p.activeSince().Sub(began)
				cancel()
				<-p.done
				if tt.atOnce && took != 0 {
					t.Fatalf("took over after %v, want at once", took)
				}
				if !tt.atOnce && took < ttl {
					t.Fatalf("took over after %v, want to wait the TTL (%v)", took, ttl)
				}
			})
		})
	}
}

func TestIdentityRoundTrips(t *testing.T) {
	id := Identity{Host: "gpu:box", PID: 4242, Space: "4026531836.f0755da8", Nonce: "a1b2"}
	got, ok := ParseIdentity(id.String())
	want := Identity{Host: "gpu_box", PID: 4242, Space: id.Space, Nonce: id.Nonce}
	if !ok || got != want {
		t.Fatalf("ParseIdentity(%q) = %+v, %v; want %+v", id.String(), got, ok, want)
	}
	if got := DisplayHolder(id.String()); got != "gpu_box (pid 4242)" {
		t.Fatalf("DisplayHolder = %q", got)
	}
	for _, bad := range []string{"", "host", "host:x:s:n", "host:0:s:n", ":5:s:n", "a:1:b:c:d"} {
		if _, ok := ParseIdentity(bad); ok {
			t.Errorf("ParseIdentity(%q) ok, want refused", bad)
		}
	}
	if got := DisplayHolder("someone"); got != "someone" {
		t.Fatalf("DisplayHolder of a foreign holder = %q", got)
	}
	self := ThisProcess()
	if self.PID <= 0 || self.Host == "" || len(self.Nonce) != 8 {
		t.Fatalf("ThisProcess = %+v", self)
	}
	if !processAlive(self.PID) {
		t.Fatal("processAlive(own PID) = false")
	}
}

func TestSlowTakeoverDoesNotStepDownAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tbl := &table{}
		p := &proc{t: t, id: Identity{Host: "a", PID: 100, Nonce: "a"}, view: &view{t: tbl, takeDelay: ttl * 2 / 3}, release: make(chan struct{}), done: make(chan error, 1)}
		p.e = New(Options{Leases: p.view, Self: p.id, TTL: ttl, Alive: func(int) bool { return true }})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { p.done <- p.e.Run(ctx, p.active) }()
		defer func() { cancel(); <-p.done }()
		time.Sleep(3 * ttl)
		synctest.Wait()
		if ph := p.snapshot(); len(ph) != 1 || !ph[0].stop.IsZero() {
			t.Fatalf("phases = %v, want one active term since the slow take", ph)
		}
	})
}
