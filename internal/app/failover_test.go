//go:build !race

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// The failover test's shape: how often the active process is killed, how
// many users queue a job before each kill, and what a takeover may take.
const (
	failoverRounds      = 20
	failoverUsers       = 3
	failoverLeaseTTL    = 3 * time.Second
	failoverJobDuration = time.Second
	maxTakeover         = 10 * time.Second
)

// Issue 13's acceptance test. Two `discordsend-bot run` processes share one
// PostgreSQL database; twenty times in a row, with jobs of several users
// queued and one of them running in ComfyUI, the active process is killed
// with SIGKILL (no shutdown, no lease release, a delivery possibly half
// done). Each time the standby must take over within maxTakeover and a
// fresh process becomes the next standby. In the end every job a user was
// told is queued has completed and was delivered exactly once, and Discord
// saw no interaction acknowledged twice (40060) and none left unanswered.
func TestFailoverSIGKILLActiveMidJob20TimesLosesAndRepeatsNothing(t *testing.T) {
	dbURL := storetest.Postgres(t)
	w := newWorld(t, withoutBot(),
		withComfy(comfytest.WithJobDuration(failoverJobDuration)),
		withEnv("DISCORDBOT_DATABASE_URL", dbURL),
		withEnv("DISCORDBOT_DATABASE_LEASE_TTL", failoverLeaseTTL.String()),
		withEnv("DISCORDBOT_HTTP_LISTEN", "127.0.0.1:0"),
		// Jobs pile up across rounds; no user may hit the queue limit.
		withEnv("DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER", "100"))
	w.dbURL = dbURL
	fleet := newFleet(w)

	first := fleet.start()
	w.eventually("the first process to be active and ready", func() bool { return first.is(leader.RoleActive) && first.ready() })
	fleet.startStandby(first)
	st := w.openStore()
	t.Cleanup(func() {
		if t.Failed() {
			dumpQueues(t, st, w.comfy[0])
		}
	})

	users := []*discordtest.User{w.generator("user1")}
	for i := 2; i <= failoverUsers; i++ {
		users = append(users, w.member(fmt.Sprintf("user%d", i), w.genRole))
	}

	comfy := w.comfy[0]
	var acked []int64
	var takeovers, readies []time.Duration
	for round := 1; round <= failoverRounds; round++ {
		active, standby := fleet.roles()
		// ComfyUI stops at its next checkpoint, so that the kill lands in
		// the middle of a job however fast the jobs run.
		comfy.Hold()
		// The users act at once; each is told their job is queued.
		ias := make([]*discordtest.Interaction, len(users))
		for i, u := range users {
			ias[i] = w.discord.SlashCommand(t.Context(), u, w.general, "generate",
				discordtest.StringArg("prompt", fmt.Sprintf("round %d user %d", round, i+1)))
		}
		for _, ia := range ias {
			acked = append(acked, jobIDOf(t, w.answer(ia)))
		}
		at := heldAtNode(w, round)
		running, err := st.JobByPromptID(t.Context(), at.PromptID)
		if err != nil || running.Status.Final() {
			t.Fatalf("round %d: ComfyUI runs prompt %s, which is no unfinished job: %+v %v", round, at.PromptID, running, err)
		}

		killed := time.Now()
		active.kill()
		// Odd rounds let the job finish while no process follows it; even
		// rounds keep it running until the new active one does.
		if round%2 == 1 {
			comfy.Release()
		}
		var takeover time.Duration
		w.eventually(fmt.Sprintf("round %d: %s to take over from %s", round, standby.name, active.name), func() bool {
			if takeover == 0 && standby.is(leader.RoleActive) {
				takeover = time.Since(killed)
			}
			return takeover != 0 && standby.ready()
		})
		ready := time.Since(killed)
		comfy.Release()
		t.Logf("round %d: killed %s while job %d (%s) ran node %s in ComfyUI; %s active after %v, serving after %v",
			round, active.name, running.ID, running.Status, at.Node, standby.name, takeover.Round(time.Millisecond), ready.Round(time.Millisecond))
		if takeover > maxTakeover {
			t.Errorf("round %d: the takeover took %v, more than %v", round, takeover, maxTakeover)
		}
		takeovers, readies = append(takeovers, takeover), append(readies, ready)
		fleet.startStandby(standby)
	}

	// Nothing lost: every job a user was told about completes.
	drain := time.Now()
	for _, id := range acked {
		w.eventually(fmt.Sprintf("job %d to complete", id), jobCompleted(t, st, id))
	}
	drained := time.Since(drain)
	deliveredOnce(t, w, st, acked)
	requeued := 0
	if jobs, err := st.ListJobs(t.Context(), store.JobFilter{}); err == nil {
		for _, j := range jobs {
			requeued += min(j.Attempts, 1)
		}
	}
	t.Logf("%d rounds, %d jobs of %d users, %d of them queued again; takeover (kill → active) %s; kill → serving %s; "+
		"the last jobs completed %v after the last takeover",
		failoverRounds, len(acked), len(users), requeued, spread(takeovers), spread(readies), drained.Round(time.Second))
}

// dumpQueues logs the unfinished jobs as the database has them and
// ComfyUI's queue, to tell where a stuck job is.
func dumpQueues(t *testing.T, st *store.Store, comfy *comfytest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	jobs, err := st.ActiveJobs(ctx)
	if err != nil {
		t.Logf("unfinished jobs: %v", err)
	}
	for _, j := range jobs {
		t.Logf("unfinished job %d: %s, prompt %s, attempts %d, queued %s, started %s", j.ID, j.Status, j.PromptID, j.Attempts,
			j.QueuedAt.Format(time.StampMilli), j.StartedAt.Format(time.StampMilli))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, comfy.URL()+"/queue", nil)
	if err != nil {
		t.Logf("ComfyUI queue: %v", err)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("ComfyUI queue: %v", err)
		return
	}
	defer resp.Body.Close()
	var q struct {
		Running [][]json.RawMessage `json:"queue_running"`
		Pending [][]json.RawMessage `json:"queue_pending"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		t.Logf("ComfyUI queue: %v", err)
		return
	}
	ids := func(items [][]json.RawMessage) (out []string) {
		for _, it := range items {
			if len(it) > 1 {
				out = append(out, string(it[1]))
			}
		}
		return out
	}
	t.Logf("ComfyUI runs %v; waiting: %v", ids(q.Running), ids(q.Pending))
}

// heldAtNode steps the held ComfyUI until it stops inside a prompt, at
// the start of one of its nodes.
func heldAtNode(w *world, round int) comfytest.Checkpoint {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), 60*time.Second)
	defer cancel()
	for {
		at, err := w.comfy[0].WaitHeld(ctx)
		if err != nil {
			w.saveLogs()
			w.t.Fatalf("round %d: ComfyUI ran no job: %v; logs:\n%s", round, err, tail(w.logs.String(), 4000))
		}
		if at.Stage == comfytest.StageNode {
			return at
		}
		w.comfy[0].Step()
	}
}

var resultTitle = regexp.MustCompile(`^✅ Job #(\d+)$`)

// resultCounts counts the result messages the bot posted, in any channel,
// by job id.
func resultCounts(w *world) map[int64]int {
	n := map[int64]int{}
	for _, e := range w.discord.Events() {
		if e.Kind != discordtest.KindMessage || len(e.Embeds) == 0 {
			continue
		}
		if m := resultTitle.FindStringSubmatch(e.Embeds[0].Title); m != nil {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			n[id]++
		}
	}
	return n
}

// spread is min/median/max of durations.
func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("min %v, median %v, max %v", r(s[0]), r(s[len(s)/2]), r(s[len(s)-1]))
}

// fleet is the bot processes of a test: children running `discordsend-bot
// run` against the world's fakes and one shared database.
type fleet struct {
	w   *world
	dir string // each process's output, one file each
	all []*botProcess
}

func newFleet(w *world) *fleet {
	dir, err := os.MkdirTemp("", "discordsend-failover-*")
	if err != nil {
		w.t.Fatal(err)
	}
	f := &fleet{w: w, dir: dir}
	// Registered before any process starts, so it runs after they are all
	// killed and their output is complete.
	w.t.Cleanup(func() {
		if !w.t.Failed() {
			os.RemoveAll(dir)
			return
		}
		for _, p := range f.all {
			w.t.Logf("%s (pid %d) output, last part:\n%s", p.name, p.pid(), tail(p.out.String(), 2500))
		}
		w.t.Logf("the whole output of every process is in %s", dir)
	})
	return f
}

// start starts a bot process; it stands by or takes the lease at once.
func (f *fleet) start() *botProcess {
	f.w.t.Helper()
	return f.startWith(nil)
}

// startWith is start with env overriding some of the world's variables
// for this process alone.
func (f *fleet) startWith(env map[string]string) *botProcess {
	w := f.w
	w.t.Helper()
	name := fmt.Sprintf("bot%d", len(f.all)+1)
	logFile, err := os.Create(filepath.Join(f.dir, name+".log"))
	if err != nil {
		w.t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		w.t.Fatal(err)
	}
	p := &botProcess{name: name, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(self, "run")
	p.cmd.Dir = w.t.TempDir()
	own := maps.Clone(w.env)
	maps.Copy(own, env)
	p.cmd.Env = childEnv(own)
	out := io.MultiWriter(logFile, p.out, &prefixLines{prefix: name + " | ", w: w.logs})
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		logFile.Close()
		w.t.Fatalf("start %s: %v", name, err)
	}
	// Reaped at once: the standby finds the holder dead by its PID, and a
	// zombie still answers kill(pid, 0).
	go func() {
		p.exit = p.cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	w.t.Cleanup(p.kill)
	f.all = append(f.all, p)
	return p
}

// startStandby starts the next standby and waits until it stands by and
// sees active holding the lease.
func (f *fleet) startStandby(active *botProcess) *botProcess {
	f.w.t.Helper()
	p := f.start()
	want := fmt.Sprintf("(pid %d)", active.pid())
	f.w.eventually(p.name+" to stand by behind "+active.name, func() bool {
		h, ok := p.health()
		return ok && h["role"] == string(leader.RoleStandby) && strings.HasSuffix(h["active"], want)
	})
	return p
}

// roles finds the active process by its /healthz, and the standby; there
// must be exactly one of each among the living, and none may have ended
// by itself.
func (f *fleet) roles() (active, standby *botProcess) {
	f.w.t.Helper()
	var live []*botProcess
	for _, p := range f.all {
		switch {
		case !p.exited():
			live = append(live, p)
		case !p.killed:
			f.w.t.Fatalf("%s exited by itself: %v", p.name, p.exit)
		}
	}
	roles := map[string][]*botProcess{}
	for _, p := range live {
		h, _ := p.health()
		roles[h["role"]] = append(roles[h["role"]], p)
	}
	a, s := roles[string(leader.RoleActive)], roles[string(leader.RoleStandby)]
	if len(live) != 2 || len(a) != 1 || len(s) != 1 {
		f.w.t.Fatalf("want one active and one standby process, got %d living: %v", len(live), roles)
	}
	return a[0], s[0]
}

// botProcess is one child process: this test binary, re-executed as
// TestMain's bot.
type botProcess struct {
	name   string
	cmd    *exec.Cmd
	out    *lockedBuffer
	done   chan struct{} // closed once it exited and was reaped
	exit   error         // how it exited, once done
	killed bool          // by the test

	mu   sync.Mutex
	addr string
}

func (p *botProcess) String() string { return p.name }

func (p *botProcess) pid() int { return p.cmd.Process.Pid }

func (p *botProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits until the process is reaped.
func (p *botProcess) kill() {
	if !p.exited() {
		p.killed = true
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

var healthAddr = regexp.MustCompile(`msg="health and metrics listening".* addr=(\S+)`)

// health is the process's /healthz as key: value, false until it answers.
func (p *botProcess) health() (map[string]string, bool) {
	p.mu.Lock()
	if p.addr == "" {
		if m := healthAddr.FindStringSubmatch(p.out.String()); m != nil {
			p.addr = m[1]
		}
	}
	addr := p.addr
	p.mu.Unlock()
	if addr == "" || p.exited() {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return nil, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	// 503 is an answer too: an active process is unavailable while its
	// gateway reconnects, and its role is in the body all the same.
	if err != nil || (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable) {
		return nil, false
	}
	h := map[string]string{}
	for _, line := range strings.Split(string(body), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			h[k] = v
		}
	}
	return h, true
}

// is reports whether /healthz says the process has this role.
func (p *botProcess) is(role leader.Role) bool {
	h, ok := p.health()
	return ok && h["role"] == string(role)
}

// ready reports whether the process has connected to Discord and serves.
func (p *botProcess) ready() bool {
	return strings.Contains(p.out.String(), "ready: serving Discord interactions")
}

// childEnv is the test's environment without any DISCORDBOT_ variable,
// then the bot's, and the switch that makes the test binary the bot.
func childEnv(bot map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISCORDBOT_") && !strings.HasPrefix(kv, sandboxChild+"=") {
			env = append(env, kv)
		}
	}
	for k, v := range bot {
		env = append(env, k+"="+v)
	}
	return append(env, sandboxChild+"=bot")
}

// prefixLines copies whole lines to w, each behind prefix, so the outputs
// of several processes interleave readably.
type prefixLines struct {
	prefix string
	w      io.Writer
	part   []byte
}

func (l *prefixLines) Write(p []byte) (int, error) {
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		if _, err := l.w.Write(append([]byte(l.prefix), l.part[:i+1]...)); err != nil {
			return len(p), err
		}
		l.part = l.part[i+1:]
	}
}

// jobCompleted is a wait condition: true once job id has completed; the
// test fails at once when the job is missing or ended otherwise.
func jobCompleted(t *testing.T, st *store.Store, id int64) func() bool {
	return func() bool {
		j, err := st.Job(t.Context(), id)
		if err != nil {
			t.Fatalf("job %d was acknowledged but is not in the database: %v", id, err)
		}
		if j.Status.Final() && j.Status != model.StatusCompleted {
			t.Fatalf("job %d %s: %s %s", id, j.Status, j.ErrorCode, j.ErrorMessage)
		}
		return j.Status == model.StatusCompleted
	}
}

// deliveredOnce checks, once every acknowledged job completed, that the
// database holds exactly those jobs, each with one result message, and
// that Discord saw no interaction acknowledged twice or failed.
func deliveredOnce(t *testing.T, w *world, st *store.Store, acked []int64) {
	t.Helper()
	if n, err := st.CountJobs(t.Context(), store.JobFilter{}); err != nil || n != len(acked) {
		t.Errorf("the database holds %d jobs (%v), want the %d acknowledged", n, err, len(acked))
	}
	posts := resultCounts(w)
	for _, id := range acked {
		if posts[id] != 1 {
			t.Errorf("job %d has %d result messages, want 1", id, posts[id])
		}
	}
	for _, e := range w.discord.Events() {
		switch {
		case e.Kind != discordtest.KindError:
		case strings.Contains(e.Error, "40060"):
			t.Errorf("an interaction was acknowledged twice: %s", e.Error)
		case e.InteractionID != 0 || strings.Contains(e.Error, "/interactions/"):
			t.Errorf("an interaction failed: %s %s", e.User, e.Error)
		default:
			t.Logf("Discord answered an error: %s", e.Error)
		}
	}
	w.noViolations()
}
