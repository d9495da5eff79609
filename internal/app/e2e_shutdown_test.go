//go:build !race

package app

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
)

// replyHeld starts a /generate whose answer is in flight: acknowledged,
// the job queued, and the edit that tells the user so waiting out two
// 429s (a second each) on its way to Discord. It returns once the first
// 429 was met, so that a stop now finds the reply half sent.
func (w *world) replyHeld(u *discordtest.User, prompt string) *discordtest.Interaction {
	w.t.Helper()
	before := w.discord.Stats().RateLimited
	w.discord.Storm429("@original", 2)
	ia := w.discord.SlashCommand(w.t.Context(), u, w.general, "generate", discordtest.StringArg("prompt", prompt))
	resp, err := ia.Wait(w.t.Context())
	if err != nil {
		w.t.Fatalf("the command was not acknowledged: %v", err)
	}
	if resp.Type != discordtest.ResponseDeferredMessage {
		w.t.Fatalf("the command was answered with type %d, want a deferral", resp.Type)
	}
	w.eventually("the reply's edit to meet a 429", func() bool { return w.discord.Stats().RateLimited > before })
	if m, ok := ia.Original(); !ok || !m.Loading {
		w.t.Fatalf("the reply went out before the stop; the test holds nothing (original %+v)", m)
	}
	return ia
}

// answered is the reply the user finally reads, failing the test when the
// interaction stayed "thinking…".
func (w *world) answered(ia *discordtest.Interaction) string {
	w.t.Helper()
	m, ok := ia.Original()
	if !ok || m.Loading {
		w.saveLogs()
		w.t.Fatalf("the user got no answer, only \"thinking…\"; logs:\n%s", tail(w.logs.String(), 4000))
	}
	return text(m)
}

// logLine is the first log line matching re, failing the test when none does.
func (w *world) logLine(re string) string {
	w.t.Helper()
	line := regexp.MustCompile(re).FindString(w.logs.String())
	if line == "" {
		w.t.Fatalf("no log line matches %q; logs:\n%s", re, tail(w.logs.String(), 4000))
	}
	return line
}

// A command that arrived just before SIGTERM is still answered: the stop
// waits for its reply (here held up by rate limits) instead of cutting it off.
func TestSIGTERMLetsAReplyInFlightFinish(t *testing.T) {
	w := newWorld(t)
	alice := w.generator("alice")
	ia := w.replyHeld(alice, "a fox at closing time")

	w.stop()

	if got := w.answered(ia); !strings.Contains(got, "Job **#1** is") {
		t.Fatalf("the reply should say job 1 is queued, got %q", got)
	}
	w.logLine(`level=INFO msg="shutting down: letting replies in flight finish".* in_flight=1 grace=5s`)
	w.logLine(`level=INFO msg="replies in flight finished".* replies=1`)
	if strings.Contains(w.logs.String(), "cut off") {
		t.Fatalf("a reply was cut off; logs:\n%s", tail(w.logs.String(), 4000))
	}
	w.noViolations()
}

// On a step-down (another process took the lease) the reply in flight
// still gets its answer, within the part of the step-down's budget the
// grace is cut to, and the process stands by instead of exiting.
func TestStepDownLetsAReplyInFlightFinish(t *testing.T) {
	w := newWorld(t)
	alice := w.generator("alice")
	ia := w.replyHeld(alice, "a fox between two terms")

	st := w.openStore()
	seen, err := st.ReadLease(t.Context(), leader.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.TakeLease(t.Context(), leader.DefaultName, "thief", seen); err != nil || !ok {
		t.Fatalf("take the lease from the bot: ok=%v, err=%v", ok, err)
	}
	w.eventually("the bot to stand by", func() bool {
		return strings.Contains(w.logs.String(), "standing by again after losing the lease")
	})

	if got := w.answered(ia); !strings.Contains(got, "Job **#1** is") {
		t.Fatalf("the reply should say job 1 is queued, got %q", got)
	}
	line := w.logLine(`level=INFO msg="shutting down: letting replies in flight finish".* in_flight=1 grace=\S+`)
	// The lease TTL is 6 s: the step-down must be over 5 s after the last
	// renewal, which was at most a renewal period (1 s) before it began.
	grace := regexp.MustCompile(`grace=(\S+)`).FindStringSubmatch(line)[1]
	if d, err := time.ParseDuration(grace); err != nil || d <= 0 || d > 3500*time.Millisecond {
		t.Fatalf("the grace in a step-down was %s, want a part of the at most 5 s left", grace)
	}
	w.logLine(`level=INFO msg="replies in flight finished".* replies=1`)
	if strings.Contains(w.logs.String(), "could not stop in time") {
		t.Fatalf("the step-down was too slow; logs:\n%s", tail(w.logs.String(), 4000))
	}
	w.noViolations()
}
