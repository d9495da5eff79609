//go:build !race

// The end-to-end tests start and stop a live disgo gateway, and disgo
// v0.19.6 (pinned) shares fields between its own gateway goroutines without
// synchronization: heartbeatCancel (written by the heartbeat goroutine, read
// by Close) and LastSequenceReceived (written by the reader, read by the
// heartbeat). The race detector reports those in disgo's code whenever a
// bot is stopped, so these tests run in the plain `go test ./...` step of
// CI; everything of ours that is concurrent (queue, coalescer, client,
// store, fakes) is also tested under -race in its own package.

package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// world is the whole program, app.Run as main calls it, against a fake
// Discord and a fake ComfyUI on loopback: what a user would live through.
type world struct {
	t       *testing.T
	discord *discordtest.Server
	comfy   []*comfytest.Server
	guild   *discordtest.Guild
	general *discordtest.Channel
	genRole *discordtest.Role
	env     map[string]string
	dbURL   string

	cancel context.CancelFunc
	done   chan int
	logs   *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type worldOpt func(*worldConfig)

type worldConfig struct {
	backends int
	env      map[string]string
	discord  []discordtest.Option
	comfy    []comfytest.Option
	noBot    bool
}

// withEnv sets a variable of the bot's environment; "" unsets it.
func withEnv(k, v string) worldOpt { return func(c *worldConfig) { c.env[k] = v } }
func withDiscord(o ...discordtest.Option) worldOpt {
	return func(c *worldConfig) { c.discord = append(c.discord, o...) }
}

// withoutBot sets up the fakes and the environment but starts no bot in
// the test's process, for a test that runs the bot as child processes.
func withoutBot() worldOpt { return func(c *worldConfig) { c.noBot = true } }

// withComfy configures every fake ComfyUI, e.g. with custom nodes.
func withComfy(o ...comfytest.Option) worldOpt {
	return func(c *worldConfig) { c.comfy = append(c.comfy, o...) }
}

func newWorld(t *testing.T, opts ...worldOpt) *world {
	t.Helper()
	cfg := worldConfig{backends: 1, env: map[string]string{}}
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	w := &world{t: t, discord: discordtest.New(t, cfg.discord...), logs: &lockedBuffer{}}
	// Runs after the bot stopped (cleanups run last first), so every
	// message it ever sent is checked.
	t.Cleanup(w.noParsedMentions)
	w.guild = w.discord.AddGuild("ComfyUI friends")
	w.general = w.guild.AddChannel("general", false)
	w.genRole = w.guild.AddRole("generator", 0)
	var urls []string
	for i := range cfg.backends {
		f := comfytest.New(t, cfg.comfy...)
		w.comfy = append(w.comfy, f)
		urls = append(urls, fmt.Sprintf("gpu%d=%s", i+1, f.URL()))
	}
	w.dbURL = storetest.URL(t)
	w.env = map[string]string{
		"DISCORDBOT_DISCORD_TOKEN":                     w.discord.Token(),
		"DISCORDBOT_DISCORD_API_URL":                   w.discord.APIURL(),
		"DISCORDBOT_DISCORD_GUILD_IDS":                 w.guild.ID.String(),
		"DISCORDBOT_COMFYUI_BACKENDS":                  strings.Join(urls, ","),
		"DISCORDBOT_DATABASE_URL":                      w.dbURL,
		"DISCORDBOT_HTTP_LISTEN":                       "127.0.0.1:0",
		"DISCORDBOT_DEFAULTS_PROGRESS_UPDATE_INTERVAL": "1s",
		"DISCORDBOT_LOG_LEVEL":                         "info",
	}
	for k, v := range cfg.env {
		if v == "" {
			delete(w.env, k) // unset, as in production
			continue
		}
		w.env[k] = v
	}
	if !cfg.noBot {
		w.start()
	}
	return w
}

// start runs the bot as `discordsend-bot run` would, and waits until it is
// connected, has registered its commands and sees every backend.
func (w *world) start() {
	w.t.Helper()
	readyBefore := strings.Count(w.logs.String(), "ready: serving Discord interactions")
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan int, 1)
	go func() {
		w.done <- Run(ctx, []string{"run"}, environ(w.env), strings.NewReader(""), w.logs, w.logs)
	}()
	w.t.Cleanup(w.stop)
	w.eventually("the bot to register its commands and connect to ComfyUI", func() bool {
		if len(w.discord.Commands(w.guild.ID)) == 0 && len(w.discord.Commands(0)) == 0 {
			return false
		}
		for _, f := range w.comfy {
			if f.Connected() == 0 {
				return false
			}
		}
		return strings.Count(w.logs.String(), "ready: serving Discord interactions") > readyBefore
	})
}

// stop shuts the bot down as SIGTERM would and checks it exits cleanly.
func (w *world) stop() {
	if w.cancel == nil {
		return
	}
	w.cancel()
	w.cancel = nil
	select {
	case code := <-w.done:
		if code != 0 {
			w.t.Errorf("the bot exited with %d; logs:\n%s", code, w.logs.String())
		}
	case <-time.After(15 * time.Second):
		var dump bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&dump, 1)
		w.t.Errorf("the bot did not stop within 15 s; goroutines:\n%s", dump.String())
	}
}

// restart is a bot restart: same database, same fakes.
func (w *world) restart() {
	w.t.Helper()
	w.stop()
	w.start()
}

// eventually waits for cond, watching the fake Discord's timeline.
func (w *world) eventually(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.After(60 * time.Second)
	poll := time.NewTicker(25 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-deadline:
			w.saveLogs()
			w.t.Fatalf("timed out waiting for %s; logs:\n%s", what, tail(w.logs.String(), 4000))
		case <-poll.C:
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// member adds a guild member with roles.
func (w *world) member(name string, roles ...*discordtest.Role) *discordtest.User {
	u := w.discord.AddUser(name)
	w.guild.AddMember(u, roles...)
	return u
}

// slash runs a slash command as u in #general and returns the bot's final
// answer to it (the deferred reply, once edited).
func (w *world) slash(u *discordtest.User, path string, args ...discordtest.Arg) discordtest.Message {
	w.t.Helper()
	return w.answer(w.discord.SlashCommand(w.t.Context(), u, w.general, path, args...))
}

// answer waits for an interaction's response and, when it was deferred,
// for the edit that replaces "thinking…".
func (w *world) answer(ia *discordtest.Interaction) discordtest.Message {
	w.t.Helper()
	resp, err := ia.Wait(w.t.Context())
	if err != nil {
		w.t.Fatalf("interaction: %v; logs:\n%s", err, tail(w.logs.String(), 4000))
	}
	var msg discordtest.Message
	w.eventually("the bot's answer", func() bool {
		m, ok := ia.Original()
		if ok && !m.Loading {
			msg = m
			return true
		}
		return resp.Type != discordtest.ResponseDeferredMessage && resp.Message != nil && func() bool { msg = *resp.Message; return true }()
	})
	return msg
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

// openStore reads the bot's database, as an operator would.
func (w *world) openStore() *store.Store {
	w.t.Helper()
	st, err := store.Open(w.t.Context(), w.dbURL)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { st.Close() })
	return st
}

// noViolations fails the test if any REST request broke Discord's rules.
func (w *world) noViolations() {
	w.t.Helper()
	for _, v := range w.discord.Violations() {
		w.t.Errorf("Discord contract violation: %s", v)
	}
}

// noParsedMentions fails the test if any message the bot sent or edited
// let Discord parse mentions from its text: prompts, template names and
// errors echo what users typed, and none of it may ping anyone.
func (w *world) noParsedMentions() {
	w.t.Helper()
	for _, v := range w.discord.MentionViolations() {
		w.t.Errorf("a message could ping: %s", v)
	}
}

// saveLogs keeps the whole log of a failed run in the test's output
// directory ($TMPDIR), since the failure message shows only its tail.
func (w *world) saveLogs() {
	f, err := os.CreateTemp("", "discordsend-e2e-*.log")
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteString(w.logs.String())
	w.t.Logf("full log: %s", f.Name())
}

// click makes u press the button labelled label on m and returns the bot's
// answer: its private reply, or m as the bot changed it.
func (w *world) click(u *discordtest.User, m discordtest.Message, label string) discordtest.Message {
	w.t.Helper()
	return w.answer(w.discord.ClickButton(w.t.Context(), u, m, buttonID(w.t, m, label)))
}

// openModal makes u press the button labelled label on m and returns the
// modal the bot opened.
func (w *world) openModal(u *discordtest.User, m discordtest.Message, label string) discordtest.Modal {
	w.t.Helper()
	resp, err := w.discord.ClickButton(w.t.Context(), u, m, buttonID(w.t, m, label)).Wait(w.t.Context())
	if err != nil {
		w.t.Fatalf("press %q: %v; logs:\n%s", label, err, tail(w.logs.String(), 3000))
	}
	if resp.Type != discordtest.ResponseModal || resp.Modal == nil {
		w.t.Fatalf("pressing %q should open a modal, got response type %d: %+v", label, resp.Type, resp.Message)
	}
	return *resp.Modal
}

// submitModal makes u submit modal md in ch with values (by input custom
// id; inputs left out keep their prefilled value) and returns the answer.
func (w *world) submitModal(u *discordtest.User, ch *discordtest.Channel, md discordtest.Modal, values map[string]string) discordtest.Message {
	w.t.Helper()
	return w.answer(w.discord.SubmitModal(w.t.Context(), u, ch, md.CustomID, values))
}

// choices makes u type focused into an autocomplete option of the command
// at path in #general and returns what the bot offered.
func (w *world) choices(u *discordtest.User, path string, focused discordtest.Arg, args ...discordtest.Arg) []discordtest.Choice {
	w.t.Helper()
	resp, err := w.discord.Autocomplete(w.t.Context(), u, w.general, path, focused, args...).Wait(w.t.Context())
	if err != nil {
		w.t.Fatalf("autocomplete %s %s: %v", path, focused.Name(), err)
	}
	if resp.Type != discordtest.ResponseAutocomplete {
		w.t.Fatalf("autocomplete %s answered with type %d", path, resp.Type)
	}
	return resp.Choices
}

// buttonID is the custom id of the button on m whose label contains label.
func buttonID(t *testing.T, m discordtest.Message, label string) string {
	t.Helper()
	var labels []string
	for _, b := range m.Buttons {
		if strings.Contains(b.Label, label) {
			return b.CustomID
		}
		labels = append(labels, b.Label)
	}
	t.Fatalf("message %s has no %q button, only %q", m.ID, label, labels)
	return ""
}

// field is the value of the embed field named name on m, or "".
func field(m discordtest.Message, name string) string {
	for _, e := range m.Embeds {
		for _, f := range e.Fields {
			if f.Name == name {
				return f.Value
			}
		}
	}
	return ""
}

// resultMessage waits for a job's result in ch and returns the message.
func (w *world) resultMessage(ch *discordtest.Channel, jobID int64) discordtest.Message {
	w.t.Helper()
	ev := w.result(ch, jobID)
	m, ok := w.discord.Message(ch.ID, ev.MessageID)
	if !ok {
		w.t.Fatalf("result message %s of job %d is gone", ev.MessageID, jobID)
	}
	return m
}
