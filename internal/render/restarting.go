package render

import "github.com/disgoorg/disgo/discord"

// Restarting answers an interaction that reached the bot after it stopped
// taking new ones (a restart, or a hand-over to another process): nothing
// was done, and the same command works again in a moment.
func Restarting() Message {
	e := discord.Embed{
		Title:       "🔄 The bot is restarting",
		Description: "It did not take this command. Try again in a moment.",
		Color:       colorWarning,
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}
