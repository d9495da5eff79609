package bot

import (
	"fmt"
	"strings"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

func (b *Bot) adminRoutes() []route {
	return []route{
		{pattern: "/admin/setroles", perm: permission.PathAdminSetRoles, run: b.adminSetRoles},
		{pattern: "/admin/roles", perm: permission.PathAdminRoles, run: b.adminRoles},
		{pattern: "/admin/status", perm: permission.PathAdminStatus, run: b.adminStatus},
	}
}

func (b *Bot) adminSetRoles(c *call) error {
	data := c.slash()
	gen, hasGen := data.OptRole("generator")
	adm, hasAdm := data.OptRole("admin")
	if !hasGen && !hasAdm {
		return model.Errorf(model.CodeInvalid, "Give at least one role: `/admin setroles generator:@Role admin:@Role`.")
	}
	guild := c.guildID()
	name := ""
	if g, ok := c.e.Guild(); ok {
		name = g.Name
	}
	if _, err := b.store.UpsertServer(c.ctx, guild, name); err != nil {
		return err
	}
	var lines []string
	for _, set := range []struct {
		ok    bool
		role  discord.Role
		level model.Level
	}{{hasGen, gen, model.LevelGenerator}, {hasAdm, adm, model.LevelAdmin}} {
		if !set.ok {
			continue
		}
		if err := b.store.SetRoles(c.ctx, guild, set.level, []string{set.role.ID.String()}); err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("**%s**: <@&%s>", set.level, set.role.ID))
	}
	b.log.Info("role mapping changed", "guild_id", guild, "by", c.userID(), "mapping", strings.Join(lines, ", "))
	return c.reply(discord.MessageCreate{Embeds: []discord.Embed{{
		Title:       "Roles updated",
		Description: strings.Join(lines, "\n") + "\n\nMembers with these roles now have these levels. `/admin roles` shows every mapping.",
		Color:       colorOK,
	}}})
}

func (b *Bot) adminRoles(c *call) error {
	mappings, err := b.store.RoleMappings(c.ctx, c.guildID())
	if err != nil {
		return err
	}
	return c.reply(render.AdminRoles(mappings).Create())
}

func (b *Bot) adminStatus(c *call) error {
	depth, err := b.jobs.QueueDepth(c.ctx)
	if err != nil {
		return err
	}
	st := render.SystemStatus{
		Version: b.version,
		Uptime:  b.now().Sub(b.started),
		Queued:  depth,
		Running: b.jobs.InFlight(),
	}
	if b.process != nil {
		p := b.process()
		st.Process = render.ProcessStatus{Name: p.Self.Display(), Term: p.Term}
	}
	for _, be := range b.jobs.Backends() {
		st.Backends = append(st.Backends, render.BackendStatus{Name: be.Name, Up: be.Up, QueueDepth: be.InFlight, Error: be.Error})
	}
	return c.reply(render.AdminStatus(st).Create())
}

const colorOK = 0x2ECC71
