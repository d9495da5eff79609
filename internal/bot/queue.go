package bot

import (
	"fmt"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

func (b *Bot) queueRoutes() []route {
	return []route{
		{pattern: "/queue/view", perm: permission.PathQueueView, run: b.queueView},
		{pattern: "/queue/status", perm: permission.PathQueueStatus, run: b.queueStatus},
		{pattern: "/queue/cancel", perm: permission.PathQueueCancel, run: b.queueCancel},
		{pattern: "/queue/clear", perm: permission.PathQueueClear, run: b.queueClear},
		{pattern: render.JobButtonPattern(render.ActionCancel), perm: permission.PathJobCancel, ack: ackSelf, run: b.cancelButton},
	}
}

func (b *Bot) queueView(c *call) error {
	entries, err := b.jobs.Queue(c.ctx)
	if err != nil {
		return err
	}
	view := render.QueueView{Viewer: c.userID(), Limit: b.defaults.MaxQueuePerUser, Now: b.now()}
	for _, e := range entries {
		view.Entries = append(view.Entries, render.QueueEntry{Job: e.Job, Position: e.Position, Fraction: e.Fraction})
	}
	return c.reply(render.Queue(view).Create())
}

func (b *Bot) queueStatus(c *call) error {
	id := int64(c.slash().Int("id"))
	upd, err := b.jobs.Status(c.ctx, id)
	if err != nil {
		return err
	}
	if err := b.mayView(c, upd.Job); err != nil {
		return err
	}
	view := b.statusView(c.ctx, upd)
	view.Viewer = c.userID()
	view.PreviewFile = "" // the private reply carries no preview upload
	m := render.Status(upd.Job, view)
	m.Ephemeral = true
	return c.reply(m.Create())
}

// mayView lets a member see and act on their own jobs only: a job's
// prompt, seed and settings are its owner's, and a DM delivery is private
// by choice. Admins see every job of their server.
func (b *Bot) mayView(c *call, j model.Job) error {
	if j.UserID == c.userID() {
		return nil
	}
	if j.GuildID == "" || j.GuildID != c.guildID() {
		return model.Errorf(model.CodeNotFound, "There is no job #%d here.", j.ID)
	}
	if c.level < model.LevelAdmin {
		return model.Errorf(model.CodeForbidden, "Job #%d is another member's: you can see and re-run only your own jobs (`/history list` shows them).", j.ID)
	}
	return nil
}

func (b *Bot) queueCancel(c *call) error {
	return b.cancelJob(c, int64(c.slash().Int("id")))
}

func (b *Bot) cancelButton(c *call) error {
	id, err := c.varID("id")
	if err != nil {
		return err
	}
	if c.component().Message.Flags.Has(discord.MessageFlagEphemeral) {
		if err := c.e.DeferUpdateMessage(c.opts()); err != nil {
			return fmt.Errorf("acknowledge cancel: %w", err)
		}
		c.deferred = true
		return b.cancelInPlace(c, id)
	}
	if err := c.deferReply(); err != nil {
		return err
	}
	return b.cancelJob(c, id)
}

// cancelJob cancels a job its owner or an admin asked to cancel.
func (b *Bot) cancelJob(c *call, id int64) error {
	if _, err := b.cancellable(c, id); err != nil {
		return err
	}
	job, err := b.jobs.Cancel(c.ctx, id)
	if err != nil {
		return err
	}
	b.log.Info("job cancelled", "job_id", id, "by", c.userID())
	return c.text("Job **#%d** is %s.", job.ID, job.Status)
}

// cancelInPlace answers Cancel on a private copy of a job's status (from
// /queue status), which nothing edits as the job moves on: the copy is
// replaced by the job's status now, without the button once it is over,
// saying what became of the click.
func (b *Bot) cancelInPlace(c *call, id int64) error {
	if _, err := b.cancellable(c, id); err != nil {
		return err
	}
	note := ""
	if job, err := b.jobs.Cancel(c.ctx, id); err == nil {
		b.log.Info("job cancelled", "job_id", id, "by", c.userID())
	} else if model.ErrorCodeOf(err) == model.CodeConflict {
		note = render.CancelTooLate(job)
	} else {
		return err
	}
	upd, err := b.jobs.Status(c.ctx, id)
	if err != nil {
		return err
	}
	view := b.statusView(c.ctx, upd)
	view.Viewer, view.PreviewFile = c.userID(), ""
	m := render.Status(upd.Job, view)
	m.Content = note
	c.answered = true
	return c.editReply(m.Update())
}

// cancellable is the job id names, when the caller may cancel it.
func (b *Bot) cancellable(c *call, id int64) (model.Job, error) {
	job, err := b.store.Job(c.ctx, id)
	if err != nil {
		return model.Job{}, err
	}
	if job.UserID != c.userID() && (job.GuildID != c.guildID() || job.GuildID == "") {
		// An admin here is no admin of another server's queue, and a job
		// started in a DM is nobody's business but its owner's.
		return model.Job{}, model.Errorf(model.CodeNotFound, "There is no job #%d in this server.", id)
	}
	if !permission.CanManageJob(c.subject, c.level, job.UserID) {
		return model.Job{}, model.Errorf(model.CodeForbidden, "Job #%d belongs to %s; only its owner or an admin may cancel it.", id, render.Mention(job.UserID))
	}
	return job, nil
}

func (b *Bot) queueClear(c *call) error {
	scope := c.slash().String("scope")
	f := store.JobFilter{UserID: c.userID(), GuildID: c.guildID()}
	if scope == "all" {
		if c.level < model.LevelAdmin {
			return model.Errorf(model.CodeForbidden, "Only admins may clear everyone's jobs (`scope:all`); `/queue clear` clears yours.")
		}
		f.UserID = ""
	}
	cleared, err := b.jobs.ClearQueued(c.ctx, f)
	if err != nil {
		return err
	}
	return c.reply(render.QueueCleared(cleared, scope == "all").Create())
}
