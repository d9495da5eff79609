package render

import (
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/snowflake/v2"
)

// Message is a rendered message, neutral between sending and editing.
// Files are not part of it: the bot attaches them under the names the
// renderer was given (an embed shows one as "attachment://NAME").
type Message struct {
	Content    string
	Embeds     []discord.Embed
	Components []discord.LayoutComponent
	Ephemeral  bool
	// Ping lists the users this message may ping. Nobody else is pinged,
	// whatever a prompt says.
	Ping []snowflake.ID
}

// Create returns the payload that sends m.
func (m Message) Create() discord.MessageCreate {
	m = m.fit()
	mc := discord.MessageCreate{
		Content:         m.Content,
		Embeds:          m.Embeds,
		Components:      m.Components,
		AllowedMentions: m.allowedMentions(),
	}
	if m.Ephemeral {
		mc.Flags = discord.MessageFlagEphemeral
	}
	return mc
}

// Update returns the payload that turns an existing message into m. Content,
// embeds and components are always sent, so an update also clears what m
// lacks (the cancel button of a finished job, the text of an old status).
// Attachments are left alone: the bot lists them when it replaces a preview.
func (m Message) Update() discord.MessageUpdate {
	m = m.fit()
	content := m.Content
	embeds := m.Embeds
	if embeds == nil {
		embeds = []discord.Embed{}
	}
	components := m.Components
	if components == nil {
		components = []discord.LayoutComponent{}
	}
	return discord.MessageUpdate{
		Content:         &content,
		Embeds:          &embeds,
		Components:      &components,
		AllowedMentions: m.allowedMentions(),
	}
}

func (m Message) allowedMentions() *discord.AllowedMentions {
	users := []snowflake.ID{}
	if len(m.Ping) > 0 {
		users = append(users, m.Ping...)
	}
	return &discord.AllowedMentions{
		Parse: []discord.AllowedMentionType{},
		Roles: []snowflake.ID{},
		Users: users,
	}
}

// fit applies Discord's limits to every part of m.
func (m Message) fit() Message {
	m.Content = Truncate(m.Content, MaxContent)
	m.Embeds = Fit(m.Embeds)
	m.Components = fitComponents(m.Components)
	return m
}

// fitComponents keeps at most 5 action rows of at most 5 components and
// cuts button labels to 80 characters. Renderers build valid rows; this is
// the net under them.
func fitComponents(rows []discord.LayoutComponent) []discord.LayoutComponent {
	if rows == nil {
		return nil
	}
	out := make([]discord.LayoutComponent, 0, min(len(rows), MaxActionRows))
	for _, c := range rows[:min(len(rows), MaxActionRows)] {
		row, ok := c.(discord.ActionRowComponent)
		if !ok {
			out = append(out, c)
			continue
		}
		items := make([]discord.InteractiveComponent, 0, min(len(row.Components), MaxRowButtons))
		for _, ic := range row.Components[:min(len(row.Components), MaxRowButtons)] {
			if b, ok := ic.(discord.ButtonComponent); ok {
				b.Label = Truncate(b.Label, MaxButtonLabel)
				ic = b
			}
			items = append(items, ic)
		}
		row.Components = items
		out = append(out, row)
	}
	return out
}

// fitted is how every renderer returns: what the bot holds is what Discord
// will accept.
func fitted(m Message) Message { return m.fit() }
