package sandbox

import (
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// The people and places a script names.

func (s *Session) userNamed(name string) (*discordtest.User, bool) {
	u, ok := s.users[name]
	return u, ok
}

// roleNamed returns the guild role with the name, creating it (without
// permissions) when the script names a new one.
func (s *Session) roleNamed(name string) *discordtest.Role {
	if r, ok := s.roles[name]; ok {
		return r
	}
	r := s.guild.AddRole(name, 0)
	s.roles[name] = r
	return r
}

func (s *Session) channelNamed(name string) (*discordtest.Channel, bool) {
	for _, c := range []*discordtest.Channel{s.general, s.nsfw} {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// channelByID finds a guild channel, or u's DM channel.
func (s *Session) channelByID(u *discordtest.User, id snowflake.ID) (*discordtest.Channel, bool) {
	for _, c := range []*discordtest.Channel{s.general, s.nsfw, s.discord.DM(u)} {
		if c.ID == id {
			return c, true
		}
	}
	return nil, false
}
