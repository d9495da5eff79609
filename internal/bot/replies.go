package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

// replyGrace is how long the interactions being answered when the bot
// stops taking new ones get to finish their replies. A command that
// arrived just before the stop is one acknowledgement (due within 3 s of
// its arrival) and a reply or two away from done; 5 s covers that and a
// rate-limit wait, and leaves room, in the 10 s a whole shutdown gets, for
// the client to close. It is a constant rather than a setting: it follows
// from Discord's deadlines and the shutdown budget, not from a deployment.
// A step-down's budget can be shorter; StopIntake takes a limit for that.
const replyGrace = 5 * time.Second

// noticeTimeout bounds the answer to an interaction that came too late.
const noticeTimeout = 3 * time.Second

// replies tracks the interaction handlers at work, so that a shutdown lets
// their answers go out. Their context outlives the bot's: it ends only when
// the grace is over (or the replies are done), while status editors and the
// queue stop with the bot's context, as they resume after a restart.
type replies struct {
	log *slog.Logger
	ctx context.Context // the handlers'
	cut context.CancelFunc

	mu      sync.Mutex
	stopped bool
	n       int           // handlers at work
	idle    chan struct{} // closed when n reaches 0 after stop
	until   time.Time     // when the grace ends
	began   time.Time     // when the intake stopped
	// inFlight is how many handlers were at work when the intake stopped.
	inFlight int
}

func newReplies(log *slog.Logger) *replies {
	r := &replies{log: log}
	r.start(context.Background())
	return r
}

// start derives the handlers' context from the bot's lifetime, without its
// cancellation: values only.
func (r *replies) start(ctx context.Context) {
	r.ctx, r.cut = context.WithCancel(context.WithoutCancel(ctx))
}

// enter registers one handler; false means the intake stopped.
func (r *replies) enter() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return false
	}
	r.n++
	return true
}

func (r *replies) leave() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n--
	if r.n == 0 && r.stopped {
		close(r.idle)
	}
}

// stop refuses new handlers and starts the grace of those at work: it ends
// grace from now or at limit, whichever comes first (a zero limit is none).
// Only the first call counts.
func (r *replies) stop(grace time.Duration, limit time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	r.stopped, r.idle = true, make(chan struct{})
	r.began, r.inFlight = time.Now(), r.n
	r.until = r.began.Add(grace)
	if !limit.IsZero() && limit.Before(r.until) {
		r.until = limit
	}
	if r.n == 0 {
		close(r.idle)
		return
	}
	r.log.Info("shutting down: letting replies in flight finish", "in_flight", r.n,
		"grace", max(time.Until(r.until), 0).Round(time.Millisecond))
}

// drain waits for the handlers at work until the grace ends or ctx does,
// then ends their context: what has not gone out by then is cut off. stop
// must have been called.
func (r *replies) drain(ctx context.Context) {
	defer r.cut()
	r.mu.Lock()
	idle, until, began, inFlight := r.idle, r.until, r.began, r.inFlight
	r.mu.Unlock()
	if inFlight == 0 {
		return
	}
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	case <-ctx.Done():
	}
	r.mu.Lock()
	left := r.n
	r.mu.Unlock()
	took := time.Since(began).Round(time.Millisecond)
	if left == 0 {
		r.log.Info("replies in flight finished", "replies", inFlight, "took", took)
		return
	}
	r.log.Info("shutdown grace ran out: replies in flight cut off", "cut_off", left, "finished", inFlight-left, "after", took)
}

// cutOff reports whether ctx, a handler's, ended because the grace did.
func (r *replies) cutOff(ctx context.Context) bool {
	return ctx.Err() != nil && r.ctx.Err() != nil
}

// restarting answers an interaction that arrived after the intake
// stopped: the user learns to try again (the next process will take it)
// instead of seeing "The application did not respond".
func (b *Bot) restarting(e *handler.InteractionEvent) {
	ctx, cancel := context.WithTimeout(b.replies.ctx, noticeTimeout)
	defer cancel()
	var err error
	if e.Type() == discord.InteractionTypeAutocomplete {
		err = e.AutocompleteResult(nil, rest.WithCtx(ctx)) // it cannot show a message
	} else {
		err = e.CreateMessage(render.Restarting().Create(), rest.WithCtx(ctx))
	}
	if err != nil {
		b.log.Warn("could not tell a late interaction the bot is restarting", "user_id", e.User().ID.String(), "err", err)
		return
	}
	b.log.Info("interaction after the intake stopped: told the user to try again", "type", int(e.Type()), "user_id", e.User().ID.String())
}
