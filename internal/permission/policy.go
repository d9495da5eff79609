package permission

import (
	"slices"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Policy is the configured part of the decision.
type Policy struct {
	// BotOwners are user IDs that are admin everywhere, DMs included.
	BotOwners []string
	// DMPolicy says who may use the bot in DMs; the empty policy means
	// model.DMOwners, the default.
	DMPolicy model.DMPolicy
}

// Subject is who is asking, as the interaction describes them.
type Subject struct {
	UserID       string
	GuildID      string // empty in DMs
	GuildOwnerID string
	RoleIDs      []string
	// Permissions are the member's permissions in the channel, as the
	// interaction reports them (member.permissions).
	Permissions discord.Permissions
	// DMLevel is the highest level the user holds in a server the bot
	// shares with them. Only the generators and admins DM policies read it,
	// and the zero value (user) denies under both.
	DMLevel model.Level
}

// InDM reports whether the subject is outside any server.
func (s Subject) InDM() bool { return s.GuildID == "" }

// Level returns the subject's level here and whether the bot may be used
// here at all. Only DMs can say no: in a server everybody is at least a
// user.
func (p Policy) Level(s Subject, mappings []model.RoleMapping) (model.Level, bool) {
	l, allowed, _ := p.level(s, mappings)
	return l, allowed
}

// level also returns why, for Decision.Reason.
func (p Policy) level(s Subject, mappings []model.RoleMapping) (model.Level, bool, string) {
	if p.isBotOwner(s.UserID) {
		return model.LevelAdmin, true, "bot owner"
	}
	if s.InDM() {
		return p.dmLevel(s)
	}
	switch {
	case s.UserID != "" && s.UserID == s.GuildOwnerID:
		return model.LevelAdmin, true, "server owner"
	case s.Permissions.Has(discord.PermissionAdministrator):
		return model.LevelAdmin, true, "Administrator permission"
	case s.Permissions.Has(discord.PermissionManageGuild):
		return model.LevelAdmin, true, "Manage Server permission"
	}
	if l, ok := mappedLevel(s.RoleIDs, mappings); ok {
		return l, true, "mapped role"
	}
	return model.LevelUser, true, "no mapped role"
}

// dmLevel caps DM use at generator: admin work is about a server, and DMs
// have none.
func (p Policy) dmLevel(s Subject) (model.Level, bool, string) {
	switch p.dmPolicy() {
	case model.DMEveryone:
		return model.LevelGenerator, true, "DM policy everyone"
	case model.DMGenerators:
		if s.DMLevel >= model.LevelGenerator {
			return model.LevelGenerator, true, "DM policy generators"
		}
		return model.LevelUser, false, "DM policy generators: not a generator in a shared server"
	case model.DMAdmins:
		if s.DMLevel >= model.LevelAdmin {
			return model.LevelGenerator, true, "DM policy admins"
		}
		return model.LevelUser, false, "DM policy admins: not an admin in a shared server"
	case model.DMNobody:
		return model.LevelUser, false, "DM policy nobody"
	}
	return model.LevelUser, false, "DM policy owners: not a bot owner"
}

func (p Policy) dmPolicy() model.DMPolicy {
	if p.DMPolicy.Valid() {
		return p.DMPolicy
	}
	// An unknown policy must not open DMs wider than the default.
	return model.DMOwners
}

func (p Policy) isBotOwner(userID string) bool {
	return userID != "" && slices.Contains(p.BotOwners, userID)
}

// mappedLevel is the highest level any of roles is mapped to.
func mappedLevel(roles []string, mappings []model.RoleMapping) (model.Level, bool) {
	best, found := model.LevelUser, false
	for _, m := range mappings {
		if !m.Level.Valid() || !slices.Contains(roles, m.RoleID) {
			continue
		}
		if !found || m.Level > best {
			best, found = m.Level, true
		}
	}
	return best, found
}

// grantingRoles lists the roles mapped to need or higher, each once, in
// mapping order.
func grantingRoles(need model.Level, mappings []model.RoleMapping) []string {
	var roles []string
	for _, m := range mappings {
		if m.Level.Valid() && m.Level >= need && m.RoleID != "" && !slices.Contains(roles, m.RoleID) {
			roles = append(roles, m.RoleID)
		}
	}
	return roles
}

// CanManageJob reports whether the subject may cancel, delete or otherwise
// act on a job owned by jobOwnerID: its owner may, and so may an admin.
// level is the subject's level where the job was started; the caller
// checks that the job belongs to the subject's server before passing an
// admin level from that server.
func CanManageJob(s Subject, level model.Level, jobOwnerID string) bool {
	if s.UserID != "" && s.UserID == jobOwnerID {
		return true
	}
	return level >= model.LevelAdmin
}
