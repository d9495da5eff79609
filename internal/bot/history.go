package bot

import (
	"bytes"
	"strconv"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

func (b *Bot) historyRoutes() []route {
	return []route{
		{pattern: "/history/list", perm: permission.PathHistoryList, run: b.historyList},
		{pattern: "/history/view", perm: permission.PathHistoryView, run: b.historyView},
		{pattern: "/history/rerun", perm: permission.PathHistoryRerun, run: b.historyRerun},
		{pattern: render.HistoryPagePattern, perm: permission.PathHistoryPage, ack: ackSelf, run: b.historyPageButton},
	}
}

func (b *Bot) historyList(c *call) error {
	d := c.slash()
	ref := render.HistoryRef{Owner: c.userID(), Page: 1}
	if n, ok := d.OptInt("limit"); ok {
		ref.Size = min(max(n, 1), render.HistoryPageSize)
	}
	if s := d.String("status"); s != "" && s != "all" {
		st, err := model.ParseJobStatus(s)
		if err != nil {
			return err
		}
		ref.Status = st
	}
	if u, ok := d.OptUser("user"); ok && u.ID.String() != c.userID() {
		if c.level < model.LevelAdmin {
			return model.Errorf(model.CodeForbidden, "Only admins may list another member's jobs; `/history list` shows yours.")
		}
		ref.FilterUser = u.ID.String()
	}
	page, err := b.historyPage(c, ref)
	if err != nil {
		return err
	}
	return c.reply(page.Create())
}

// historyPage reads one page of the jobs a ref selects, in this server.
func (b *Bot) historyPage(c *call, ref render.HistoryRef) (render.Message, error) {
	f := store.JobFilter{UserID: ref.Owner, GuildID: c.guildID()}
	if ref.FilterUser != "" {
		f.UserID = ref.FilterUser
	}
	if ref.Status != "" {
		f.Statuses = []model.JobStatus{ref.Status}
	} else {
		f.Statuses = model.FinalStatuses()
	}
	total, err := b.store.CountJobs(c.ctx, f)
	if err != nil {
		return render.Message{}, err
	}
	size := ref.PageSize()
	ref.Page = min(max(ref.Page, 1), render.Pages(total, size))
	f.Limit, f.Offset = size, (ref.Page-1)*size
	jobs, err := b.store.ListJobs(c.ctx, f)
	if err != nil {
		return render.Message{}, err
	}
	return render.History(render.HistoryPage{Ref: ref, Jobs: jobs, Total: total}), nil
}

// historyPageButton turns the page in place; only the one who listed may.
func (b *Bot) historyPageButton(c *call) error {
	ref, err := render.ParseHistoryPage(c.component().Data.CustomID())
	if err != nil {
		return model.Errorf(model.CodeInvalid, "This button is broken; run /history list again.")
	}
	if ref.Owner != c.userID() {
		return model.Errorf(model.CodeForbidden, "These pages belong to %s; run /history list for yours.", render.Mention(ref.Owner))
	}
	if ref.FilterUser != "" && c.level < model.LevelAdmin {
		return model.Errorf(model.CodeForbidden, "Only admins may list another member's jobs.")
	}
	page, err := b.historyPage(c, ref)
	if err != nil {
		return err
	}
	c.answered = true
	return c.e.UpdateMessage(page.Update(), c.opts())
}

// historyView shows everything about one job, with its images: fresh from
// ComfyUI while it still has them (Discord's attachment links expire),
// else the links of the delivered attachments.
func (b *Bot) historyView(c *call) error {
	job, err := b.visibleJob(c, int64(c.slash().Int("id")))
	if err != nil {
		return err
	}
	msg := render.JobInfo(job, c.userID(), b.now()).Create()
	image := ""
	if files, err := b.viewFiles(c, job); err != nil {
		b.log.Info("job images not on ComfyUI any more; showing the delivered links", "job_id", job.ID, "err", err)
	} else if len(files) > 0 {
		msg.Files = files
		image = "attachment://" + files[0].Name
	}
	if image == "" {
		recs, err := b.store.Deliveries(c.ctx, job.ID)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if len(r.AttachmentURLs) > 0 {
				image = r.AttachmentURLs[0]
				break
			}
		}
	}
	if image != "" && len(msg.Embeds) > 0 {
		msg.Embeds[0].Image = &discord.EmbedResource{URL: image}
	}
	return c.reply(msg)
}

// viewFiles fetches a job's images from ComfyUI again, fitted to the upload
// limit, as many as one message holds.
func (b *Bot) viewFiles(c *call, job model.Job) ([]*discord.File, error) {
	if len(job.Images) == 0 {
		return nil, nil
	}
	imgs, err := b.jobs.Images(c.ctx, job)
	if err != nil {
		return nil, err
	}
	limit := c.e.AttachmentSizeLimit()
	if limit <= 0 {
		limit = defaultUploadLimit
	}
	var fits []fitted
	for _, img := range imgs {
		f, err := fitImage(img, limit)
		if err != nil {
			return nil, err
		}
		fits = append(fits, f)
	}
	parts := packParts(fits, limit)
	if len(parts) == 0 {
		return nil, nil
	}
	var files []*discord.File
	for i, f := range parts[0] {
		name := "job" + strconv.FormatInt(job.ID, 10) + "_" + strconv.Itoa(i+1) + "." + extOf(f.Format)
		files = append(files, discord.NewFile(name, "", bytes.NewReader(f.Data)))
	}
	return files, nil
}

func (b *Bot) historyRerun(c *call) error {
	d := c.slash()
	job, err := b.reusableJob(c, int64(d.Int("id")))
	if err != nil {
		return err
	}
	in := inputFromJob(job)
	if v, ok := d.OptInt("seed"); ok {
		s := uint64(v)
		in.Params.Seed = &s
	}
	if v, ok := d.OptString("prompt"); ok {
		in.Prompt = v
	}
	// Without a delivery option the result goes where the original went:
	// a DM job rerun must not land in the channel.
	if v, ok := d.OptString("delivery"); ok {
		in.Delivery = model.Delivery(v)
	}
	return b.submit(c, in)
}

// inputFromJob repeats a job's settings and input images, with a new random seed.
func inputFromJob(j model.Job) genInput {
	p := j.Params
	p.Seed = nil
	p.Prompt, p.Negative, p.Workflow = "", "", ""
	return genInput{Prompt: j.Params.Prompt, Negative: j.Params.Negative, Workflow: j.WorkflowName, Params: p, Delivery: j.Delivery,
		Inputs: j.Inputs}
}

// visibleJob is a job the caller may look at or act on (see mayView).
func (b *Bot) visibleJob(c *call, id int64) (model.Job, error) {
	job, err := b.store.Job(c.ctx, id)
	if err != nil {
		return model.Job{}, err
	}
	if err := b.mayView(c, job); err != nil {
		return model.Job{}, err
	}
	return job, nil
}

// reusableJob is a job the caller may run again, with its input images.
func (b *Bot) reusableJob(c *call, id int64) (model.Job, error) {
	job, err := b.visibleJob(c, id)
	if err != nil {
		return model.Job{}, err
	}
	// A rerun starts from the same images.
	if job.Inputs, err = b.store.JobInputs(c.ctx, job.ID); err != nil {
		return model.Job{}, err
	}
	return job, nil
}
