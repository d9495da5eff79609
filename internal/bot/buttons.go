package bot

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

// resultRoutes are the buttons on every delivered result. They carry only
// the job id and resolve everything from the store, so they keep working
// after restarts.
func (b *Bot) resultRoutes() []route {
	job := func(a render.JobAction) string { return render.JobButtonPattern(a) }
	return []route{
		{pattern: job(render.ActionReroll), perm: permission.PathJobReroll, run: b.rerollButton},
		{pattern: job(render.ActionEdit), perm: permission.PathJobEdit, ack: ackSelf, run: b.editButton, submit: b.editSubmit},
		{pattern: job(render.ActionSaveTemplate), perm: permission.PathJobSaveTemplate, ack: ackSelf, run: b.saveTemplateButton, submit: b.saveTemplateSubmit},
		{pattern: job(render.ActionDM), perm: permission.PathJobDM, run: b.dmButton},
		{pattern: job(render.ActionInfo), perm: permission.PathJobInfo, run: b.infoButton},
		{pattern: job(render.ActionDelete), perm: permission.PathJobDelete, run: b.deleteButton},
	}
}

// buttonJob is the job a result button names.
func (b *Bot) buttonJob(c *call) (model.Job, error) {
	id, err := c.varID("id")
	if err != nil {
		return model.Job{}, err
	}
	return b.visibleJob(c, id)
}

func (b *Bot) rerollButton(c *call) error {
	id, err := c.varID("id")
	if err != nil {
		return err
	}
	job, err := b.reusableJob(c, id)
	if err != nil {
		return err
	}
	return b.submit(c, inputFromJob(job))
}

func (b *Bot) editButton(c *call) error {
	id, err := c.varID("id")
	if err != nil {
		return err
	}
	job, err := b.reusableJob(c, id)
	if err != nil {
		return err
	}
	c.answered = true
	return c.e.Modal(render.EditJobModal(job), c.opts())
}

// editSubmit runs the job again with what the modal changed.
func (b *Bot) editSubmit(c *call) error {
	id, err := c.varID("id")
	if err != nil {
		return err
	}
	job, err := b.reusableJob(c, id)
	if err != nil {
		return err
	}
	data := c.modal().Data
	in := inputFromJob(job)
	in.Prompt = render.KeptText(data.Text(render.InputPrompt), job.Params.Prompt)
	in.Negative = render.KeptText(data.Text(render.InputNegative), job.Params.Negative)
	var problems []string
	if v := strings.TrimSpace(data.Text(render.InputSteps)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Steps %s is not a whole number.", model.Quote(v)))
		}
		in.Params.Steps = &n
	}
	if v := strings.TrimSpace(data.Text(render.InputCFG)); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			problems = append(problems, fmt.Sprintf("CFG %s is not a number.", model.Quote(v)))
		}
		in.Params.CFG = &f
	}
	if v := strings.TrimSpace(data.Text(render.InputSeed)); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Seed %s is not a whole number from 0 to %d.", model.Quote(v), uint64(maxTypedSeed)))
		}
		in.Params.Seed = &s
	}
	if len(problems) > 0 {
		return model.Errorf(model.CodeInvalid, "%s", strings.Join(problems, "\n"))
	}
	return b.submit(c, in)
}

func (b *Bot) saveTemplateButton(c *call) error {
	job, err := b.buttonJob(c)
	if err != nil {
		return err
	}
	c.answered = true
	return c.e.Modal(render.SaveTemplateModal(job), c.opts())
}

// saveTemplateSubmit saves the job's settings as the caller's private template.
func (b *Bot) saveTemplateSubmit(c *call) error {
	job, err := b.buttonJob(c)
	if err != nil {
		return err
	}
	t := model.Template{
		OwnerID: c.userID(), GuildID: c.guildID(),
		Name:     strings.TrimSpace(c.modal().Data.Text(render.InputName)),
		Prompt:   job.Params.Prompt,
		Negative: job.Params.Negative,
		Params:   job.Params,
	}
	t.Params.Prompt, t.Params.Negative, t.Params.Seed = "", "", nil
	t.Params.Workflow = job.WorkflowName
	if err := model.ValidateTemplateName(t.Name); err != nil {
		return err
	}
	if _, err := b.store.UpsertUser(c.ctx, c.userID(), c.userName()); err != nil {
		return err
	}
	saved, err := b.store.CreateTemplate(c.ctx, t)
	if err != nil {
		return err
	}
	return c.reply(render.TemplateView(saved, c.userID()).Create())
}

// dmButton sends a copy of the result to the clicker's DMs.
func (b *Bot) dmButton(c *call) error {
	job, err := b.buttonJob(c)
	if err != nil {
		return err
	}
	recs, err := b.store.Deliveries(c.ctx, job.ID)
	if err != nil {
		return err
	}
	var urls []string
	for _, r := range recs {
		urls = append(urls, r.AttachmentURLs...)
	}
	if len(urls) == 0 {
		return model.Errorf(model.CodeNotFound, "Job #%d has no delivered images to send.", job.ID)
	}
	msg := render.JobInfo(job, c.userID(), b.now())
	msg.Ephemeral = false
	create := msg.Create()
	create.Components = nil
	for i, u := range urls[:min(len(urls), 10)] {
		if i == 0 && len(create.Embeds) > 0 {
			create.Embeds[0].Image = &discord.EmbedResource{URL: u}
			continue
		}
		create.Embeds = append(create.Embeds, discord.Embed{URL: urls[0], Image: &discord.EmbedResource{URL: u}})
	}
	dm, err := b.dmChannel(c.ctx, c.userID())
	if err == nil {
		_, err = b.client.Rest.CreateMessage(dm, create, rest.WithCtx(c.ctx))
	}
	if rest.IsJSONErrorCode(err, rest.JSONErrorCodeCannotSendMessagesToThisUser) {
		return model.Errorf(model.CodeUnavailable, "Your DMs are closed. Allow direct messages from server members (Privacy Settings) and try again.")
	}
	if err != nil {
		return err
	}
	return c.text("Sent job **#%d** to your DMs.", job.ID)
}

func (b *Bot) infoButton(c *call) error {
	job, err := b.buttonJob(c)
	if err != nil {
		return err
	}
	return c.reply(render.JobInfo(job, c.userID(), b.now()).Create())
}

// deleteButton removes a result: the message the button is on and the
// other parts the job was delivered in there. Its owner's or an admin's call.
func (b *Bot) deleteButton(c *call) error {
	job, err := b.buttonJob(c)
	if err != nil {
		return err
	}
	if !permission.CanManageJob(c.subject, c.level, job.UserID) {
		return model.Errorf(model.CodeForbidden, "Only %s or an admin may delete this result.", render.Mention(job.UserID))
	}
	m := c.component().Message
	ids := []snowflake.ID{m.ID}
	recs, err := b.store.Deliveries(c.ctx, job.ID)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if id, err := snowflake.Parse(r.MessageID); err == nil && r.ChannelID == m.ChannelID.String() && id != m.ID {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if err := b.client.Rest.DeleteMessage(m.ChannelID, id, rest.WithCtx(c.ctx)); err != nil && !rest.IsJSONErrorCode(err, rest.JSONErrorCodeUnknownMessage) {
			return err
		}
	}
	b.log.Info("result deleted", "job_id", job.ID, "by", c.userID(), "messages", len(ids))
	return c.text("Deleted the result of job **#%d**.", job.ID)
}
