package discordtest

import (
	"slices"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

// Gateway intents the fake filters on.
const (
	intentGuilds         = 1 << 0
	intentGuildMembers   = 1 << 1
	intentGuildMessages  = 1 << 9
	intentDirectMessages = 1 << 12
	intentMessageContent = 1 << 15
)

// Guild is a server the bot is in. Its methods are safe for concurrent use
// and announce changes to connected bots as Discord would.
type Guild struct {
	ID   snowflake.ID
	Name string

	srv *Server
	// guarded by srv.mu
	owner    *User
	roles    []*Role // roles[0] is @everyone
	botRole  *Role
	channels []*Channel
	members  map[snowflake.ID]*member
	order    []snowflake.ID
	created  time.Time
}

// Role is a guild role.
type Role struct {
	ID      snowflake.ID
	GuildID snowflake.ID
	Name    string

	srv      *Server
	perms    Permissions // guarded by srv.mu
	position int
	managed  bool
}

type member struct {
	user   *User
	roles  []snowflake.ID
	joined time.Time
}

// AddGuild creates a guild with the bot in it, an owner (a user named after
// the guild), @everyone with Discord's default permissions and the bot's
// managed role.
func (s *Server) AddGuild(name string) *Guild {
	s.mu.Lock()
	g := &Guild{ID: s.newID(), Name: name, srv: s, members: map[snowflake.ID]*member{}, created: s.now()}
	g.roles = []*Role{{ID: g.ID, GuildID: g.ID, Name: "@everyone", srv: s, perms: PermEveryoneDefault}}
	g.botRole = &Role{ID: s.newID(), GuildID: g.ID, Name: s.bot.Name, srv: s, perms: PermBotDefault, position: 1, managed: true}
	g.roles = append(g.roles, g.botRole)
	g.owner = s.addUserLocked(slug(name) + "_owner")
	g.addMemberLocked(s.bot, []snowflake.ID{g.botRole.ID})
	g.addMemberLocked(g.owner, nil)
	s.guilds = append(s.guilds, g)
	s.guildsByID[g.ID] = g
	payload := g.gatewayJSONLocked(intentGuilds | intentGuildMembers)
	s.mu.Unlock()
	s.gw.dispatch(&g.ID, intentGuilds, "GUILD_CREATE", payload)
	return g
}

// Owner is the guild owner, who has every permission.
func (g *Guild) Owner() *User {
	g.srv.mu.Lock()
	defer g.srv.mu.Unlock()
	return g.owner
}

// SetOwner transfers ownership, adding u as a member if needed.
func (g *Guild) SetOwner(u *User) {
	g.srv.mu.Lock()
	g.owner = u
	if _, ok := g.members[u.ID]; !ok {
		g.addMemberLocked(u, nil)
	}
	payload := g.gatewayJSONLocked(intentGuilds | intentGuildMembers)
	g.srv.mu.Unlock()
	g.srv.gw.dispatch(&g.ID, intentGuilds, "GUILD_UPDATE", payload)
}

// Everyone is the @everyone role.
func (g *Guild) Everyone() *Role {
	g.srv.mu.Lock()
	defer g.srv.mu.Unlock()
	return g.roles[0]
}

// AddChannel adds a text channel.
func (g *Guild) AddChannel(name string, nsfw bool) *Channel {
	s := g.srv
	s.mu.Lock()
	c := &Channel{ID: s.newID(), Name: name, GuildID: g.ID, NSFW: nsfw, position: len(g.channels)}
	g.channels = append(g.channels, c)
	s.channels[c.ID] = c
	payload := channelJSON(c, nil)
	s.mu.Unlock()
	s.gw.dispatch(&g.ID, intentGuilds, "CHANNEL_CREATE", payload)
	return c
}

// AddRole adds a role with the given permissions, e.g. PermAdministrator or
// PermManageGuild.
func (g *Guild) AddRole(name string, perms Permissions) *Role {
	s := g.srv
	s.mu.Lock()
	r := &Role{ID: s.newID(), GuildID: g.ID, Name: name, srv: s, perms: perms, position: len(g.roles)}
	g.roles = append(g.roles, r)
	payload := obj{"guild_id": g.ID, "role": roleJSON(r)}
	s.mu.Unlock()
	s.gw.dispatch(&g.ID, intentGuilds, "GUILD_ROLE_CREATE", payload)
	return r
}

// SetPermissions changes a role's permissions.
func (r *Role) SetPermissions(p Permissions) {
	r.srv.mu.Lock()
	r.perms = p
	payload := obj{"guild_id": r.GuildID, "role": roleJSON(r)}
	r.srv.mu.Unlock()
	r.srv.gw.dispatch(&r.GuildID, intentGuilds, "GUILD_ROLE_UPDATE", payload)
}

// Permissions returns the role's permissions.
func (r *Role) Permissions() Permissions {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	return r.perms
}

// SetBotPermissions sets the permissions of the bot's managed role, which
// become the interactions' app_permissions and gate channel messages.
func (g *Guild) SetBotPermissions(p Permissions) { g.botRole.SetPermissions(p) }

// AddMember makes u a member with exactly the given roles (besides
// @everyone); calling it again replaces the roles.
func (g *Guild) AddMember(u *User, roles ...*Role) {
	s := g.srv
	ids := make([]snowflake.ID, 0, len(roles))
	for _, r := range roles {
		ids = append(ids, r.ID)
	}
	s.mu.Lock()
	event := "GUILD_MEMBER_UPDATE"
	if m, ok := g.members[u.ID]; ok {
		m.roles = ids
	} else {
		event = "GUILD_MEMBER_ADD"
		g.addMemberLocked(u, ids)
	}
	payload := memberJSON(g, g.members[u.ID], true)
	payload["guild_id"] = g.ID
	s.mu.Unlock()
	s.gw.dispatch(&g.ID, intentGuildMembers, event, payload)
}

// RemoveMember makes u leave the guild.
func (g *Guild) RemoveMember(u *User) {
	s := g.srv
	s.mu.Lock()
	delete(g.members, u.ID)
	g.order = slices.DeleteFunc(g.order, func(id snowflake.ID) bool { return id == u.ID })
	s.mu.Unlock()
	s.gw.dispatch(&g.ID, intentGuildMembers, "GUILD_MEMBER_REMOVE", obj{"guild_id": g.ID, "user": userJSON(u)})
}

func (g *Guild) addMemberLocked(u *User, roles []snowflake.ID) {
	g.members[u.ID] = &member{user: u, roles: roles, joined: g.srv.now()}
	g.order = append(g.order, u.ID)
}

// permissionsLocked is what a member may do in the guild: the owner and
// administrators everything, others the union of their roles and @everyone.
func (g *Guild) permissionsLocked(userID snowflake.ID) Permissions {
	if g.owner != nil && g.owner.ID == userID {
		return PermAll
	}
	m, ok := g.members[userID]
	if !ok {
		return 0
	}
	p := g.roles[0].perms
	for _, id := range m.roles {
		if r := g.roleLocked(id); r != nil {
			p |= r.perms
		}
	}
	if p&PermAdministrator != 0 {
		return PermAll
	}
	return p
}

func (g *Guild) roleLocked(id snowflake.ID) *Role {
	for _, r := range g.roles {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func roleJSON(r *Role) obj {
	return obj{
		"id":            r.ID,
		"name":          r.Name,
		"description":   nil,
		"permissions":   r.perms.String(),
		"position":      r.position,
		"color":         0,
		"colors":        obj{"primary_color": 0, "secondary_color": nil, "tertiary_color": nil},
		"hoist":         false,
		"managed":       r.managed,
		"mentionable":   false,
		"icon":          nil,
		"unicode_emoji": nil,
		"flags":         0,
	}
}

func memberJSON(g *Guild, m *member, withUser bool) obj {
	roles := make([]snowflake.ID, len(m.roles))
	copy(roles, m.roles)
	o := obj{
		"roles":                        roles,
		"joined_at":                    timestamp(m.joined),
		"nick":                         nil,
		"avatar":                       nil,
		"banner":                       nil,
		"premium_since":                nil,
		"communication_disabled_until": nil,
		"deaf":                         false,
		"mute":                         false,
		"flags":                        0,
		"pending":                      false,
	}
	if withUser {
		o["user"] = userJSON(m.user)
	}
	return o
}

// restJSONLocked is the guild as GET /guilds/{id} returns it.
func (g *Guild) restJSONLocked() obj {
	roles := make([]obj, 0, len(g.roles))
	for _, r := range g.roles {
		roles = append(roles, roleJSON(r))
	}
	return obj{
		"id":                            g.ID,
		"name":                          g.Name,
		"icon":                          nil,
		"description":                   nil,
		"home_header":                   nil,
		"splash":                        nil,
		"discovery_splash":              nil,
		"features":                      []string{},
		"banner":                        nil,
		"owner_id":                      g.owner.ID,
		"application_id":                nil,
		"region":                        "deprecated",
		"afk_channel_id":                nil,
		"afk_timeout":                   300,
		"system_channel_id":             nil,
		"system_channel_flags":          0,
		"widget_enabled":                false,
		"widget_channel_id":             nil,
		"verification_level":            0,
		"roles":                         roles,
		"default_message_notifications": 0,
		"mfa_level":                     0,
		"explicit_content_filter":       0,
		"max_presences":                 nil,
		"max_members":                   500000,
		"max_stage_video_channel_users": 50,
		"max_video_channel_users":       25,
		"vanity_url_code":               nil,
		"premium_tier":                  0,
		"premium_subscription_count":    0,
		"preferred_locale":              "en-US",
		"rules_channel_id":              nil,
		"safety_alerts_channel_id":      nil,
		"public_updates_channel_id":     nil,
		"premium_progress_bar_enabled":  false,
		"nsfw":                          false,
		"nsfw_level":                    0,
		"emojis":                        []any{},
		"stickers":                      []any{},
		"incidents_data":                nil,
		"approximate_member_count":      len(g.members),
		"approximate_presence_count":    0,
	}
}

// gatewayJSONLocked is the guild as GUILD_CREATE carries it; members are
// only listed in full with the GUILD_MEMBERS intent, otherwise just the bot.
func (g *Guild) gatewayJSONLocked(intents int) obj {
	o := g.restJSONLocked()
	delete(o, "approximate_member_count")
	delete(o, "approximate_presence_count")
	channels := make([]obj, 0, len(g.channels))
	for _, c := range g.channels {
		channels = append(channels, channelJSON(c, nil))
	}
	members := []obj{}
	for _, id := range g.order {
		if intents&intentGuildMembers != 0 || id == g.srv.bot.ID {
			members = append(members, memberJSON(g, g.members[id], true))
		}
	}
	o["joined_at"] = timestamp(g.created)
	o["large"] = false
	o["unavailable"] = false
	o["member_count"] = len(g.members)
	o["voice_states"] = []any{}
	o["members"] = members
	o["channels"] = channels
	o["threads"] = []any{}
	o["presences"] = []any{}
	o["stage_instances"] = []any{}
	o["guild_scheduled_events"] = []any{}
	o["soundboard_sounds"] = []any{}
	return o
}

func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000-07:00")
}
