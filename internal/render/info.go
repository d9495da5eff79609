package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// JobInfo is the ephemeral detail of a job: every parameter, where it ran,
// when each step happened and what went wrong, if anything. viewer is who
// asked; a DM-delivered job shows its prompts only to its owner.
func JobInfo(j model.Job, viewer string, now time.Time) Message {
	private := hidesPrompt(j, viewer)
	e := discord.Embed{
		Title:       "Job #" + strconv.FormatInt(j.ID, 10) + " · " + StatusEmoji(j.Status) + " " + string(j.Status),
		Description: "Requested by " + Mention(j.UserID) + "\n\n" + promptSection(j, viewer, 2000),
		Color:       statusColor(j.Status),
		Footer:      &discord.EmbedFooter{Text: jobFooter(j, "")},
	}
	p, unset := shownParams(j)
	if unset == "" {
		unset = "—" // a field needs a value; the workflow has none
	}
	if !private && strings.TrimSpace(p.Negative) != "" {
		e.Fields = append(e.Fields, field("Negative", text(p.Negative, 900)))
	}
	seed := "random"
	if s, ok := seedOf(j); ok {
		seed = strconv.FormatUint(s, 10)
	}
	e.Fields = append(e.Fields,
		inline("Seed", seed),
		inline("Steps", intOr(p.Steps, unset)),
		inline("CFG", floatOr(p.CFG, unset)),
		inline("Size", sizeOr(p, unset)),
		inline("Batch", intOr(p.BatchSize, unset)),
		inline("Denoise", floatOr(p.Denoise, unset)),
		inline("Checkpoint", text(stringOr(p.Checkpoint, unset), 200)),
		inline("Workflow", text(orDefault(firstNonEmpty(j.WorkflowName, p.Workflow)), 200)),
		inline("Backend", text(orDefault(j.Backend), 100)),
		inline("Delivery", orDefault(string(j.Delivery))),
		inline("Attempts", strconv.Itoa(j.Attempts)),
		inline("Images", strconv.Itoa(len(j.Images))),
	)
	e.Fields = append(e.Fields, timingFields(j, now)...)
	if j.ErrorMessage != "" || j.ErrorCode != "" {
		e.Fields = append(e.Fields, field("Error", errorText(j)))
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

func timingFields(j model.Job, now time.Time) []discord.EmbedField {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return Timestamp(t, "f")
	}
	fs := []discord.EmbedField{
		inline("Queued", at(j.QueuedAt)),
		inline("Started", at(j.StartedAt)),
		inline("Finished", at(j.FinishedAt)),
	}
	if !j.QueuedAt.IsZero() {
		// The wait ends when the job leaves the queue, however it leaves.
		end := firstTime(j.StartedAt, j.SubmittedAt, j.FinishedAt, now)
		fs = append(fs, inline("Waited", Duration(end.Sub(j.QueuedAt))))
	}
	if d, ok := runTime(j, now); ok {
		fs = append(fs, inline("Ran", Duration(d)))
	}
	return fs
}

func errorText(j model.Job) string {
	msg := text(cleanError(j.ErrorMessage, 800), 800)
	if j.ErrorCode != "" {
		return text(oneLine(j.ErrorCode), 50) + ": " + msg
	}
	return msg
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
