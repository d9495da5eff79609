package bot

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/snowflake/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/metrics"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// harness is the real Bot, built by New, with its REST client on a fake
// Discord, a real SQLite store in a temporary directory and a real queue on
// a fake ComfyUI, for handler tests that run under -race.
//
// disgo's own gateway is never opened: disgo v0.19.6 shares fields between
// its gateway goroutines without synchronization, which the race detector
// reports whenever a bot stops (see internal/app/world_test.go). Instead the
// test connects discordtest's race-free GatewayClient and hands every event
// it receives to the bot's event manager, which is what disgo's gateway does:
// from there on an interaction takes the production path (disgo's
// InteractionCreate, the bot's route mux, the serve wrapper), and every
// answer goes over REST to the fake, which checks it against Discord's
// OpenAPI description and rules.
type harness struct {
	t       *testing.T
	discord *discordtest.Server
	comfy   *comfytest.Server
	guild   *discordtest.Guild
	general *discordtest.Channel
	genRole *discordtest.Role
	store   *store.Store
	bot     *Bot
	queue   *jobs.Manager
	logs    *syncBuffer
	metrics *metrics.Metrics
}

// maxQueue is the harness's per-user queue limit, as /queue view shows it.
const maxQueue = 10

// newHarness starts the fakes, the store, the queue (one backend, one job
// in flight at a time) and the bot, registers the commands, connects the
// gateway stand-in and waits until the bot has seen READY and the guild.
// Members holding genRole are generators.
func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, logs: &syncBuffer{}}
	var err error
	if h.metrics, err = metrics.New(prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h.discord = discordtest.New(t)
	// Runs after the bot stopped (cleanups run last first), so every
	// message it ever sent is checked.
	t.Cleanup(h.noParsedMentions)
	h.guild = h.discord.AddGuild("Studio")
	h.general = h.guild.AddChannel("general", false)
	h.genRole = h.guild.AddRole("generator", 0)
	h.comfy = comfytest.New(t)

	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRoles(t.Context(), h.guild.ID.String(), model.LevelGenerator, []string{h.genRole.ID.String()}); err != nil {
		t.Fatal(err)
	}
	h.store = st

	lib, err := workflow.LoadLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	client := comfy.New(comfy.Options{Name: "gpu1", BaseURL: h.comfy.URL(), ClientID: "bot-harness", Logger: log.With("component", "comfy")})
	b, err := New(Options{
		Token:  h.discord.Token(),
		APIURL: h.discord.APIURL(),
		// No guild_ids: the commands are registered globally, so that
		// they can be used in DMs as well.
		Store: st,
		Limits: CommandLimits{MaxPromptLength: 2000, MaxSteps: 150, MaxWidth: 2048, MaxHeight: 2048,
			MaxBatch: 4, MaxCFG: 30, MaxInputBytes: 20 << 20, MaxInputPixels: 40_000_000},
		Version:          "test",
		Library:          lib,
		Defaults:         Defaults{Delivery: model.DeliveryChannel, MaxQueuePerUser: maxQueue},
		Metrics:          h.metrics,
		Logger:           log.With("component", "discord"),
		ProgressInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.bot = b
	h.queue = jobs.New(jobs.Options{
		Store: st, Library: lib, Notifier: b.Notifier(),
		Backends: []*jobs.Backend{jobs.NewBackend(client, 1, log.With("component", "queue"))},
		Timeout:  time.Hour, MaxRequeues: 1, BackendGrace: time.Hour,
		Logger: log.With("component", "queue"),
	})
	b.SetJobs(h.queue)

	// The shutdown runs as app.Serve's: the bot's context ends, the intake
	// stops (here the gateway stand-in closes first), the queue stops, then
	// the handlers and status edits drain and the client closes.
	life, endLife := context.WithCancel(context.Background())
	queueCtx, stopQueue := context.WithCancel(context.Background())
	queueDone := make(chan error, 1)
	go func() { queueDone <- h.queue.Run(queueCtx) }()
	gw := discordtest.NewGatewayClient(h.discord.GatewayURL(), h.discord.Token(),
		func(g gateway.Gateway, et gateway.EventType, seq int, d gateway.EventData) {
			b.client.EventManager.HandleGatewayEvent(g, et, seq, d)
		}, discordtest.GatewayClientOptions{Intents: gateway.IntentGuilds})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		endLife()
		gw.Close(ctx)
		b.StopIntake(ctx, time.Time{})
		stopQueue()
		if err := <-queueDone; err != nil {
			t.Errorf("the queue stopped with an error: %v", err)
		}
		b.Close(ctx)
		if ctx.Err() != nil {
			t.Errorf("the bot took over 15 s to stop; logs:\n%s", tail(h.logs.String()))
		}
		h.noViolations()
	})

	b.begin(life)
	if err := b.registerCommands(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := gw.Open(ctx); err != nil {
		t.Fatalf("connect the gateway stand-in: %v", err)
	}
	select {
	case <-b.ready:
	case <-ctx.Done():
		t.Fatal("the bot saw no READY")
	}
	h.eventually("the bot to know the guild and its backend to be up", func() bool {
		if _, ok := b.client.Caches.Guild(h.guild.ID); !ok {
			return false
		}
		for _, s := range h.queue.Backends() {
			if !s.Up {
				return false
			}
		}
		return true
	})
	return h
}

// on is the harness for the subtest t: a failure ends that subtest only.
func (h *harness) on(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// waitTimeout bounds every wait of a handler test: generous, since a
// loaded two-core machine under -race is slow, and only a broken bot
// takes it whole.
const waitTimeout = 30 * time.Second

// eventually polls cond until it holds, failing the test at waitTimeout.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(waitTimeout)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s; logs:\n%s", what, tail(h.logs.String()))
		case <-poll.C:
		}
	}
}

// member adds a guild member with roles.
func (h *harness) member(name string, roles ...*discordtest.Role) *discordtest.User {
	u := h.discord.AddUser(name)
	h.guild.AddMember(u, roles...)
	return u
}

// generator adds a member who may generate.
func (h *harness) generator(name string) *discordtest.User { return h.member(name, h.genRole) }

// answer is what a user saw of the bot's answer to one interaction.
type answer struct {
	// Type is the callback type the bot acknowledged with.
	Type discordtest.ResponseType
	// Message is the reply once the bot is done with it: the deferred
	// reply as edited, the message sent, or the message a component was
	// on, as updated.
	Message discordtest.Message
}

// slash runs a slash command as u in ch and returns the bot's answer.
func (h *harness) slash(u *discordtest.User, ch *discordtest.Channel, path string, args ...discordtest.Arg) answer {
	h.t.Helper()
	return h.answer(h.discord.SlashCommand(h.t.Context(), u, ch, path, args...))
}

// click makes u press the button labelled label on m and returns the answer.
func (h *harness) click(u *discordtest.User, m discordtest.Message, label string) answer {
	h.t.Helper()
	return h.answer(h.discord.ClickButton(h.t.Context(), u, m, buttonID(h.t, m, label)))
}

// answer waits for an interaction's acknowledgement and for the bot to
// finish the reply: a deferred one ("thinking…", or a deferred update)
// is done when the bot has edited it.
func (h *harness) answer(ia *discordtest.Interaction) answer {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), waitTimeout)
	defer cancel()
	resp, err := ia.Wait(ctx)
	if err != nil {
		h.t.Fatalf("interaction: %v; logs:\n%s", err, tail(h.logs.String()))
	}
	a := answer{Type: resp.Type}
	switch resp.Type {
	case discordtest.ResponseDeferredMessage, discordtest.ResponseDeferredUpdate:
		before := 0
		if resp.Message != nil {
			before = resp.Message.Edits
		}
		h.eventually("the bot to edit its deferred answer", func() bool {
			m, ok := ia.Original()
			a.Message = m
			return ok && !m.Loading && m.Edits > before
		})
	default:
		if resp.Message == nil {
			h.t.Fatalf("the bot answered with type %d and no message", resp.Type)
		}
		a.Message = *resp.Message
	}
	return a
}

var jobIDPattern = regexp.MustCompile(`Job \*\*#(\d+)\*\*`)

// generate queues a job for u in #general with /generate and returns its id.
func (h *harness) generate(u *discordtest.User, prompt string, args ...discordtest.Arg) int64 {
	h.t.Helper()
	r := h.slash(u, h.general, "generate", append([]discordtest.Arg{discordtest.StringArg("prompt", prompt)}, args...)...)
	m := jobIDPattern.FindStringSubmatch(r.Message.Content)
	if m == nil {
		h.t.Fatalf("/generate answered %q, want a job id; logs:\n%s", text(r.Message), tail(h.logs.String()))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// startRunning holds the fake ComfyUI inside the first node of the next
// job it takes, so that job stays running, and the queue (one job in
// flight) keeps every later one waiting. It returns the running job's id.
func (h *harness) startRunning(u *discordtest.User, prompt string) int64 {
	h.t.Helper()
	h.comfy.Hold()
	id := h.generate(u, prompt)
	ctx, cancel := context.WithTimeout(h.t.Context(), waitTimeout)
	defer cancel()
	for {
		at, err := h.comfy.WaitHeld(ctx)
		if err != nil {
			h.t.Fatalf("ComfyUI never took job %d: %v; logs:\n%s", id, err, tail(h.logs.String()))
		}
		if at.Stage == comfytest.StageNode {
			break
		}
		h.comfy.Step()
	}
	h.waitStatus(id, model.StatusRunning)
	return id
}

// job reads a job from the store.
func (h *harness) job(id int64) model.Job {
	h.t.Helper()
	j, err := h.store.Job(h.t.Context(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

// waitStatus waits until the store has job id in state want.
func (h *harness) waitStatus(id int64, want model.JobStatus) model.Job {
	h.t.Helper()
	var j model.Job
	h.eventually(fmt.Sprintf("job %d to be %s", id, want), func() bool {
		j = h.job(id)
		return j.Status == want
	})
	return j
}

// statusMessage is the message the bot posted for job id to follow it.
func (h *harness) statusMessage(id int64) discordtest.Message {
	h.t.Helper()
	j := h.job(id)
	channel, err1 := snowflake.Parse(j.StatusChannelID)
	msg, err2 := snowflake.Parse(j.StatusMessageID)
	if err1 != nil || err2 != nil {
		h.t.Fatalf("job %d has no status message (%q in %q)", id, j.StatusMessageID, j.StatusChannelID)
	}
	m, ok := h.discord.Message(channel, msg)
	if !ok {
		h.t.Fatalf("the fake Discord has no status message %s of job %d", msg, id)
	}
	return m
}

// message is the current state of m on the fake Discord.
func (h *harness) message(m discordtest.Message) discordtest.Message {
	h.t.Helper()
	now, ok := h.discord.Message(m.ChannelID, m.ID)
	if !ok {
		h.t.Fatalf("message %d is gone", m.ID)
	}
	return now
}

// noViolations fails the test if any request the bot sent broke Discord's
// rules or its OpenAPI description.
func (h *harness) noViolations() {
	h.t.Helper()
	for _, v := range h.discord.Violations() {
		h.t.Errorf("Discord contract violation: %s", v)
	}
}

// noParsedMentions fails the test if a message the bot sent could ping.
func (h *harness) noParsedMentions() {
	h.t.Helper()
	for _, v := range h.discord.MentionViolations() {
		h.t.Errorf("a message could ping: %s", v)
	}
}

// buttonID is the custom id of the button on m whose label is label.
func buttonID(t *testing.T, m discordtest.Message, label string) string {
	t.Helper()
	var labels []string
	for _, b := range m.Buttons {
		if b.Label == label {
			return b.CustomID
		}
		labels = append(labels, b.Label)
	}
	t.Fatalf("message %d has no %q button, only %q", m.ID, label, labels)
	return ""
}

// buttonIDs lists the custom ids of m's buttons.
func buttonIDs(m discordtest.Message) []string {
	var ids []string
	for _, b := range m.Buttons {
		ids = append(ids, b.CustomID)
	}
	return ids
}

// text is everything a message shows, for assertions.
func text(m discordtest.Message) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			b.WriteString("\n" + f.Name + ": " + f.Value)
		}
		b.WriteString("\n" + e.Footer)
	}
	return b.String()
}

// tail is the end of the logs, for failure messages.
func tail(s string) string {
	const n = 4000
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
