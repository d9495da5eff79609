package discordtest

import (
	"strings"

	"github.com/disgoorg/snowflake/v2"
)

// User is a Discord user a test acts as, or the bot itself.
type User struct {
	ID   snowflake.ID
	Name string
	Bot  bool
}

// AddUser creates a user. Names are unique, as on Discord: adding an existing
// name returns that user.
func (s *Server) AddUser(name string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(name)
}

func (s *Server) addUserLocked(name string) *User {
	if u, ok := s.usersByName[name]; ok {
		return u
	}
	u := &User{ID: s.newID(), Name: name}
	s.users[u.ID] = u
	s.usersByName[name] = u
	return u
}

// BotUser is the application's bot user.
func (s *Server) BotUser() *User { return s.bot }

// CloseDMs makes the user refuse DMs from the bot: sending to their DM channel
// answers 403 50007.
func (s *Server) CloseDMs(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closedDMs[u.ID] = true
}

// OpenDMs undoes CloseDMs.
func (s *Server) OpenDMs(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.closedDMs, u.ID)
}

// DM returns the DM channel between the bot and u, creating it if needed. Use
// it as the channel of interactions the user makes in the bot's DMs.
func (s *Server) DM(u *User) *Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmLocked(u)
}

func (s *Server) dmLocked(u *User) *Channel {
	if c, ok := s.dms[u.ID]; ok {
		return c
	}
	c := &Channel{ID: s.newID(), Name: u.Name, Recipient: u}
	s.dms[u.ID] = c
	s.channels[c.ID] = c
	return c
}

func userJSON(u *User) obj {
	var global any = u.Name
	if u.Bot {
		global = nil
	}
	return obj{
		"id":                     u.ID,
		"username":               u.Name,
		"discriminator":          discriminator(u),
		"global_name":            global,
		"avatar":                 nil,
		"banner":                 nil,
		"accent_color":           nil,
		"bot":                    u.Bot,
		"system":                 false,
		"public_flags":           0,
		"flags":                  0,
		"avatar_decoration_data": nil,
		"collectibles":           nil,
		"primary_guild":          nil,
	}
}

// discriminator is "0" for migrated users; bots keep four digits.
func discriminator(u *User) string {
	if u.Bot {
		return "0001"
	}
	return "0"
}

// slug turns a display name into a valid username.
func slug(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), "_"))
}
