package bot

import (
	"context"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
)

// The calls below are disgo's own endpoints, through its client and rate
// limiter, but they decode only what the bot uses of Discord's answer:
// disgo's methods decode the whole message echoed back, embeds and
// components included, which under load cost more than building the
// message did.

// sentMessage is what the bot needs of a message Discord accepted.
type sentMessage struct {
	ID          snowflake.ID `json:"id"`
	Attachments []struct {
		URL string `json:"url"`
	} `json:"attachments"`
}

// noMentions is the bot's default: prompts are echoed into messages, and
// nothing a user types may ping anyone.
func noMentions() *discord.AllowedMentions { return &discord.AllowedMentions{} }

// createMessage posts m in channel.
func (b *Bot) createMessage(ctx context.Context, channel snowflake.ID, m discord.MessageCreate) (sentMessage, error) {
	if m.AllowedMentions == nil {
		m.AllowedMentions = noMentions()
	}
	var sent sentMessage
	body, err := m.ToBody()
	if err == nil {
		err = b.client.Rest.Do(rest.CreateMessage.Compile(nil, channel), body, &sent, rest.WithCtx(ctx))
	}
	return sent, err
}

// editMessage edits a message the bot posted.
func (b *Bot) editMessage(ctx context.Context, channel, message snowflake.ID, u discord.MessageUpdate) error {
	body, err := updateBody(u)
	if err != nil {
		return err
	}
	return b.client.Rest.Do(rest.UpdateMessage.Compile(nil, channel, message), body, nil, rest.WithCtx(ctx))
}

// editReply edits an interaction's deferred response.
func (c *call) editReply(u discord.MessageUpdate) error {
	body, err := updateBody(u)
	if err != nil {
		return err
	}
	endpoint := rest.UpdateInteractionResponse.Compile(nil, c.e.ApplicationID(), c.e.Token())
	return c.b.client.Rest.Do(endpoint, body, nil, c.opts())
}

// updateBody is u as disgo sends it, mentions disabled where it has text.
func updateBody(u discord.MessageUpdate) (any, error) {
	if u.AllowedMentions == nil && u.Content != nil {
		u.AllowedMentions = noMentions()
	}
	return u.ToBody()
}
