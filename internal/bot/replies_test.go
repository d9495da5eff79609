package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/events"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
)

// syncBuffer is a log sink the handlers' goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testLogger logs as the bot does, without the clock (a bubble's starts in 2000).
func testLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
}

// wantLog fails the test unless logs has a line containing every part.
func wantLog(t *testing.T, logs string, parts ...string) {
	t.Helper()
	for line := range strings.SplitSeq(logs, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return
		}
	}
	t.Fatalf("no log line has %q; logs:\n%s", parts, logs)
}

// reply is one handler at work: it takes took, then its answer goes out,
// unless its context ended first (as a REST call does).
type reply struct {
	took time.Duration
	at   time.Time // when it went out or was cut off
	err  error     // nil: delivered
	done chan struct{}
}

func startReply(t *testing.T, r *replies, took time.Duration) *reply {
	t.Helper()
	if !r.enter() {
		t.Fatal("a handler was refused while the intake is open")
	}
	rp := &reply{took: took, done: make(chan struct{})}
	go func() {
		defer close(rp.done)
		defer r.leave()
		ctx, cancel := context.WithTimeout(r.ctx, 14*time.Minute)
		defer cancel()
		select {
		case <-time.After(took):
		case <-ctx.Done():
			rp.err = ctx.Err()
		}
		rp.at = time.Now()
	}()
	return rp
}

func TestShutdownGraceDeliversWhatFinishesAndCutsOffTheRestAtTheGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		r := newReplies(testLogger(&logs))
		life, stop := context.WithCancel(context.Background())
		r.start(life)
		quick := startReply(t, r, 2*time.Second)
		slow := startReply(t, r, time.Minute)
		time.Sleep(time.Second)

		began := time.Now()
		stop() // SIGTERM: the bot's context ends; replies are not part of it
		r.stop(replyGrace, time.Time{})
		if r.enter() {
			t.Fatal("a handler entered after the intake stopped")
		}
		r.drain(context.Background())

		if took := time.Since(began); took != replyGrace {
			t.Fatalf("drain took %v, want the grace (%v)", took, replyGrace)
		}
		<-quick.done
		<-slow.done
		if quick.err != nil || quick.at.Sub(began) != time.Second {
			t.Fatalf("the quick reply: err %v at +%v, want delivered at +1s", quick.err, quick.at.Sub(began))
		}
		if !errors.Is(slow.err, context.Canceled) || slow.at.Sub(began) != replyGrace {
			t.Fatalf("the slow reply: err %v at +%v, want cut off at the grace", slow.err, slow.at.Sub(began))
		}
		wantLog(t, logs.String(), "level=INFO", `msg="shutting down: letting replies in flight finish"`, "in_flight=2", "grace=5s")
		wantLog(t, logs.String(), "level=INFO", `msg="shutdown grace ran out: replies in flight cut off"`, "cut_off=1", "finished=1", "after=5s")
	})
}

func TestShutdownGraceEndsWhenTheLastReplyIsOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		r := newReplies(testLogger(&logs))
		a := startReply(t, r, 1500*time.Millisecond)
		b := startReply(t, r, 3*time.Second)
		began := time.Now()
		r.stop(replyGrace, time.Time{})
		r.drain(context.Background())

		if took := time.Since(began); took != 3*time.Second {
			t.Fatalf("drain took %v, want until the last reply went out (3s)", took)
		}
		<-a.done
		<-b.done
		if a.err != nil || b.err != nil {
			t.Fatalf("replies within the grace were cut off: %v, %v", a.err, b.err)
		}
		if r.ctx.Err() == nil {
			t.Fatal("the handlers' context lives on after the drain")
		}
		wantLog(t, logs.String(), `msg="replies in flight finished"`, "replies=2", "took=3s")
		if strings.Contains(logs.String(), "cut off") {
			t.Fatalf("logged a cut-off:\n%s", logs.String())
		}
	})
}

// A step-down's limit, or Close's own context, ends the grace sooner.
func TestShutdownGraceIsCutToTheLimitOrTheCloseDeadline(t *testing.T) {
	for _, tt := range []struct {
		name  string
		limit time.Duration // 0: none
		close time.Duration // 0: none
		want  time.Duration
		grace string
	}{
		{"step-down limit", 1500 * time.Millisecond, 0, 1500 * time.Millisecond, "grace=1.5s"},
		{"limit after the grace", time.Minute, 0, replyGrace, "grace=5s"},
		{"close deadline", 0, 2 * time.Second, 2 * time.Second, "grace=5s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logs syncBuffer
				r := newReplies(testLogger(&logs))
				slow := startReply(t, r, time.Minute)
				began := time.Now()
				var limit time.Time
				if tt.limit > 0 {
					limit = began.Add(tt.limit)
				}
				r.stop(replyGrace, limit)
				ctx := context.Background()
				if tt.close > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.close)
					defer cancel()
				}
				r.drain(ctx)
				<-slow.done
				if slow.err == nil || slow.at.Sub(began) != tt.want {
					t.Fatalf("the slow reply: err %v at +%v, want cut off at +%v", slow.err, slow.at.Sub(began), tt.want)
				}
				wantLog(t, logs.String(), "in_flight=1", tt.grace)
				wantLog(t, logs.String(), "cut_off=1", fmt.Sprintf("after=%v", tt.want))
			})
		})
	}
}

func TestShutdownWithNoReplyInFlightDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		r := newReplies(testLogger(&logs))
		began := time.Now()
		r.stop(replyGrace, time.Time{})
		r.drain(context.Background())
		if took := time.Since(began); took != 0 {
			t.Fatalf("drain took %v with nothing in flight", took)
		}
		if r.ctx.Err() == nil {
			t.Fatal("the handlers' context lives on after the drain")
		}
		if logs.String() != "" {
			t.Fatalf("logged with nothing in flight:\n%s", logs.String())
		}
	})
}

// responses records what a handler answered through disgo's responder.
type responses struct {
	mu  sync.Mutex
	got map[string]response
}

type response struct {
	at   time.Time
	typ  discord.InteractionResponseType
	data discord.InteractionResponseData
}

func (rs *responses) event(t *testing.T, id string, kind discord.InteractionType) *handler.InteractionEvent {
	t.Helper()
	raw := fmt.Sprintf(`{"id":%q,"application_id":"1","type":%d,"token":"tok-%s","version":1,
		"channel":{"id":"5","type":1},"user":{"id":"42","username":"alice"},"data":{"id":"9","name":"help","type":1}}`, id, kind, id)
	if kind == discord.InteractionTypeAutocomplete {
		raw = strings.Replace(raw, `"type":1}}`, `"type":1,"options":[]}}`, 1)
	}
	ia, err := discord.UnmarshalInteraction([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return &handler.InteractionEvent{InteractionCreate: &events.InteractionCreate{
		Interaction: ia,
		Respond: func(typ discord.InteractionResponseType, data discord.InteractionResponseData, _ ...rest.RequestOpt) error {
			rs.mu.Lock()
			defer rs.mu.Unlock()
			if _, dup := rs.got[id]; dup {
				t.Errorf("interaction %s answered twice", id)
			}
			rs.got[id] = response{at: time.Now(), typ: typ, data: data}
			return nil
		},
	}, Vars: map[string]string{}}
}

func (rs *responses) of(id string) (response, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r, ok := rs.got[id]
	return r, ok
}

// The route wrapper end to end, with disgo's responder recorded: a command
// being answered when the intake stops still gets its reply within the
// grace, one that takes longer is cut off at the grace, and one that
// arrives after the stop is told the bot is restarting.
func TestHandlersAnswerWithinTheShutdownGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		log := testLogger(&logs)
		b := &Bot{log: log, now: time.Now, replies: newReplies(log),
			policy: permission.Policy{BotOwners: []string{"42"}}}
		life, stop := context.WithCancel(context.Background())
		b.ctx = life
		b.replies.start(life)
		const quick, slow, late, lateComplete = "101", "102", "103", "104"
		took := map[string]time.Duration{quick: 2 * time.Second, slow: time.Minute}
		h := b.serve(route{pattern: "/help", perm: permission.PathHelp, ack: ackSelf, run: func(c *call) error {
			select {
			case <-time.After(took[c.e.ID().String()]):
			case <-c.ctx.Done():
				return fmt.Errorf("edit the reply: %w", c.ctx.Err()) // as a REST call would fail
			}
			return c.text("here you go")
		}}, make(chan struct{}, handlerSlots))
		rs := &responses{got: map[string]response{}}
		went := make(chan struct{}, 2)
		for _, id := range []string{quick, slow} {
			e := rs.event(t, id, discord.InteractionTypeApplicationCommand)
			go func() { h(e); went <- struct{}{} }()
		}
		synctest.Wait()

		began := time.Now()
		stop()
		b.replies.stop(replyGrace, time.Time{})
		h(rs.event(t, late, discord.InteractionTypeApplicationCommand))
		h(rs.event(t, lateComplete, discord.InteractionTypeAutocomplete))
		b.replies.drain(context.Background())
		<-went
		<-went

		if r, ok := rs.of(quick); !ok || r.at.Sub(began) != 2*time.Second || r.data.(discord.MessageCreate).Content != "here you go" {
			t.Fatalf("the quick command: %+v (answered %v), want its reply at +2s", r, ok)
		}
		if r, ok := rs.of(slow); ok {
			t.Fatalf("the slow command was answered at +%v, after its grace", r.at.Sub(began))
		}
		answer, ok := rs.of(late)
		if !ok || answer.typ != discord.InteractionResponseTypeCreateMessage {
			t.Fatalf("the late command: %+v (answered %v), want a message", answer, ok)
		}
		mc := answer.data.(discord.MessageCreate)
		if mc.Flags&discord.MessageFlagEphemeral == 0 || len(mc.Embeds) != 1 ||
			!strings.Contains(mc.Embeds[0].Title, "restarting") || !strings.Contains(mc.Embeds[0].Description, "Try again in a moment") {
			t.Fatalf("the late command's answer = %+v, want an ephemeral \"restarting, try again\"", mc)
		}
		if r, ok := rs.of(lateComplete); !ok || r.typ != discord.InteractionResponseTypeAutocompleteResult ||
			len(r.data.(discord.AutocompleteResult).Choices) != 0 {
			t.Fatalf("the late autocomplete: %+v (answered %v), want no choices", r, ok)
		}
		out := logs.String()
		wantLog(t, out, `msg="shutting down: letting replies in flight finish"`, "in_flight=2")
		wantLog(t, out, `msg="interaction after the intake stopped: told the user to try again"`, "type=2")
		wantLog(t, out, `msg="shutdown grace ran out: replies in flight cut off"`, "cut_off=1", "finished=1", "after=5s")
		if strings.Contains(out, "interaction failed") || strings.Contains(out, "level=WARN") {
			t.Fatalf("a cut-off reply was logged as a failure:\n%s", out)
		}
	})
}
