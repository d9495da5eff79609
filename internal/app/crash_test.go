//go:build !race

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

// The crash test's shape. Each round kills the bot once at each of the
// six points below, so the test kills crashRounds × 6 times. The first
// round's four jobs fill ComfyUI's window (2), leave two in the bot's
// queue and give every head job a successor in ComfyUI's queue, which the
// "finished" kill needs to see the head end; each later round finishes one
// job and adds crashNewJobs, so the backlog grows slowly and drains at the
// end. Each user asks in a channel of their own: Discord lets a bot post 5
// messages per 5 s in a channel, and one channel would make the rate limit
// the test's pace.
const (
	crashRounds      = 9
	crashUsers       = 4
	crashNewJobs     = 2
	crashJobDuration = 100 * time.Millisecond
)

// The points of a job's life at which the bot is killed.
const (
	atSubmitted  = "submitted"  // posted to ComfyUI, waiting in its queue
	atQueued     = "queued"     // waiting in the bot's queue, ComfyUI's window full
	atRunning    = "running"    // held inside a node in ComfyUI
	atFinished   = "finished"   // ComfyUI done, its /history or /view answer held
	atDelivering = "delivering" // the result message taken by Discord, its answer held
	atCompleted  = "completed"  // delivered and recorded
)

var crashPoints = []string{atSubmitted, atQueued, atRunning, atFinished, atDelivering, atCompleted}

// Issue 14's first hardening item. One `discordsend-bot run` process at a
// time, on the test's database (SQLite by default), is SIGKILLed at every
// point of a job's life, nine times each, while several users' jobs are in
// flight: queued in the bot, waiting in ComfyUI, running, finished with
// the outputs not yet read, posted to Discord before the bot learned the
// message's id, and completed. After every kill the job's status is read
// from the database, which nothing writes to any more, so the kill is
// known to have hit its point, and a fresh process takes over at once (the
// killed one's PID is gone). In the end every job a user was told is
// queued has completed with exactly one result message, and Discord saw
// no interaction acknowledged twice (40060) and none left unanswered.
func TestSIGKILLAtEveryJobStateLosesAndRepeatsNothing(t *testing.T) {
	began := time.Now()
	w := newWorld(t, withoutBot(),
		withComfy(comfytest.WithJobDuration(crashJobDuration)),
		// Jobs are held back on purpose; no user may hit the queue limit.
		withEnv("DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER", "100"))
	c := &crasher{w: w, fleet: newFleet(w), comfy: w.comfy[0], kills: map[string]int{}, began: began}
	c.restart()
	c.st = w.openStore()
	t.Cleanup(func() {
		if t.Failed() {
			dumpQueues(t, c.st, c.comfy)
		}
	})
	users := []*discordtest.User{w.generator("user1")}
	for i := 2; i <= crashUsers; i++ {
		users = append(users, w.member(fmt.Sprintf("user%d", i), w.genRole))
	}
	channels := []*discordtest.Channel{w.general}
	for i := 2; i <= crashUsers; i++ {
		channels = append(channels, w.guild.AddChannel(fmt.Sprintf("studio%d", i), false))
	}

	// ComfyUI stops at each checkpoint: nothing moves unless the test
	// steps it.
	c.comfy.Hold()
	var acked []int64
	for round := 1; round <= crashRounds; round++ {
		c.round = round
		n := crashNewJobs
		if round == 1 {
			n = crashUsers
		}
		for i := range n {
			k := (round*crashNewJobs + i) % crashUsers
			acked = append(acked, c.generate(users[k], channels[k], round))
		}

		// Submitted: the window is full, one prompt taken by ComfyUI's
		// worker, one in its queue; the other jobs wait in the bot's.
		var waiting, queued model.Job
		w.eventually(fmt.Sprintf("round %d: ComfyUI's window to fill", round), func() bool {
			running, pending := comfyQueue(t, c.comfy)
			if len(running) != 1 || len(pending) != 1 {
				return false
			}
			waiting = c.jobOfPrompt(pending[0])
			q := c.withStatus(acked, model.StatusQueued)
			if len(q) == 0 || waiting.Status != model.StatusSubmitted {
				return false
			}
			queued = q[len(q)-1]
			return true
		})
		c.kill(atSubmitted, waiting.ID, "its prompt waits in ComfyUI's queue")
		c.restart()

		// Queued: the fresh process followed the two prompts again and
		// dispatched nothing, as the window is still full.
		if running, pending := comfyQueue(t, c.comfy); len(running)+len(pending) != 2 {
			t.Fatalf("round %d: ComfyUI runs %v and queues %v, want the window's 2 prompts", round, running, pending)
		}
		c.kill(atQueued, queued.ID, "ComfyUI's window is full")
		c.restart()

		// Running: the head prompt inside one of its nodes.
		at := heldAtNode(w, round)
		head := c.jobOfPrompt(at.PromptID)
		w.eventually(fmt.Sprintf("round %d: job %d to run", round, head.ID), c.hasStatus(head.ID, model.StatusRunning))
		c.kill(atRunning, head.ID, "ComfyUI holds it in node "+at.Node)
		c.restart()

		// Finished: ComfyUI ends the head prompt and takes the next,
		// while the bot's read of the head's history (odd rounds) or of
		// its image (even rounds) gets no answer.
		prefix := "/history/"
		if round%2 == 0 {
			prefix = "/view"
		}
		c.comfy.HoldRequests(prefix)
		for at.PromptID == head.PromptID {
			c.comfy.Step()
			at = c.waitHeld()
		}
		req := c.waitRequestHeld()
		if prefix == "/history/" && !strings.HasSuffix(req, "/history/"+head.PromptID) {
			t.Fatalf("round %d: the held request is %q, not the history of job %d's prompt %s", round, req, head.ID, head.PromptID)
		}
		c.kill(atFinished, head.ID, "ComfyUI finished it; "+req+" is unanswered")
		c.comfy.ReleaseRequests()
		if !c.comfyHasHistory(head.PromptID) {
			t.Fatalf("round %d: ComfyUI has no history of job %d's prompt %s", round, head.ID, head.PromptID)
		}

		// Delivering: Discord takes the result message, and the bot dies
		// before it hears the message's id.
		w.discord.HoldCreatedMessages(isResultOf(head.ID))
		c.restart()
		var posted discordtest.Message
		w.eventually(fmt.Sprintf("round %d: job %d's result to reach Discord", round, head.ID), func() bool {
			held := w.discord.HeldMessages()
			if len(held) == 0 {
				return false
			}
			posted = held[0]
			return true
		})
		c.kill(atDelivering, head.ID, fmt.Sprintf("Discord posted message %s and holds its answer", posted.ID))
		w.discord.ReleaseCreatedMessages()
		if ds := c.deliveries(head.ID); len(ds) != 0 {
			t.Fatalf("round %d: job %d has delivery records %+v before its post was answered", round, head.ID, ds)
		}

		// Completed: the fresh process posts the result again with its
		// nonce, learns the message from Discord and records it.
		c.restart()
		w.eventually(fmt.Sprintf("round %d: job %d to complete", round, head.ID), jobCompleted(t, c.st, head.ID))
		c.kill(atCompleted, head.ID, "just delivered")
		if ds := c.deliveries(head.ID); len(ds) != 1 || ds[0].MessageID != posted.ID.String() {
			t.Fatalf("round %d: job %d's delivery records %+v, want the one message %s Discord took before the kill", round, head.ID, ds, posted.ID)
		}
		if n := resultCounts(w)[head.ID]; n != 1 {
			t.Fatalf("round %d: job %d has %d result messages, want 1", round, head.ID, n)
		}
		c.restart()
	}

	// The backlog runs through freely.
	c.comfy.Release()
	for _, id := range acked {
		w.eventually(fmt.Sprintf("job %d to complete", id), jobCompleted(t, c.st, id))
	}
	deliveredOnce(t, w, c.st, acked)
	total := 0
	for _, p := range crashPoints {
		total += c.kills[p]
		if c.kills[p] != crashRounds {
			t.Errorf("%d kills at %s, want %d", c.kills[p], p, crashRounds)
		}
	}
	t.Logf("%d kills (%d at each of %s), %d jobs of %d users, each delivered once; %v in all",
		total, crashRounds, strings.Join(crashPoints, ", "), len(acked), len(users), time.Since(began).Round(time.Second))
}

// crasher runs the crash test's one bot process at a time.
type crasher struct {
	w     *world
	fleet *fleet
	st    *store.Store
	comfy *comfytest.Server
	bot   *botProcess // the living one
	began time.Time
	round int
	kills map[string]int // by point
}

// restart starts a fresh process and waits until it serves Discord and
// hears ComfyUI: ComfyUI sends a prompt's events only to the socket open
// when it sends them.
func (c *crasher) restart() {
	c.w.t.Helper()
	p := c.fleet.start()
	c.w.eventually(p.name+" to serve", func() bool {
		return p.ready() && strings.Contains(p.out.String(), "websocket connected") && p.is(leader.RoleActive)
	})
	c.bot = p
}

// kill SIGKILLs the living process and checks, from the database, which
// nothing writes to any more, that job id was at point.
func (c *crasher) kill(point string, id int64, why string) {
	c.w.t.Helper()
	c.bot.kill()
	want := map[string]model.JobStatus{
		atSubmitted: model.StatusSubmitted, atQueued: model.StatusQueued, atRunning: model.StatusRunning,
		atFinished: model.StatusRunning, atDelivering: model.StatusDelivering, atCompleted: model.StatusCompleted,
	}[point]
	j, err := c.st.Job(c.w.t.Context(), id)
	if err != nil {
		c.w.t.Fatalf("round %d: job %d: %v", c.round, id, err)
	}
	if j.Status != want {
		c.w.t.Fatalf("round %d: %s was killed to catch job %d %s, but the job is %s", c.round, c.bot.name, id, point, j.Status)
	}
	c.kills[point]++
	var others []string
	if active, err := c.st.ActiveJobs(c.w.t.Context()); err == nil {
		for _, o := range active {
			if o.ID != id {
				others = append(others, fmt.Sprintf("%d %s", o.ID, o.Status))
			}
		}
	}
	c.w.t.Logf("%6.2fs round %d: killed %s with job %d %s (%s: %s); other unfinished jobs: %s",
		time.Since(c.began).Seconds(), c.round, c.bot.name, id, point, j.Status, why, strings.Join(others, ", "))
}

// generate makes u ask for a job in ch and returns the job they were told
// is queued.
func (c *crasher) generate(u *discordtest.User, ch *discordtest.Channel, round int) int64 {
	c.w.t.Helper()
	ia := c.w.discord.SlashCommand(c.w.t.Context(), u, ch, "generate",
		discordtest.StringArg("prompt", fmt.Sprintf("round %d, %s", round, u.Name)))
	return jobIDOf(c.w.t, c.w.answer(ia))
}

func (c *crasher) job(id int64) model.Job {
	c.w.t.Helper()
	j, err := c.st.Job(c.w.t.Context(), id)
	if err != nil {
		c.w.t.Fatalf("job %d: %v", id, err)
	}
	return j
}

func (c *crasher) jobOfPrompt(promptID string) model.Job {
	c.w.t.Helper()
	j, err := c.st.JobByPromptID(c.w.t.Context(), promptID)
	if err != nil {
		c.w.t.Fatalf("round %d: ComfyUI has prompt %s, which is no job: %v", c.round, promptID, err)
	}
	return j
}

// withStatus is those of ids whose job has status s, in order.
func (c *crasher) withStatus(ids []int64, s model.JobStatus) []model.Job {
	var out []model.Job
	for _, id := range ids {
		if j := c.job(id); j.Status == s {
			out = append(out, j)
		}
	}
	return out
}

func (c *crasher) hasStatus(id int64, s model.JobStatus) func() bool {
	return func() bool { return c.job(id).Status == s }
}

func (c *crasher) deliveries(id int64) []model.DeliveryRecord {
	c.w.t.Helper()
	ds, err := c.st.Deliveries(c.w.t.Context(), id)
	if err != nil {
		c.w.t.Fatalf("deliveries of job %d: %v", id, err)
	}
	return ds
}

// waitHeld waits for ComfyUI's held worker to stop at its next checkpoint.
func (c *crasher) waitHeld() comfytest.Checkpoint {
	c.w.t.Helper()
	ctx, cancel := context.WithTimeout(c.w.t.Context(), 60*time.Second)
	defer cancel()
	at, err := c.comfy.WaitHeld(ctx)
	if err != nil {
		c.w.t.Fatalf("round %d: ComfyUI's worker did not stop again: %v", c.round, err)
	}
	return at
}

// waitRequestHeld waits until ComfyUI holds a request of the bot's.
func (c *crasher) waitRequestHeld() string {
	c.w.t.Helper()
	ctx, cancel := context.WithTimeout(c.w.t.Context(), 60*time.Second)
	defer cancel()
	req, err := c.comfy.WaitRequestHeld(ctx)
	if err != nil {
		c.w.saveLogs()
		c.w.t.Fatalf("round %d: the bot asked ComfyUI for no outputs: %v; logs:\n%s", c.round, err, tail(c.w.logs.String(), 4000))
	}
	return req
}

// comfyHasHistory reports whether ComfyUI's /history has the prompt.
func (c *crasher) comfyHasHistory(promptID string) bool {
	c.w.t.Helper()
	var h map[string]json.RawMessage
	comfyGet(c.w.t, c.comfy, "/history/"+promptID, &h)
	return h[promptID] != nil
}

// isResultOf matches the result message of job id.
func isResultOf(id int64) func(discordtest.Message) bool {
	return func(m discordtest.Message) bool {
		return len(m.Embeds) > 0 && m.Embeds[0].Title == fmt.Sprintf("✅ Job #%d", id)
	}
}

// comfyQueue is the prompt ids ComfyUI's /queue lists as running and as
// pending.
func comfyQueue(t *testing.T, comfy *comfytest.Server) (running, pending []string) {
	t.Helper()
	var q struct {
		Running [][]json.RawMessage `json:"queue_running"`
		Pending [][]json.RawMessage `json:"queue_pending"`
	}
	comfyGet(t, comfy, "/queue", &q)
	ids := func(items [][]json.RawMessage) []string {
		var out []string
		for _, it := range items {
			var id string
			if len(it) > 1 && json.Unmarshal(it[1], &id) == nil {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	return ids(q.Running), ids(q.Pending)
}

func comfyGet(t *testing.T, comfy *comfytest.Server, path string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, comfy.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("ComfyUI %s: %v", path, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("ComfyUI %s: %v", path, err)
	}
}
