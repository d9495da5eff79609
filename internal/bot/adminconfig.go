package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

func (b *Bot) adminConfigRoutes() []route {
	return []route{
		{pattern: "/admin/config", perm: permission.PathAdminConfig, run: b.adminConfig, complete: b.completeDefaultWorkflow},
		{pattern: "/admin/cancel", perm: permission.PathAdminCancel, run: b.adminCancel},
		{pattern: "/admin/clear", perm: permission.PathAdminClear, run: b.adminClear},
		{pattern: render.AdminClearPattern, perm: permission.PathAdminClear, ack: ackSelf, run: b.adminClearConfirmed},
		{pattern: "/help", perm: permission.PathHelp, run: b.help},
	}
}

// adminConfig changes the settings given and shows them all back.
func (b *Bot) adminConfig(c *call) error {
	d := c.slash()
	var u store.ServerSettingsUpdate
	if v, ok := d.OptInt("max_queue_per_user"); ok {
		u.MaxQueuePerUser = &v
	}
	if v, ok := d.OptString("default_delivery"); ok {
		dl, err := model.ParseDelivery(v)
		if err != nil {
			return err
		}
		u.DefaultDelivery = &dl
	}
	if v, ok := d.OptString("default_workflow"); ok {
		if err := b.checkWorkflowName(c, v); err != nil {
			return err
		}
		u.DefaultWorkflow = &v
	}
	if v, ok := d.OptChannel("channel"); ok {
		id := v.ID.String()
		u.DefaultChannelID = &id
	}
	if v, ok := d.OptString("dm_policy"); ok {
		p, err := model.ParseDMPolicy(v)
		if err != nil {
			return err
		}
		u.DMPolicy = &p
	}
	name := ""
	if g, ok := c.e.Guild(); ok {
		name = g.Name
	}
	srv, err := b.store.UpsertServer(c.ctx, c.guildID(), name)
	if err != nil {
		return err
	}
	if u != (store.ServerSettingsUpdate{}) {
		if srv, err = b.store.UpdateServerSettings(c.ctx, c.guildID(), u); err != nil {
			return err
		}
		b.log.Info("server settings changed", "guild_id", c.guildID(), "by", c.userID())
	}
	return c.reply(render.ServerSettings(srv, render.ServerDefaults{
		MaxQueuePerUser: b.defaults.MaxQueuePerUser,
		Delivery:        b.defaults.Delivery,
		Workflow:        "default",
		DMPolicy:        model.DMEveryone,
	}).Create())
}

// completeDefaultWorkflow suggests the workflows whose names contain what
// was typed into default_workflow.
func (b *Bot) completeDefaultWorkflow(c *call) error {
	data := c.autocomplete().Data
	typed := strings.ToLower(data.String(data.Focused().Name))
	choices := []discord.AutocompleteChoice{}
	for _, name := range b.library.Names(c.guildID()) {
		if len(choices) == render.MaxChoices {
			break
		}
		if strings.Contains(strings.ToLower(name), typed) && utf8.RuneCountInString(name) <= render.MaxChoiceValue {
			choices = append(choices, discord.AutocompleteChoiceString{Name: name, Value: name})
		}
	}
	return c.e.AutocompleteResult(choices, c.opts())
}

func (b *Bot) adminCancel(c *call) error {
	return b.cancelJob(c, int64(c.slash().Int("id")))
}

// adminClear asks for confirmation before cancelling a whole server's queue.
func (b *Bot) adminClear(c *call) error {
	n, err := b.store.CountJobs(c.ctx, store.JobFilter{GuildID: c.guildID(), Statuses: []model.JobStatus{model.StatusQueued}})
	if err != nil {
		return err
	}
	if n == 0 {
		return c.text("The queue of this server is empty.")
	}
	return c.reply(render.AdminClearConfirm(c.guildID(), n).Create())
}

// adminClearConfirmed clears the queue and turns the confirmation into the
// outcome, so its button cannot be pressed twice.
func (b *Bot) adminClearConfirmed(c *call) error {
	if err := c.e.DeferUpdateMessage(c.opts()); err != nil {
		return fmt.Errorf("acknowledge confirmation: %w", err)
	}
	c.deferred = true
	if c.vars["guild"] != c.guildID() {
		return model.Errorf(model.CodeForbidden, "This button belongs to another server.")
	}
	cleared, err := b.jobs.ClearQueued(c.ctx, store.JobFilter{GuildID: c.guildID()})
	if err != nil {
		return err
	}
	b.log.Info("queue cleared", "guild_id", c.guildID(), "by", c.userID(), "jobs", len(cleared))
	return c.text("Cancelled %d queued job(s). Running jobs keep running.", len(cleared))
}

// help lists what the caller may use here, with this server's queue limit.
func (b *Bot) help(c *call) error {
	l := b.limits
	queue := b.defaults.MaxQueuePerUser
	if c.guildID() != "" {
		srv, err := b.store.Server(c.ctx, c.guildID())
		if err != nil && model.ErrorCodeOf(err) != model.CodeNotFound {
			return err
		}
		if srv.MaxQueuePerUser != nil {
			queue = *srv.MaxQueuePerUser
		}
	}
	return c.reply(render.Help(c.level, render.Limits{
		QueuePerUser:    queue,
		MaxPromptLength: l.MaxPromptLength,
		MinSteps:        1,
		MaxSteps:        l.MaxSteps,
		MaxCFG:          l.MaxCFG,
		MinSize:         64,
		MaxSize:         min(l.MaxWidth, l.MaxHeight),
		MaxBatch:        l.MaxBatch,
	}).Create())
}
