package bot

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/metrics"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

// defaultUploadLimit is Discord's per-file upload limit without boosts; the
// limit an interaction reports replaces it for that job while the bot runs.
const defaultUploadLimit = 10 << 20

// Deliver implements jobs.Notifier: it posts the job's outputs, in as many
// messages as needed, each exactly once. Every part is recorded in the store
// after it is posted, and posted with a nonce Discord enforces, so a crash
// between the two repeats nothing.
func (s *statusBoard) Deliver(ctx context.Context, job model.Job, images []jobs.Image) error {
	return s.deliver(ctx, job, images, false)
}

// deliver posts the parts not yet delivered; inChannel forces the job's
// channel, after the owner's DMs turned out to be closed. Files that
// cannot be made to fit the upload limit are named on the first part, with
// the text outputs; a job with nothing to attach still gets that message.
func (s *statusBoard) deliver(ctx context.Context, job model.Job, images []jobs.Image, inChannel bool) error {
	b := s.b
	done, err := b.store.Deliveries(ctx, job.ID)
	if err != nil {
		return err
	}
	limit := b.uploadLimit(job.ID)
	var posts []fitted
	var left []render.LeftFile
	for _, img := range images {
		f, err := fitFile(ctx, img, limit, b.encoder)
		var unfit *unfitError
		if errors.As(err, &unfit) {
			b.log.Info("output over the upload limit is not posted", "job_id", job.ID, "file", path.Join(img.Subfolder, img.Name),
				"bytes", len(img.Data), "limit", limit, "reason", unfit.why.Error())
			left = append(left, render.LeftFile{Path: path.Join(img.Subfolder, img.Name), Kind: img.Kind, Bytes: int64(len(img.Data)), Limit: int64(limit)})
			continue
		}
		if err != nil {
			return err
		}
		posts = append(posts, f)
	}
	kinds := make([]model.OutputKind, len(posts))
	for i, p := range posts {
		kinds[i] = p.Kind
	}
	channel, notes, err := b.deliveryChannel(ctx, job, inChannel)
	if err != nil {
		return err
	}
	// Parts already posted are counted by the files Discord took, not
	// packed again: the limit may differ after a restart (it is the
	// interaction's), and a re-encode may come out another size.
	first := 0
	for _, d := range done {
		first += len(d.AttachmentURLs)
	}
	for i := len(done); i == 0 || first < len(posts); i++ {
		var part []fitted
		if first < len(posts) {
			part = packParts(posts[first:], limit)[0]
		}
		r := render.Result{Job: job, Now: b.now(), First: first, Total: len(posts), Kinds: kinds, Notes: notes}
		if i == 0 {
			r.Left, r.Texts = left, resultTexts(job)
			r.Actions = b.imageActions(job)
		}
		var files []attachment
		for _, f := range part {
			r.Files = append(r.Files, f.Name)
			files = append(files, attachment{Name: f.Name, Data: f.Data, ContentType: f.MIME})
			switch {
			case !f.Reencoded:
			case f.Kind == model.KindImage:
				r.Reencoded++
				if f.Downscaled {
					r.Downscaled++
				}
			default:
				r.Shrunk = append(r.Shrunk, render.ShrunkFile{Name: f.Source, From: int64(f.From), To: int64(len(f.Data))})
			}
		}
		msg := render.ResultMessage(r).Create()
		msg.Nonce = "job" + strconv.FormatInt(job.ID, 10) + "p" + strconv.Itoa(i)
		msg.EnforceNonce = true
		posted, err := s.post(ctx, channel, msg, files)
		if closedDMs(err) && !inChannel && job.GuildID != "" {
			b.log.Info("DMs closed; delivering in the channel", "job_id", job.ID, "user_id", job.UserID)
			return s.deliver(ctx, job, images, true)
		}
		if err != nil {
			return fmt.Errorf("post result part %d of job %d: %w", i+1, job.ID, err)
		}
		var urls []string
		for _, a := range posted.Attachments {
			urls = append(urls, a.URL)
		}
		if _, err := b.store.RecordDelivery(ctx, job.ID, i, channel.String(), posted.ID.String(), urls); err != nil {
			return err
		}
		// A nonce Discord already saw answers with the message posted
		// before a crash, whose files are the ones that count.
		if n := len(posted.Attachments); n > 0 || len(part) == 0 {
			first += n
		} else {
			first += len(part)
		}
	}
	b.metrics.Delivered(deliveryKind(job, notes))
	return nil
}

// deliveryKind says where deliveryChannel sent a job, for the metrics.
func deliveryKind(job model.Job, notes []string) string {
	switch {
	case len(notes) > 0:
		return metrics.DeliveredFallback
	case job.Delivery == model.DeliveryDM || job.GuildID == "":
		return metrics.DeliveredDM
	}
	return metrics.DeliveredChannel
}

// resultTexts are the job's text outputs, as recorded with it.
func resultTexts(job model.Job) []render.ResultText {
	var out []render.ResultText
	for _, r := range model.TextRefs(job.Images) {
		out = append(out, render.ResultText{NodeID: r.NodeID, Text: r.Text})
	}
	return out
}

// post sends one result message, waiting for an upload slot first.
func (s *statusBoard) post(ctx context.Context, channel snowflake.ID, msg discord.MessageCreate, files []attachment) (sentMessage, error) {
	select {
	case s.uploads <- struct{}{}:
	case <-ctx.Done():
		return sentMessage{}, ctx.Err()
	}
	defer func() { <-s.uploads }()
	return s.b.upload(ctx, channel, msg, files)
}

// closedDMsNote tells a user why a DM result landed in the channel.
const closedDMsNote = "Your DMs are closed, so the result is posted here. Allow direct messages from server members to get results privately."

// deliveryChannel is where the job's results go: its channel, or the owner's
// DMs (always, for a job asked in a DM). When DMs are closed, or inChannel
// says they turned out to be, a server job goes to its channel with a note.
func (b *Bot) deliveryChannel(ctx context.Context, job model.Job, inChannel bool) (snowflake.ID, []string, error) {
	wantDM := job.Delivery == model.DeliveryDM || job.GuildID == ""
	if wantDM && !inChannel {
		ch, err := b.dmChannel(ctx, job.UserID)
		if !closedDMs(err) || job.GuildID == "" {
			return ch, nil, err
		}
	}
	var notes []string
	if wantDM {
		notes = []string{closedDMsNote}
	}
	ch, err := snowflake.Parse(job.ChannelID)
	return ch, notes, err
}

func closedDMs(err error) bool {
	return rest.IsJSONErrorCode(err, rest.JSONErrorCodeCannotSendMessagesToThisUser)
}

func (b *Bot) dmChannel(ctx context.Context, userID string) (snowflake.ID, error) {
	uid, err := snowflake.Parse(userID)
	if err != nil {
		return 0, err
	}
	ch, err := b.client.Rest.CreateDMChannel(uid, rest.WithCtx(ctx))
	if err != nil {
		return 0, err
	}
	return ch.ID(), nil
}

// uploadLimit is the per-file limit for a job: what its interaction said,
// or Discord's default.
func (b *Bot) uploadLimit(jobID int64) int {
	b.limitsMu.Lock()
	defer b.limitsMu.Unlock()
	if l, ok := b.uploadLimits[jobID]; ok && l > 0 {
		return l
	}
	return defaultUploadLimit
}
