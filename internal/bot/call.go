package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/handler"
	"github.com/disgoorg/disgo/rest"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
)

// call is one interaction being answered.
type call struct {
	ctx     context.Context
	b       *Bot
	e       *handler.InteractionEvent
	vars    map[string]string
	subject permission.Subject
	level   model.Level
	// deferred is set once a "thinking…" response went out; later replies
	// edit it instead of responding.
	deferred bool
	answered bool
}

func (c *call) userID() string   { return c.e.User().ID.String() }
func (c *call) userName() string { return c.e.User().EffectiveName() }
func (c *call) guildID() string  { return c.subject.GuildID }
func (c *call) channelID() string {
	return c.e.Channel().ID().String()
}

// slash returns the slash command data; only command routes call it.
func (c *call) slash() discord.SlashCommandInteractionData {
	return c.e.Interaction.(discord.ApplicationCommandInteraction).SlashCommandInteractionData()
}

func (c *call) component() discord.ComponentInteraction {
	return c.e.Interaction.(discord.ComponentInteraction)
}

func (c *call) modal() discord.ModalSubmitInteraction {
	return c.e.Interaction.(discord.ModalSubmitInteraction)
}

func (c *call) autocomplete() discord.AutocompleteInteraction {
	return c.e.Interaction.(discord.AutocompleteInteraction)
}

// varID reads a numeric path variable such as {id}.
func (c *call) varID(name string) (int64, error) {
	id, err := strconv.ParseInt(c.vars[name], 10, 64)
	if err != nil || id <= 0 {
		return 0, model.Errorf(model.CodeInvalid, "this button is broken (%s %q); run the command again", name, c.vars[name])
	}
	return id, nil
}

func (c *call) opts() rest.RequestOpt { return rest.WithCtx(c.ctx) }

// deferReply acknowledges with an ephemeral "thinking…" so slow work can follow.
func (c *call) deferReply() error {
	if err := c.e.DeferCreateMessage(true, c.opts()); err != nil {
		return fmt.Errorf("acknowledge interaction: %w", err)
	}
	c.deferred = true
	return nil
}

// reply answers privately: the deferred response is edited, or a new
// ephemeral response is sent.
func (c *call) reply(m discord.MessageCreate) error {
	c.answered = true
	if c.deferred {
		return c.editReply(updateFrom(m))
	}
	m.Flags |= discord.MessageFlagEphemeral
	return c.e.CreateMessage(m, c.opts())
}

// updateFrom turns a create payload into the edit of a deferred response.
func updateFrom(m discord.MessageCreate) discord.MessageUpdate {
	u := discord.MessageUpdate{
		Content:         &m.Content,
		Embeds:          &m.Embeds,
		Components:      &m.Components,
		AllowedMentions: m.AllowedMentions,
		Files:           m.Files,
	}
	if m.Embeds == nil {
		u.Embeds = &[]discord.Embed{}
	}
	if m.Components == nil {
		u.Components = &[]discord.LayoutComponent{}
	}
	return u
}

// text replies with a short private message.
func (c *call) text(format string, args ...any) error {
	return c.reply(discord.MessageCreate{Content: fmt.Sprintf(format, args...)})
}

// userFacing reports whether err carries a message meant for the user.
func userFacing(err error) bool {
	if _, ok := errors.AsType[*model.QueueFullError](err); ok {
		return true
	}
	e, ok := errors.AsType[*model.Error](err)
	return ok && e.Code != model.CodeInternal
}
