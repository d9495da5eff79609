//go:build !race

package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// The partition test's lease and load: how long a standby waits for a
// holder it cannot prove dead, and the jobs queued when the holder is cut
// off.
const (
	partitionLeaseTTL = 3 * time.Second
	partitionUsers    = 3
	partitionJobsEach = 2
)

// The slow path of a failover, end to end. Two `discordsend-bot run`
// processes share one PostgreSQL database; the active one, A, reaches it
// through a proxy in this test, which cuts it off while jobs of several
// users are queued and one runs in ComfyUI. A's PID stays alive, so the
// standby, B, may not take over at once: it must wait until it has seen no
// renewal for a whole lease TTL, and A must have closed its Discord gateway
// before then (internal/leader). Then A, still cut off, stands by or exits;
// with its database back it stands by behind B. In the end every job a
// user was told is queued has completed and was delivered exactly once.
//
// The cut comes in two kinds. A reset closes A's connections and refuses
// new ones: every call fails at once. A silent cut lets nothing through and
// closes nothing, as a network that drops packets: calls hang, and a
// write transaction of A's that was under way stays open on the server,
// holding the writer lock, until it has sat idle for 5 s (the store's
// writerIdleLimit), so B's take may wait for that. A silent cut is how A
// once stayed active with B already serving, two gateways at once: its
// renewal waited behind such a write and held up its step-down.
func TestPartitionActiveLosesDatabaseStepsDownBeforeStandbyTakesOver(t *testing.T) {
	ttl := partitionLeaseTTL
	for _, tc := range []struct {
		name   string
		silent bool
		// how long after the cut B may take the lease: A's last renewal
		// may precede the cut by a tick, B reads it up to a tick late and
		// checks it on its own ticks, one more at most; after a silent
		// cut the take may wait for the writer lock instead
		takesWithin time.Duration
	}{
		{"reset", false, ttl + 2*ttl/6 + 2*time.Second},
		{"silent", true, 5*time.Second + 2*time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) { testPartition(t, tc.silent, tc.takesWithin) })
	}
}

func testPartition(t *testing.T, silent bool, takesWithin time.Duration) {
	direct := storetest.Postgres(t)
	pg, err := url.Parse(direct)
	if err != nil {
		t.Fatalf("%s: %v", storetest.EnvPostgres, err)
	}
	pgHost, pgPort, err := net.SplitHostPort(pg.Host)
	if err != nil {
		t.Fatalf("%s names no host:port: %v", storetest.EnvPostgres, err)
	}
	proxy := startDBProxy(t, pg.Host)
	_, proxyPort, _ := net.SplitHostPort(proxy.addr())
	ttl := partitionLeaseTTL
	// Both processes have the same database.url, as docs/DEPLOYMENT.md
	// asks: the ComfyUI client id is derived from it, so that the process
	// taking over hears the prompts of the one before. The URL names no
	// host, which pgx then takes from PGHOST and PGPORT; only A's PGPORT
	// leads through the proxy.
	shared := *pg
	shared.Host = ""
	w := newWorld(t, withoutBot(),
		withComfy(comfytest.WithJobDuration(failoverJobDuration)),
		withEnv("DISCORDBOT_DATABASE_URL", shared.String()),
		withEnv("PGHOST", pgHost),
		withEnv("PGPORT", pgPort),
		withEnv("DISCORDBOT_DATABASE_LEASE_TTL", ttl.String()),
		withEnv("DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER", "100"))
	w.dbURL = direct
	fleet := newFleet(w)
	throughProxy := map[string]string{"PGPORT": proxyPort}

	a := fleet.startWith(throughProxy)
	w.eventually(a.name+" to be active and ready", func() bool { return a.is(leader.RoleActive) && a.ready() })
	b := fleet.startStandby(a)
	st := w.openStore()
	t.Cleanup(func() {
		if t.Failed() {
			dumpQueues(t, st, w.comfy[0])
		}
	})
	watch := &partitionWatch{w: w, st: st}

	// Users queue jobs; ComfyUI stops inside the first.
	users := []*discordtest.User{w.generator("user1")}
	for i := 2; i <= partitionUsers; i++ {
		users = append(users, w.member(fmt.Sprintf("user%d", i), w.genRole))
	}
	comfy := w.comfy[0]
	comfy.Hold()
	var acked []int64
	for n := 1; n <= partitionJobsEach; n++ {
		ias := make([]*discordtest.Interaction, len(users))
		for i, u := range users {
			ias[i] = w.discord.SlashCommand(t.Context(), u, w.general, "generate",
				discordtest.StringArg("prompt", fmt.Sprintf("job %d of user %d", n, i+1)))
		}
		for _, ia := range ias {
			acked = append(acked, jobIDOf(t, w.answer(ia)))
		}
	}
	at := heldAtNode(w, 1)
	running, err := st.JobByPromptID(t.Context(), at.PromptID)
	if err != nil || running.Status.Final() {
		t.Fatalf("ComfyUI runs prompt %s, which is no unfinished job: %+v %v", at.PromptID, running, err)
	}
	watch.sample()
	aConn := -1
	for i, c := range w.discord.GatewayConnections() {
		if c.Open() {
			if aConn >= 0 {
				t.Fatalf("two gateway connections open before the cut: %+v", w.discord.GatewayConnections())
			}
			aConn = i
		}
	}
	if aConn < 0 {
		t.Fatalf("%s holds no gateway connection before the cut", a.name)
	}

	cut := time.Now()
	cutConns := proxy.cut(silent)
	t.Logf("cut %s off from PostgreSQL (%d connections) while job %d (%s) ran node %s in ComfyUI",
		a.name, cutConns, running.ID, running.Status, at.Node)

	// 1. A steps down because it cannot renew, and closes its gateway.
	watch.until(a.name+" to step down and close its gateway", maxTakeover, func() bool {
		return strings.Contains(a.out.String(), "active: stepping down") &&
			!w.discord.GatewayConnections()[aConn].Open()
	})
	steppedDown := logged(t, a, "active: stepping down")
	if !strings.Contains(a.out.String(), "active: stepping down: the lease could not be renewed in time") {
		t.Errorf("%s stepped down for another reason than a failed renewal:\n%s", a.name, grepLines(a.out.String(), "stepping down"))
	}
	aClosed := w.discord.GatewayConnections()[aConn].Closed

	// 2 and 3. B takes over, a whole TTL after the last renewal it saw,
	// and only once A's gateway is closed.
	var bActive time.Time
	watch.until(b.name+" to take over and serve", maxTakeover, func() bool {
		if bActive.IsZero() && b.is(leader.RoleActive) {
			bActive = time.Now()
		}
		return !bActive.IsZero() && b.ready()
	})
	serving := time.Now()
	took := logged(t, b, "active: this process holds the lease")
	if !aClosed.Before(took) {
		t.Errorf("%s took the lease at %s, before %s's gateway connection closed at %s",
			b.name, took.Format(time.StampMilli), a.name, aClosed.Format(time.StampMilli))
	}
	conns := w.discord.GatewayConnections()
	if len(conns) <= aConn+1 {
		t.Fatalf("%s serves but opened no gateway connection: %+v", b.name, conns)
	}
	bConn := conns[aConn+1]
	if !aClosed.Before(bConn.Opened) {
		t.Errorf("%s's gateway connection opened at %s, before %s's closed at %s",
			b.name, bConn.Opened.Format(time.StampMilli), a.name, aClosed.Format(time.StampMilli))
	}
	lastA, takeRow, exact := watch.handover(a.pid(), b.pid())
	if lastA.Holder == "" {
		t.Fatalf("the test never saw %s holding the lease: %+v", a.name, watch.leases)
	}
	// B's clock started when it read A's last renewal, which was committed
	// after A stamped it: the take is a whole TTL after that stamp. (The
	// stamps are in milliseconds, as the log's times are.)
	if wait := took.Sub(lastA.RenewedAt); wait < ttl {
		t.Errorf("%s took the lease %v after %s's last renewal (term %d, version %d), less than the TTL %v",
			b.name, wait, a.name, lastA.Term, lastA.Version, ttl)
	}
	if exact && takeRow.RenewedAt.Sub(lastA.RenewedAt) < ttl {
		t.Errorf("%s's take (version %d) is stamped %v after %s's last renewal, less than the TTL %v",
			b.name, takeRow.Version, takeRow.RenewedAt.Sub(lastA.RenewedAt), a.name, ttl)
	}
	if d := took.Sub(cut); d > takesWithin {
		t.Errorf("%s took the lease %v after the cut, more than %v", b.name, d, takesWithin)
	}
	if d := bActive.Sub(cut); d > maxTakeover {
		t.Errorf("%s was active %v after the cut, more than %v", b.name, d, maxTakeover)
	}

	// 4. A, still cut off, stands by or gives up; with its database back
	// it stands by behind B.
	watch.until(a.name+" to stand by again or exit", maxTakeover, func() bool {
		return a.exited() || strings.Contains(a.out.String(), "standing by again")
	})
	outcome := "stood by, its process alive"
	if a.exited() {
		outcome = fmt.Sprintf("exited (%v)", a.exit)
		var ee *exec.ExitError
		if !errors.As(a.exit, &ee) || ee.ExitCode() != ExitFailure || !strings.Contains(a.out.String(), leader.ErrStepDownTooSlow.Error()) {
			t.Errorf("%s exited with %v, want exit code %d after %q", a.name, a.exit, ExitFailure, leader.ErrStepDownTooSlow)
		}
	}
	proxy.restore()
	standby := a
	if a.exited() {
		standby = fleet.startWith(throughProxy)
	}
	behindB := fmt.Sprintf("(pid %d)", b.pid())
	watch.until(standby.name+" to stand by behind "+b.name, maxTakeover, func() bool {
		h, ok := standby.health()
		return ok && h["role"] == string(leader.RoleStandby) && strings.HasSuffix(h["active"], behindB)
	})

	// 5. Every acknowledged job completes, once.
	comfy.Release()
	for _, id := range acked {
		watch.until(fmt.Sprintf("job %d to complete", id), 60*time.Second, jobCompleted(t, st, id))
	}
	deliveredOnce(t, w, st, acked)
	if most := maxOpenAtOnce(w.discord.GatewayConnections()); most > 1 || watch.maxOpen > 1 {
		t.Errorf("up to %d gateway connections were open at once (%d in the samples): %+v",
			most, watch.maxOpen, w.discord.GatewayConnections())
	}
	requeued := 0
	if jobs, err := st.ListJobs(t.Context(), store.JobFilter{}); err == nil {
		for _, j := range jobs {
			requeued += min(j.Attempts, 1)
		}
	}

	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	renewal := "the test missed it"
	if exact {
		renewal = "seen exactly"
	}
	t.Logf("after the cut: %s stepped down at +%v, its gateway closed at +%v; %s took the lease at +%v "+
		"(%v after %s's last renewal, which was %v before the cut, %s), was active at +%v, served at +%v; "+
		"%v between the two gateway connections; %s %s; %d jobs, %d of them queued again",
		a.name, ms(steppedDown.Sub(cut)), ms(aClosed.Sub(cut)), b.name, ms(took.Sub(cut)),
		ms(took.Sub(lastA.RenewedAt)), a.name, ms(cut.Sub(lastA.RenewedAt)), renewal, ms(bActive.Sub(cut)), ms(serving.Sub(cut)),
		ms(bConn.Opened.Sub(aClosed)), a.name, outcome, len(acked), requeued)
}

// partitionWatch samples, on every poll of the test, how many gateway
// connections are open and the lease as the database has it.
type partitionWatch struct {
	w       *world
	st      *store.Store
	maxOpen int
	leases  []model.Lease // every version seen, in order
}

// sample takes one sample; two gateway connections open at once fail the
// test.
func (pw *partitionWatch) sample() {
	open := 0
	for _, c := range pw.w.discord.GatewayConnections() {
		if c.Open() {
			open++
		}
	}
	if open > 1 && pw.maxOpen <= 1 {
		pw.w.t.Errorf("%d gateway connections open at once at %s", open, time.Now().Format(time.StampMilli))
	}
	pw.maxOpen = max(pw.maxOpen, open)
	ctx, cancel := context.WithTimeout(pw.w.t.Context(), 5*time.Second)
	defer cancel()
	l, err := pw.st.ReadLease(ctx, leader.DefaultName)
	if err != nil {
		pw.w.t.Errorf("the test cannot read the lease: %v", err)
		return
	}
	if n := len(pw.leases); n == 0 || pw.leases[n-1].Term != l.Term || pw.leases[n-1].Version != l.Version {
		pw.leases = append(pw.leases, l)
	}
}

// until polls cond, sampling before each poll, for at most limit.
func (pw *partitionWatch) until(what string, limit time.Duration, cond func() bool) {
	pw.w.t.Helper()
	deadline := time.After(limit)
	poll := time.NewTicker(25 * time.Millisecond)
	defer poll.Stop()
	for pw.sample(); !cond(); pw.sample() {
		select {
		case <-deadline:
			pw.w.saveLogs()
			pw.w.t.Fatalf("%s took more than %v; logs:\n%s", what, limit, tail(pw.w.logs.String(), 4000))
		case <-poll.C:
		}
	}
}

// handover finds the last version of the lease that from held and the
// first that to held; exact is whether they are consecutive, so that the
// first is to's take and the last was indeed from's last renewal.
func (pw *partitionWatch) handover(from, to int) (last, first model.Lease, exact bool) {
	holder := func(l model.Lease) int {
		id, _ := leader.ParseIdentity(l.Holder)
		return id.PID
	}
	for _, l := range pw.leases {
		switch holder(l) {
		case from:
			last = l
		case to:
			if first.Holder == "" {
				first = l
			}
		}
	}
	exact = last.Holder != "" && first.Holder != "" && first.Term == last.Term+1 && first.Version == last.Version+1
	return last, first, exact
}

// maxOpenAtOnce is the most connections open at one moment, by the times
// the server recorded.
func maxOpenAtOnce(conns []discordtest.GatewayConnection) int {
	most := 0
	for _, c := range conns {
		open := 0
		for _, o := range conns {
			if !o.Opened.After(c.Opened) && (o.Open() || o.Closed.After(c.Opened)) {
				open++
			}
		}
		most = max(most, open)
	}
	return most
}

var logTime = regexp.MustCompile(`^time=(\S+) `)

// logged is when p first logged a line containing msg, by its own clock;
// the line must be there.
func logged(t *testing.T, p *botProcess, msg string) time.Time {
	t.Helper()
	for _, line := range strings.Split(p.out.String(), "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		if m := logTime.FindStringSubmatch(line); m != nil {
			if at, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
				return at
			}
		}
		t.Fatalf("%s logged %q without a time: %s", p.name, msg, line)
	}
	t.Fatalf("%s never logged %q", p.name, msg)
	return time.Time{}
}

// grepLines is the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// dbProxy forwards TCP connections to the database, so that a test can
// cut a process off from it as a failed network would, and restore it.
type dbProxy struct {
	ln       net.Listener
	upstream string
	wg       sync.WaitGroup

	mu      sync.Mutex
	refuse  bool                  // new connections are closed at once
	flowing chan struct{}         // closed while bytes go through
	conns   map[net.Conn]struct{} // both ends of every forwarded connection
}

func startDBProxy(t *testing.T, upstream string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, upstream: upstream, flowing: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	close(p.flowing)
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.cut(false)
		p.restore()
		p.wg.Wait()
	})
	return p
}

func (p *dbProxy) addr() string { return p.ln.Addr().String() }

func (p *dbProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		p.wg.Go(func() { p.forward(c) })
	}
}

func (p *dbProxy) forward(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, up) { // reset while it dialled
		c.Close()
		up.Close()
		return
	}
	copied := make(chan struct{}, 2)
	go func() { p.pipe(up, c); copied <- struct{}{} }()
	go func() { p.pipe(c, up); copied <- struct{}{} }()
	<-copied
	c.Close()
	up.Close()
	<-copied
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// pipe copies src to dst, holding what it read while the proxy is
// silent; the kernel's buffers then fill and the sender stalls.
func (p *dbProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			flowing := p.flowing
			p.mu.Unlock()
			<-flowing
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// track adds a connection's ends, unless the proxy refuses connections.
func (p *dbProxy) track(ends ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refuse {
		return false
	}
	for _, c := range ends {
		p.conns[c] = struct{}{}
	}
	return true
}

// cut stops the traffic and returns how many connections it had: a reset
// closes them all and refuses new ones; a silent cut closes nothing and
// lets nothing through either way, on old connections or new, until
// restore.
func (p *dbProxy) cut(silent bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.conns) / 2
	if silent {
		select {
		case <-p.flowing:
			p.flowing = make(chan struct{})
		default:
		}
		return n
	}
	p.refuse = true
	for c := range p.conns {
		c.Close()
	}
	return n
}

// restore lets connections through again; after a silent cut, what was
// held goes on its way.
func (p *dbProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = false
	select {
	case <-p.flowing:
	default:
		close(p.flowing)
	}
}
