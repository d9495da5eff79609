package bot

import (
	"context"
	"sync"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
)

// dmLevelTTL is how long a user's level for DMs is remembered: role changes
// show up within it, and a busy DM user costs one lookup per server per TTL.
const dmLevelTTL = 5 * time.Minute

type dmLevels struct {
	mu   sync.Mutex
	seen map[string]dmLevelEntry
}

type dmLevelEntry struct {
	level model.Level
	at    time.Time
}

// dmLevel is the highest level the user holds in a server the bot shares
// with them. Only the admins and generators DM policies need it, so only
// they pay for the member lookups.
func (b *Bot) dmLevel(ctx context.Context, userID snowflake.ID) model.Level {
	switch b.policy.DMPolicy {
	case model.DMAdmins, model.DMGenerators:
	default:
		return model.LevelUser
	}
	key := userID.String()
	b.dmLevels.mu.Lock()
	e, ok := b.dmLevels.seen[key]
	b.dmLevels.mu.Unlock()
	if ok && b.now().Sub(e.at) < dmLevelTTL {
		return e.level
	}
	best := model.LevelUser
	for g := range b.client.Caches.Guilds() {
		m, err := b.client.Rest.GetMember(g.ID, userID, rest.WithCtx(ctx))
		if err != nil {
			continue // not a member there
		}
		mappings, err := b.store.RoleMappings(ctx, g.ID.String())
		if err != nil {
			continue
		}
		level, _ := b.policy.Level(b.memberSubject(g, userID, m.RoleIDs), mappings)
		best = max(best, level)
	}
	b.dmLevels.mu.Lock()
	if b.dmLevels.seen == nil {
		b.dmLevels.seen = map[string]dmLevelEntry{}
	}
	b.dmLevels.seen[key] = dmLevelEntry{level: best, at: b.now()}
	b.dmLevels.mu.Unlock()
	return best
}

// memberSubject describes a member of a cached guild, with the permissions
// their roles (and @everyone) grant.
func (b *Bot) memberSubject(g discord.Guild, userID snowflake.ID, roleIDs []snowflake.ID) permission.Subject {
	s := permission.Subject{UserID: userID.String(), GuildID: g.ID.String(), GuildOwnerID: g.OwnerID.String()}
	if everyone, ok := b.client.Caches.Role(g.ID, g.ID); ok {
		s.Permissions |= everyone.Permissions
	}
	for _, r := range roleIDs {
		s.RoleIDs = append(s.RoleIDs, r.String())
		if role, ok := b.client.Caches.Role(g.ID, r); ok {
			s.Permissions |= role.Permissions
		}
	}
	return s
}
