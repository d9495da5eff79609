package discordtest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

// failGrace lets a callback that arrived just in time finish (its
// validation can be slow under the race detector) before an unanswered
// interaction is marked failed; lateness itself is judged on arrival.
const failGrace = 2 * time.Second

// Interaction types.
const (
	iaCommand      = 2
	iaComponent    = 3
	iaAutocomplete = 4
	iaModalSubmit  = 5
)

// Interaction contexts.
const (
	contextGuild = 0
	contextBotDM = 1
)

// ResponseType is the type of an interaction callback.
type ResponseType int

// Callback types.
const (
	ResponseMessage         ResponseType = 4
	ResponseDeferredMessage ResponseType = 5
	ResponseDeferredUpdate  ResponseType = 6
	ResponseUpdate          ResponseType = 7
	ResponseAutocomplete    ResponseType = 8
	ResponseModal           ResponseType = 9
)

// Response is the bot's acknowledgement of an interaction.
type Response struct {
	Type      ResponseType
	Ephemeral bool
	// Message is the reply (4, 5) or the updated message (6, 7) as it was
	// right after the callback.
	Message *Message
	Choices []Choice
	Modal   *Modal
}

// Interaction is one user action dispatched to the bot.
type Interaction struct {
	srv     *Server
	id      snowflake.ID
	token   string
	kind    int
	user    *User
	channel *Channel
	guild   *Guild
	created time.Time
	// command and commandType name the invoked application command, for
	// metadata; a context menu's target is targetUser or targetMessage.
	command       string
	commandType   int
	targetUser    *User
	targetMessage *message
	limit         int
	// source is the message a component was clicked on (or the modal was
	// opened from); trigger is the interaction that opened a modal.
	source  *message
	trigger *Interaction
	done    chan struct{}

	// guarded by srv.mu
	acked     bool
	err       error
	resp      Response
	original  *message
	followups []*message
	timer     *time.Timer
}

// ID is the interaction id (zero if the test's request was invalid).
func (ia *Interaction) ID() snowflake.ID { return ia.id }

// Token is the interaction token the bot answers with.
func (ia *Interaction) Token() string { return ia.token }

// Wait blocks until the bot acknowledges the interaction and returns how.
// It fails with ErrNoResponse when the deadline passed, with
// ErrInvalidInteraction when the test's request was invalid, or when ctx
// ends.
func (ia *Interaction) Wait(ctx context.Context) (Response, error) {
	select {
	case <-ia.done:
	case <-ctx.Done():
		return Response{}, fmt.Errorf("wait for interaction response: %w", context.Cause(ctx))
	}
	if ia.srv == nil {
		return Response{}, ia.err
	}
	ia.srv.mu.Lock()
	defer ia.srv.mu.Unlock()
	return ia.resp, ia.err
}

// Original is the current state of the interaction's original response
// message, if it has one.
func (ia *Interaction) Original() (Message, bool) {
	if ia.srv == nil {
		return Message{}, false
	}
	ia.srv.mu.Lock()
	defer ia.srv.mu.Unlock()
	if ia.original == nil {
		return Message{}, false
	}
	return ia.srv.snapshotLocked(ia.original), true
}

// Followups are the followup messages sent with the interaction's token.
func (ia *Interaction) Followups() []Message {
	if ia.srv == nil {
		return nil
	}
	ia.srv.mu.Lock()
	defer ia.srv.mu.Unlock()
	out := make([]Message, 0, len(ia.followups))
	for _, m := range ia.followups {
		out = append(out, ia.srv.snapshotLocked(m))
	}
	return out
}

func failedInteraction(err error) *Interaction {
	done := make(chan struct{})
	close(done)
	return &Interaction{err: err, done: done}
}

// finishLocked records the outcome once: a response or a failure.
func (ia *Interaction) finishLocked(resp Response, err error) {
	if ia.acked || ia.err != nil {
		return
	}
	if ia.timer != nil {
		ia.timer.Stop()
	}
	ia.resp, ia.err = resp, err
	ia.acked = err == nil
	close(ia.done)
}

// late reports whether the callback deadline had passed at t.
func (ia *Interaction) late(t time.Time, deadline time.Duration) bool {
	return t.Sub(ia.created) > deadline
}

// failLate marks an unanswered interaction failed, as the user's client
// shows "The application did not respond".
func (s *Server) failLate(ia *Interaction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLateLocked(ia)
}

func (s *Server) failLateLocked(ia *Interaction) {
	if ia.acked || ia.err != nil {
		return
	}
	ia.finishLocked(Response{}, ErrNoResponse)
	s.timeline.add(Event{
		T: s.now(), Kind: KindError, User: ia.user.Name, ChannelID: ia.channel.ID, Channel: ia.channel.Label(),
		InteractionID: ia.id, Error: "The application did not respond",
	})
}

// metadataJSON is a message's interaction_metadata.
func (ia *Interaction) metadataJSON(m *message) obj {
	o := obj{
		"id":                             ia.id,
		"type":                           ia.kind,
		"user":                           userJSON(ia.user),
		"authorizing_integration_owners": ia.owners(),
	}
	if m.followup && ia.original != nil {
		o["original_response_message_id"] = ia.original.id
	}
	switch ia.kind {
	case iaCommand:
		o["name"] = ia.command
		o["command_type"] = ia.commandType
		if ia.targetUser != nil {
			o["target_user"] = userJSON(ia.targetUser)
		}
		if ia.targetMessage != nil {
			o["target_message_id"] = ia.targetMessage.id
		}
	case iaComponent:
		o["interacted_message_id"] = ia.source.id
	case iaModalSubmit:
		o["triggering_interaction_metadata"] = ia.trigger.metadataJSON(&message{})
	}
	return o
}

// owners is authorizing_integration_owners for a guild-installed app.
func (ia *Interaction) owners() obj {
	if ia.guild != nil {
		return obj{"0": ia.guild.ID}
	}
	return obj{"0": "0"}
}

// newInteractionLocked checks that u can act in ch and creates the
// interaction (not yet registered).
func (s *Server) newInteractionLocked(kind int, u *User, ch *Channel) (*Interaction, error) {
	if u == nil || ch == nil {
		return nil, fmt.Errorf("%w: nil user or channel", ErrInvalidInteraction)
	}
	if _, ok := s.channels[ch.ID]; !ok {
		return nil, fmt.Errorf("%w: unknown channel %s", ErrInvalidInteraction, ch.Label())
	}
	ia := &Interaction{
		srv: s, id: s.newID(), token: newInteractionToken(), kind: kind, user: u, channel: ch,
		created: s.now(), limit: s.opts.AttachmentSizeLimit, done: make(chan struct{}),
	}
	if ch.isDM() {
		if ch.Recipient.ID != u.ID {
			return nil, fmt.Errorf("%w: %s cannot act in %s", ErrInvalidInteraction, u.Name, ch.Label())
		}
		return ia, nil
	}
	ia.guild = s.guildsByID[ch.GuildID]
	if _, ok := ia.guild.members[u.ID]; !ok {
		return nil, fmt.Errorf("%w: %s is not a member of %s", ErrInvalidInteraction, u.Name, ia.guild.Name)
	}
	if !s.canSeeLocked(u, ch) {
		return nil, fmt.Errorf("%w: %s cannot see %s", ErrInvalidInteraction, u.Name, ch.Label())
	}
	return ia, nil
}

// interactionJSONLocked is the INTERACTION_CREATE payload without data.
func (s *Server) interactionJSONLocked(ia *Interaction) obj {
	o := obj{
		"id":                             ia.id,
		"application_id":                 s.appID,
		"type":                           ia.kind,
		"token":                          ia.token,
		"version":                        1,
		"locale":                         s.opts.Locale,
		"entitlements":                   []any{},
		"attachment_size_limit":          ia.limit,
		"channel_id":                     ia.channel.ID,
		"authorizing_integration_owners": ia.owners(),
	}
	if g := ia.guild; g != nil {
		perms := g.permissionsLocked(ia.user.ID)
		m := memberJSON(g, g.members[ia.user.ID], true)
		m["permissions"] = perms.String()
		o["guild_id"] = g.ID
		o["guild"] = obj{"id": g.ID, "locale": "en-US", "features": []string{}}
		o["guild_locale"] = "en-US"
		o["member"] = m
		o["channel"] = channelJSON(ia.channel, &perms)
		o["app_permissions"] = g.permissionsLocked(s.bot.ID).String()
		o["context"] = contextGuild
		return o
	}
	perms := permDM
	o["user"] = userJSON(ia.user)
	o["channel"] = channelJSON(ia.channel, &perms)
	o["app_permissions"] = permDM.String()
	o["context"] = contextBotDM
	return o
}

// register makes the interaction answerable and dispatches it.
func (s *Server) register(ia *Interaction, payload obj) {
	s.mu.Lock()
	s.interactions[ia.id] = ia
	s.byToken[ia.token] = ia
	if s.realClock {
		ia.timer = time.AfterFunc(s.opts.CallbackDeadline+failGrace, func() { s.failLate(ia) })
	}
	s.mu.Unlock()
	s.stats.interactions.Add(1)
	s.gw.dispatch(guildPtr(ia.channel), 0, "INTERACTION_CREATE", payload)
}

// allowedResponses lists the callback types each interaction type takes.
func allowedResponses(ia *Interaction) []ResponseType {
	switch ia.kind {
	case iaCommand:
		return []ResponseType{ResponseMessage, ResponseDeferredMessage, ResponseModal}
	case iaComponent:
		return []ResponseType{ResponseMessage, ResponseDeferredMessage, ResponseDeferredUpdate, ResponseUpdate, ResponseModal}
	case iaAutocomplete:
		return []ResponseType{ResponseAutocomplete}
	case iaModalSubmit:
		if ia.source != nil {
			return []ResponseType{ResponseMessage, ResponseDeferredMessage, ResponseDeferredUpdate, ResponseUpdate}
		}
		return []ResponseType{ResponseMessage, ResponseDeferredMessage}
	}
	return nil
}

func responseAllowed(ia *Interaction, t ResponseType) bool {
	return slices.Contains(allowedResponses(ia), t)
}
