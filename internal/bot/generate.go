package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

func (b *Bot) generateRoutes() []route {
	return []route{
		{pattern: "/generate", perm: permission.PathGenerate, run: b.generate, complete: b.completeGenerate},
		{pattern: "/preferences", perm: permission.PathPreferences, run: b.preferences},
	}
}

// genInput is what a user asked for, before the layers are applied.
type genInput struct {
	Prompt, Negative string
	Template         string
	Workflow         string
	Params           model.Params // steps, cfg, width, height, seed, batch, denoise
	Delivery         model.Delivery
	// Attachments are input images still to download, by slot; Inputs are
	// images already in hand (a rerun's, a result used as input).
	Attachments map[string]discord.Attachment
	Inputs      []model.Input
}

func inputFromSlash(d discord.SlashCommandInteractionData) genInput {
	in := genInput{
		Prompt:   d.String("prompt"),
		Negative: d.String("negative"),
		Template: d.String("template"),
		Workflow: d.String("workflow"),
		Delivery: model.Delivery(d.String("delivery")),
	}
	if v, ok := d.OptInt("steps"); ok {
		in.Params.Steps = &v
	}
	if v, ok := d.OptFloat("cfg"); ok {
		in.Params.CFG = &v
	}
	if v, ok := d.OptInt("width"); ok {
		in.Params.Width = &v
	}
	if v, ok := d.OptInt("height"); ok {
		in.Params.Height = &v
	}
	if v, ok := d.OptInt("batch"); ok {
		in.Params.BatchSize = &v
	}
	if v, ok := d.OptInt("seed"); ok && v >= 0 {
		s := uint64(v)
		in.Params.Seed = &s
	}
	if v, ok := d.OptFloat("denoise"); ok {
		in.Params.Denoise = &v
	}
	for _, slot := range []string{model.InputImage, model.InputImage2} {
		if a, ok := d.OptAttachment(slot); ok {
			if in.Attachments == nil {
				in.Attachments = map[string]discord.Attachment{}
			}
			in.Attachments[slot] = a
		}
	}
	return in
}

func (b *Bot) generate(c *call) error {
	return b.submit(c, inputFromSlash(c.slash()))
}

// submit resolves the layers, queues the job, posts its status message and
// tells the user where it stands. /generate, reruns and buttons all end here.
func (b *Bot) submit(c *call, in genInput) error {
	job, limit, err := b.resolve(c, in)
	if err != nil {
		return err
	}
	if job.Inputs, err = b.inputs(c, in); err != nil {
		return err
	}
	job, upd, err := b.jobs.Submit(c.ctx, jobs.Request{Job: job, Limit: limit, Announce: b.announcer(c)})
	if err != nil {
		return err
	}
	b.rememberUploadLimit(job.ID, c.e.AttachmentSizeLimit())
	reply := queuedReply(job, upd)
	if down := b.offlineBackends(); down != "" {
		reply.Embeds = render.ComfyOffline(down).Create().Embeds
		reply.Content += "\nIt stays in line and starts when ComfyUI is back."
	}
	return c.reply(reply)
}

// offlineBackends names the backends when none of them can take jobs.
func (b *Bot) offlineBackends() string {
	var names []string
	for _, be := range b.jobs.Backends() {
		if be.Up {
			return ""
		}
		names = append(names, be.Name)
	}
	return strings.Join(names, ", ")
}

// resolve layers server defaults < user preferences < template < options
// and checks the result against the configured limits.
func (b *Bot) resolve(c *call, in genInput) (model.Job, int, error) {
	server := model.Server{}
	if c.guildID() != "" {
		s, err := b.store.Server(c.ctx, c.guildID())
		if err != nil && model.ErrorCodeOf(err) != model.CodeNotFound {
			return model.Job{}, 0, err
		}
		server = s
	}
	delivery := b.defaults.Delivery
	if server.DefaultDelivery != "" {
		delivery = server.DefaultDelivery
	}
	if u, err := b.store.User(c.ctx, c.userID()); err == nil && u.DefaultDelivery != "" {
		delivery = u.DefaultDelivery
	} else if err != nil && model.ErrorCodeOf(err) != model.CodeNotFound {
		return model.Job{}, 0, err
	}
	params := model.Params{Workflow: server.DefaultWorkflow}
	prompt, negative := in.Prompt, in.Negative
	if in.Template != "" {
		t, err := b.store.FindTemplate(c.ctx, c.userID(), c.guildID(), in.Template)
		if err != nil {
			return model.Job{}, 0, err
		}
		params = params.Merge(t.Params)
		prompt = model.CombinePrompt(t.Prompt, prompt)
		negative = model.CombinePrompt(t.Negative, negative)
	}
	params = params.Merge(in.Params)
	if in.Workflow != "" {
		params.Workflow = in.Workflow
	}
	if in.Delivery != "" {
		delivery = in.Delivery
	}
	if delivery == model.DeliveryDM && server.DMPolicy == model.DMNobody {
		if in.Delivery == model.DeliveryDM {
			return model.Job{}, 0, model.Errorf(model.CodeForbidden, "This server does not allow results in DMs; use `delivery:channel`.")
		}
		delivery = model.DeliveryChannel
	}
	params.Prompt, params.Negative = strings.TrimSpace(prompt), strings.TrimSpace(negative)
	if err := b.checkParams(params); err != nil {
		return model.Job{}, 0, err
	}
	channel := c.channelID()
	if server.DefaultChannelID != "" && delivery == model.DeliveryChannel {
		channel = server.DefaultChannelID // /admin config channel: results go there
	}
	limit := b.defaults.MaxQueuePerUser
	if server.MaxQueuePerUser != nil {
		limit = *server.MaxQueuePerUser
	}
	return model.Job{
		UserID: c.userID(), UserName: c.userName(), GuildID: c.guildID(), ChannelID: channel,
		Params: params, WorkflowName: params.Workflow, Delivery: delivery,
	}, limit, nil
}

// checkParams names the option and the allowed range of every bad value.
func (b *Bot) checkParams(p model.Params) error {
	l := b.limits
	var problems []string
	if p.Prompt == "" {
		problems = append(problems, "`prompt` is empty: describe what to draw.")
	}
	if n := utf8.RuneCountInString(p.Prompt); n > l.MaxPromptLength {
		problems = append(problems, fmt.Sprintf("`prompt` is %d characters; the limit is %d.", n, l.MaxPromptLength))
	}
	if n := utf8.RuneCountInString(p.Negative); n > l.MaxPromptLength {
		problems = append(problems, fmt.Sprintf("`negative` is %d characters; the limit is %d.", n, l.MaxPromptLength))
	}
	intIn := func(name string, v *int, lo, hi int) {
		if v != nil && (*v < lo || *v > hi) {
			problems = append(problems, fmt.Sprintf("`%s` must be from %d to %d (you gave %d).", name, lo, hi, *v))
		}
	}
	intIn("steps", p.Steps, 1, l.MaxSteps)
	intIn("width", p.Width, 64, l.MaxWidth)
	intIn("height", p.Height, 64, l.MaxHeight)
	intIn("batch", p.BatchSize, 1, l.MaxBatch)
	for _, side := range []struct {
		name string
		v    *int
	}{{"width", p.Width}, {"height", p.Height}} {
		if side.v != nil && *side.v%8 != 0 {
			problems = append(problems, fmt.Sprintf("`%s` must be a multiple of 8 (you gave %d; try %d).", side.name, *side.v, *side.v/8*8))
		}
	}
	if p.CFG != nil && (*p.CFG < 0 || *p.CFG > l.MaxCFG) {
		problems = append(problems, fmt.Sprintf("`cfg` must be from 0 to %g (you gave %g).", l.MaxCFG, *p.CFG))
	}
	if p.Denoise != nil && (*p.Denoise < 0 || *p.Denoise > 1) {
		problems = append(problems, fmt.Sprintf("`denoise` must be from 0 to 1 (you gave %g).", *p.Denoise))
	}
	if p.Seed != nil && *p.Seed > maxTypedSeed {
		problems = append(problems, fmt.Sprintf("`seed` must be from 0 to %d.", uint64(maxTypedSeed)))
	}
	if len(problems) > 0 {
		return model.Errorf(model.CodeInvalid, "%s", strings.Join(problems, "\n"))
	}
	return nil
}

// announcer posts the job's status message where its owner will watch it:
// the channel, or their DMs for DM delivery (the channel when DMs are closed).
func (b *Bot) announcer(c *call) func(ctx context.Context, job model.Job, upd jobs.Update) (string, string, error) {
	return func(ctx context.Context, job model.Job, upd jobs.Update) (string, string, error) {
		channel, err := snowflake.Parse(job.ChannelID)
		if err != nil {
			return "", "", err
		}
		if job.Delivery == model.DeliveryDM && job.GuildID != "" {
			if dm, err := b.dmChannel(ctx, job.UserID); err == nil {
				channel = dm
			}
		}
		msg, err := b.postStatus(ctx, job, upd, channel)
		if closedDMs(err) && channel.String() != job.ChannelID {
			channel, _ = snowflake.Parse(job.ChannelID)
			msg, err = b.postStatus(ctx, job, upd, channel)
		}
		if err != nil {
			return "", "", fmt.Errorf("post status message: %w", err)
		}
		return channel.String(), msg.ID.String(), nil
	}
}

// postStatus posts a job's first status message in channel.
func (b *Bot) postStatus(ctx context.Context, job model.Job, upd jobs.Update, channel snowflake.ID) (sentMessage, error) {
	job.StatusChannelID = channel.String()
	view := b.statusView(ctx, jobs.Update{Job: job, Position: upd.Position, QueueLength: upd.QueueLength, ETA: upd.ETA})
	return b.createMessage(ctx, channel, render.Status(job, view).Create())
}

func (b *Bot) rememberUploadLimit(jobID int64, limit int) {
	if limit <= 0 {
		return
	}
	b.limitsMu.Lock()
	b.uploadLimits[jobID] = limit
	b.limitsMu.Unlock()
}

// queuedReply tells the user their job is in line and where to watch it.
func queuedReply(job model.Job, upd jobs.Update) discord.MessageCreate {
	var lines []string
	if upd.Position > 0 {
		line := fmt.Sprintf("Job **#%d** is queued: **#%d** of %d in line", job.ID, upd.Position, upd.QueueLength)
		if upd.ETA > 0 {
			line += ", done in " + render.ETA(upd.ETA)
		}
		lines = append(lines, line+".")
	} else {
		lines = append(lines, fmt.Sprintf("Job **#%d** is starting.", job.ID))
	}
	if job.StatusMessageID != "" {
		lines = append(lines, "Progress: "+messageURL(job.GuildID, job.StatusChannelID, job.StatusMessageID))
	}
	if job.Delivery == model.DeliveryDM {
		lines = append(lines, "The result goes to your DMs.")
	}
	return discord.MessageCreate{Content: strings.Join(lines, "\n")}
}

func (b *Bot) preferences(c *call) error {
	d, err := model.ParseDelivery(c.slash().String("delivery"))
	if err != nil {
		return err
	}
	if _, err := b.store.UpsertUser(c.ctx, c.userID(), c.userName()); err != nil {
		return err
	}
	if err := b.store.SetDefaultDelivery(c.ctx, c.userID(), d); err != nil {
		return err
	}
	where := "in the channel you generate in"
	if d == model.DeliveryDM {
		where = "to your DMs"
	}
	return c.text("Saved: your results now go %s unless you choose otherwise with `delivery:`.", where)
}

// completeGenerate suggests workflows and templates as the user types.
func (b *Bot) completeGenerate(c *call) error {
	data := c.autocomplete().Data
	focused := data.Focused()
	typed := strings.ToLower(data.String(focused.Name))
	var choices []discord.AutocompleteChoice
	switch focused.Name {
	case "workflow":
		for _, name := range b.library.Names(c.guildID()) {
			if strings.Contains(strings.ToLower(name), typed) && len(choices) < 25 {
				choices = append(choices, discord.AutocompleteChoiceString{Name: name, Value: name})
			}
		}
	case "template":
		var err error
		if choices, err = b.templateChoices(c, typed); err != nil {
			return err
		}
	}
	return c.e.AutocompleteResult(choices, c.opts())
}
