package discordtest

import "github.com/disgoorg/snowflake/v2"

// Discord channel types the fake creates.
const (
	channelTypeGuildText = 0
	channelTypeDM        = 1
)

// Channel is a guild text channel or a DM channel between the bot and one
// user (Recipient set, GuildID zero).
type Channel struct {
	ID        snowflake.ID
	Name      string
	GuildID   snowflake.ID
	NSFW      bool
	Recipient *User

	position int
}

// Label is how the timeline names the channel: "#general" or "dm:alice".
func (c *Channel) Label() string {
	if c.Recipient != nil {
		return "dm:" + c.Recipient.Name
	}
	return "#" + c.Name
}

func (c *Channel) isDM() bool { return c.Recipient != nil }

func (c *Channel) kind() int {
	if c.isDM() {
		return channelTypeDM
	}
	return channelTypeGuildText
}

// channelJSON renders the channel; perms, when given, is added as the
// "permissions" field that interactions and resolved channels carry.
func channelJSON(c *Channel, perms *Permissions) obj {
	var o obj
	if c.isDM() {
		o = obj{
			"id":                 c.ID,
			"type":               channelTypeDM,
			"last_message_id":    nil,
			"flags":              0,
			"last_pin_timestamp": nil,
			"recipients":         []obj{userJSON(c.Recipient)},
		}
	} else {
		o = obj{
			"id":                            c.ID,
			"type":                          channelTypeGuildText,
			"guild_id":                      c.GuildID,
			"name":                          c.Name,
			"position":                      c.position,
			"flags":                         0,
			"parent_id":                     nil,
			"topic":                         nil,
			"nsfw":                          c.NSFW,
			"last_message_id":               nil,
			"last_pin_timestamp":            nil,
			"rate_limit_per_user":           0,
			"permission_overwrites":         []any{},
			"default_auto_archive_duration": 1440,
		}
	}
	if perms != nil {
		o["permissions"] = perms.String()
	}
	return o
}

// channelLocked returns the channel with the given id, if any.
func (s *Server) channelLocked(id snowflake.ID) *Channel { return s.channels[id] }

// canSeeLocked reports whether u can read channel c.
func (s *Server) canSeeLocked(u *User, c *Channel) bool {
	if c.isDM() {
		return c.Recipient.ID == u.ID
	}
	g := s.guildsByID[c.GuildID]
	return g != nil && g.permissionsLocked(u.ID).Has(PermViewChannel)
}
