package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/handler"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

// ack says how a route acknowledges Discord before doing any work.
type ack int

const (
	// ackDefer answers "thinking…" (ephemeral) at once; the handler's reply
	// edits it. Slash commands and most buttons.
	ackDefer ack = iota
	// ackSelf leaves the first response to the handler: it opens a modal or
	// answers at once (modals cannot follow a deferral).
	ackSelf
)

// route is one entry of the route table.
type route struct {
	pattern string // mux pattern: "/generate", "/queue/view", "/job/{id}/cancel"
	perm    string // permission path, see permission.Requirement
	ack     ack
	run     func(c *call) error
	// complete answers autocomplete on the same command path.
	complete func(c *call) error
	// submit handles the modal a button of this route opened (modals reuse
	// the button's custom id).
	submit func(c *call) error
}

// routes is the one route table of the bot.
func (b *Bot) routes() []route {
	var rs []route
	rs = append(rs, b.generateRoutes()...)
	rs = append(rs, b.queueRoutes()...)
	rs = append(rs, b.adminRoutes()...)
	rs = append(rs, b.adminConfigRoutes()...)
	rs = append(rs, b.workflowRoutes()...)
	rs = append(rs, b.templateRoutes()...)
	rs = append(rs, b.historyRoutes()...)
	rs = append(rs, b.resultRoutes()...)
	rs = append(rs, b.imageActionRoutes()...)
	rs = append(rs, b.fromImageRoutes()...)
	// The mux matches path prefixes in order: longer patterns go first, so
	// /admin/clear/{guild}/confirm is not taken for /admin/clear.
	slices.SortStableFunc(rs, func(a, b route) int {
		return strings.Count(b.pattern, "/") - strings.Count(a.pattern, "/")
	})
	return rs
}

// handlerSlots bounds the handlers doing their work (database, queue,
// Discord calls) at once. Acknowledgements do not wait for a slot: in a
// burst of interactions the rest wait parked, instead of hundreds of
// runnable goroutines delaying every acknowledgement behind them.
const handlerSlots = 8

// mux builds the interaction router from the route table.
func (b *Bot) mux() *handler.Mux {
	m := handler.New()
	slots := make(chan struct{}, handlerSlots)
	for _, r := range b.routes() {
		m.Interaction(r.pattern, b.serve(r, slots))
	}
	m.NotFound(func(e *handler.InteractionEvent) error {
		b.log.Warn("interaction without a route", "type", int(e.Type()), "user_id", e.User().ID.String())
		if e.Type() == discord.InteractionTypeAutocomplete {
			return e.AutocompleteResult(nil)
		}
		return e.CreateMessage(discord.MessageCreate{Content: "This button or command is no longer available.", Flags: discord.MessageFlagEphemeral})
	})
	return m
}

// serve wraps a route: acknowledge, decide permission, run, and turn any
// error into the user's reply. Nothing slow happens before the ack; after
// a deferral the work waits for one of slots.
func (b *Bot) serve(r route, slots chan struct{}) handler.InteractionHandler {
	return func(e *handler.InteractionEvent) error {
		if !b.work.enter() {
			return nil // the client is closing: nothing can answer
		}
		defer b.work.leave()
		if !b.replies.enter() {
			b.restarting(e)
			return nil
		}
		defer b.replies.leave()
		ctx, cancel := context.WithTimeout(b.replies.ctx, 14*time.Minute)
		defer cancel()
		c := &call{ctx: ctx, b: b, e: e, vars: e.Vars}
		start := b.now()
		if e.Type() == discord.InteractionTypeAutocomplete {
			return b.completeRoute(c, r)
		}
		run, mode := r.run, r.ack
		if e.Type() == discord.InteractionTypeModalSubmit && r.submit != nil {
			run, mode = r.submit, ackDefer
		}
		if mode == ackDefer {
			if err := c.deferReply(); err != nil {
				b.log.Warn("acknowledge failed", "route", r.pattern, "err", err)
				return nil
			}
		}
		b.metrics.Acknowledged(b.now().Sub(start).Seconds())
		if mode == ackDefer {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				return nil
			}
		}
		err := b.authorize(c, r.perm)
		if err == nil {
			err = run(c)
		}
		switch {
		case err == nil:
		case ctx.Err() == nil:
			b.fail(c, r.pattern, err)
		case b.replies.cutOff(ctx):
			// The shutdown grace ran out; Close counts what it cut off.
			b.log.Debug("reply cut off by the shutdown", "route", r.pattern, "err", err)
		default:
			b.log.Warn("interaction ran out of time before its reply", "route", r.pattern, "user_id", c.userID(), "err", err)
		}
		return nil
	}
}

func (b *Bot) completeRoute(c *call, r route) error {
	if r.complete == nil {
		return c.e.AutocompleteResult(nil, c.opts())
	}
	if err := b.authorize(c, r.perm); err != nil {
		// Autocomplete cannot show an error: offer nothing.
		return c.e.AutocompleteResult(nil, c.opts())
	}
	if err := r.complete(c); err != nil {
		b.log.Warn("autocomplete failed", "route", r.pattern, "err", err)
		return c.e.AutocompleteResult(nil, c.opts())
	}
	return nil
}

// authorize fills c's subject and level and refuses when the route needs more.
func (b *Bot) authorize(c *call, path string) error {
	c.subject = b.subjectOf(c)
	var mappings []model.RoleMapping
	if c.subject.GuildID != "" {
		var err error
		if mappings, err = b.store.RoleMappings(c.ctx, c.subject.GuildID); err != nil {
			return err
		}
	}
	d := b.policy.Check(c.subject, mappings, path)
	c.level = d.Have
	if !d.Allowed && b.ownJobInDM(c, path) {
		// The buttons of a result or status message delivered to its
		// owner's DMs work for that owner, whatever the DM policy.
		c.level = max(d.Have, model.LevelGenerator)
		return nil
	}
	if !d.Allowed {
		return &refusal{decision: d}
	}
	return nil
}

// ownJobInDM reports whether a button pressed in a DM names a job of the
// one who pressed it.
func (b *Bot) ownJobInDM(c *call, path string) bool {
	if !c.subject.InDM() || !permission.IsButton(path) || c.vars["id"] == "" || !strings.HasPrefix(path, "job ") {
		return false
	}
	id, err := c.varID("id")
	if err != nil {
		return false
	}
	job, err := b.store.Job(c.ctx, id)
	return err == nil && job.UserID == c.userID()
}

func (b *Bot) subjectOf(c *call) permission.Subject {
	s := permission.Subject{UserID: c.userID()}
	if g := c.e.GuildID(); g != nil {
		s.GuildID = g.String()
		if guild, ok := c.e.Guild(); ok {
			s.GuildOwnerID = guild.OwnerID.String()
		}
	}
	if s.GuildID == "" {
		s.DMLevel = b.dmLevel(c.ctx, c.e.User().ID)
	}
	if m := c.e.Member(); m != nil {
		s.Permissions = m.Permissions
		for _, r := range m.RoleIDs {
			s.RoleIDs = append(s.RoleIDs, r.String())
		}
	}
	return s
}

// refusal is a permission decision that said no.
type refusal struct{ decision permission.Decision }

func (r *refusal) Error() string { return "permission denied: " + r.decision.Reason }

// fail is the one place an error becomes what the user reads: refusals and
// domain errors say what to do; anything else is logged in full and the
// user gets a short apology with a reference.
func (b *Bot) fail(c *call, routePattern string, err error) {
	var msg render.Message
	var ref *refusal
	switch {
	case errors.As(err, &ref):
		msg = render.Refusal(ref.decision)
	case userFacing(err):
		msg = render.FromError(err)
	default:
		id := c.e.ID().String()
		b.log.Error("interaction failed", "route", routePattern, "user_id", c.userID(), "interaction_id", id, "err", err)
		msg = render.UserError("Something went wrong", "The bot hit an internal error and logged it (reference "+id+").", "Try again in a moment.")
	}
	if rerr := c.reply(msg.Create()); rerr != nil {
		b.log.Warn("could not tell the user about an error", "route", routePattern, "err", rerr, slog.String("cause", err.Error()))
	}
}
