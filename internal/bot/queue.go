package bot

import (
	"fmt"

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
		{pattern: render.JobButtonPattern(render.ActionCancel), perm: permission.PathJobCancel, run: b.cancelButton},
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
	return b.cancelJob(c, id)
}

// cancelJob cancels a job its owner or an admin asked to cancel.
func (b *Bot) cancelJob(c *call, id int64) error {
	job, err := b.store.Job(c.ctx, id)
	if err != nil {
		return err
	}
	if job.GuildID != c.guildID() && job.UserID != c.userID() {
		// An admin here is no admin of another server's queue.
		return model.Errorf(model.CodeNotFound, "There is no job #%d in this server.", id)
	}
	if !permission.CanManageJob(c.subject, c.level, job.UserID) {
		return model.Errorf(model.CodeForbidden, "Job #%d belongs to %s; only its owner or an admin may cancel it.", id, render.Mention(job.UserID))
	}
	job, err = b.jobs.Cancel(c.ctx, id)
	if err != nil {
		return err
	}
	b.log.Info("job cancelled", "job_id", id, "by", c.userID())
	return c.text("Job **#%d** is %s.", job.ID, job.Status)
}

func (b *Bot) queueClear(c *call) error {
	scope := c.slash().String("scope")
	f := store.JobFilter{UserID: c.userID(), GuildID: c.guildID()}
	what := "your queued jobs"
	if scope == "all" {
		if c.level < model.LevelAdmin {
			return model.Errorf(model.CodeForbidden, "Only admins may clear everyone's jobs (`scope:all`); `/queue clear` clears yours.")
		}
		f.UserID = ""
		what = "every queued job of this server"
	}
	cleared, err := b.jobs.ClearQueued(c.ctx, f)
	if err != nil {
		return err
	}
	if len(cleared) == 0 {
		return c.text("There was nothing to clear: no %s.", what)
	}
	return c.text("Cancelled %d job(s): %s.", len(cleared), fmt.Sprint(jobIDs(cleared)))
}

func jobIDs(js []model.Job) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = fmt.Sprintf("#%d", j.ID)
	}
	return out
}
