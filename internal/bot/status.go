package bot

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

// statusBoard keeps one status message per job, posted with the bot token
// (no 15-minute limit) and edited as the job moves, at most once per
// progress interval per message.
type statusBoard struct {
	b        *Bot
	interval time.Duration
	// uploads bounds the result messages being posted at once: each holds
	// its images and the multipart copy of them disgo builds, while Discord
	// takes one message per channel at a time anyway.
	uploads chan struct{}

	mu   sync.Mutex
	msgs map[int64]*statusMessage
}

type statusMessage struct {
	c *coalescer[jobs.Update]
	// gone is set when a user deleted the message: no more edits.
	gone bool
	// last is the status of the newest update pushed, under statusBoard.mu.
	last model.JobStatus
}

// refreshEvery is how many progress intervals a queued job's status
// message waits before showing a new place in line. A line of a hundred
// jobs moves with every dispatch; refreshing each place every interval
// would cost more edits than all the jobs' real changes together, and on
// Discord, whose channels take about one edit a second, would crowd them
// out. A change of state still shows within one interval.
const refreshEvery = 5

// maxUploads is how many result messages are posted at once.
const maxUploads = 2

func newStatusBoard(b *Bot, interval time.Duration) *statusBoard {
	return &statusBoard{b: b, interval: interval, msgs: map[int64]*statusMessage{}, uploads: make(chan struct{}, maxUploads)}
}

// Changed implements jobs.Notifier: it never blocks.
func (s *statusBoard) Changed(u jobs.Update) {
	s.mu.Lock()
	m, ok := s.msgs[u.Job.ID]
	if !ok {
		if !s.b.work.enter() {
			s.mu.Unlock()
			return // shutting down: the next start shows the state
		}
		m = &statusMessage{}
		m.c = newCoalescer(s.interval, refreshEvery*s.interval, func(ctx context.Context, u jobs.Update) error { return s.edit(ctx, m, u) })
		s.msgs[u.Job.ID] = m
		go func() {
			defer s.b.work.leave()
			m.c.Run(s.b.ctx)
			s.mu.Lock()
			delete(s.msgs, u.Job.ID)
			s.mu.Unlock()
		}()
	}
	// The message was posted showing the job queued: while it stays
	// queued, only its place in line changes.
	moved := u.Job.Status == model.StatusQueued && (m.last == "" || m.last == model.StatusQueued)
	m.last = u.Job.Status
	s.mu.Unlock()
	if moved {
		m.c.Refresh(u)
		return
	}
	m.c.Push(u, u.Job.Status.Final())
}

func (s *statusBoard) edit(ctx context.Context, m *statusMessage, u jobs.Update) error {
	if m.gone {
		return nil
	}
	if u.Job.StatusMessageID == "" {
		// The dispatcher can take a job before its status message is
		// recorded; the store has it by the time there is anything to edit.
		j, err := s.b.store.Job(ctx, u.Job.ID)
		if err != nil || j.StatusMessageID == "" {
			return err // no status message (posting it failed): nothing to edit
		}
		u.Job.StatusChannelID, u.Job.StatusMessageID = j.StatusChannelID, j.StatusMessageID
	}
	channel, err1 := snowflake.Parse(u.Job.StatusChannelID)
	msg, err2 := snowflake.Parse(u.Job.StatusMessageID)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	view := s.b.statusView(ctx, u)
	upd := render.Status(u.Job, view).Update()
	if view.PreviewFile != "" {
		upd.Attachments = &[]discord.AttachmentUpdate{}
		upd.Files = []*discord.File{discord.NewFile(view.PreviewFile, "preview", bytes.NewReader(u.Preview.Data))}
	} else if u.Job.Status != model.StatusRunning {
		upd.Attachments = &[]discord.AttachmentUpdate{} // drop the last preview
	}
	err := s.b.editMessage(ctx, channel, msg, upd)
	if rest.IsJSONErrorCode(err, rest.JSONErrorCodeUnknownMessage) {
		m.gone = true
		s.b.log.Info("status message was deleted; no more edits", "job_id", u.Job.ID)
		return nil
	}
	if err != nil {
		s.b.log.Warn("status edit failed", "job_id", u.Job.ID, "err", err)
	}
	s.b.metrics.StatusEdited()
	return err
}

// statusView is what render needs beyond the job itself.
func (b *Bot) statusView(ctx context.Context, u jobs.Update) render.StatusView {
	v := render.StatusView{
		Now:         b.now(),
		Position:    u.Position,
		QueueLength: u.QueueLength,
		ETA:         u.ETA,
		Node:        u.Node,
		Step:        u.Step,
		MaxSteps:    u.MaxSteps,
		Fraction:    u.Fraction,
		Backend:     u.Job.Backend,
	}
	if inPrivate(u.Job) {
		v.Viewer = u.Job.UserID
	}
	if u.Preview != nil && u.Job.Status == model.StatusRunning {
		v.PreviewFile = "preview." + extOf(u.Preview.Format)
	}
	if u.Job.Status == model.StatusCompleted {
		if recs, err := b.store.Deliveries(ctx, u.Job.ID); err == nil && len(recs) > 0 {
			v.ResultURL = messageURL(u.Job.GuildID, recs[0].ChannelID, recs[0].MessageID)
		}
	}
	return v
}

func extOf(format string) string {
	switch format {
	case "jpeg", "jpg":
		return "jpg"
	case "webp":
		return "webp"
	}
	return "png"
}

// messageURL links to a message; "@me" stands for DMs.
func messageURL(guildID, channelID, messageID string) string {
	if guildID == "" {
		guildID = "@me"
	}
	return "https://discord.com/channels/" + guildID + "/" + channelID + "/" + messageID
}

// inPrivate reports whether the job's status message sits where only its
// owner reads it: a DM, or any channel other than the public one it was asked in.
func inPrivate(j model.Job) bool {
	return j.GuildID == "" || j.StatusChannelID != j.ChannelID
}
