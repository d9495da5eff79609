package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// StatusView is what the bot knows about a job beyond the job itself at
// the moment its status message is drawn.
type StatusView struct {
	Now         time.Time
	Position    int // 1-based place in the queue; 0 unknown
	QueueLength int
	ETA         time.Duration // 0 unknown
	Node        string        // display name or class of the running node
	Step        int
	MaxSteps    int
	Fraction    float64 // overall progress, 0..1
	// PreviewFile is the attachment name of the newest preview, shown as
	// the embed's image. The bot attaches the file, and drops the
	// attachment once the job is over (the embed no longer shows it).
	PreviewFile string
	Backend     string
	Elapsed     time.Duration // 0: taken from the job's timestamps
	CancelledBy string        // user ID, when known
	ResultURL   string        // link to the delivered result, when known
	// Viewer is who reads the message; empty for a channel message that
	// everyone reads. A DM-delivered job's prompt shows only to its owner.
	Viewer string
}

// promptBudget is how much of a prompt a status message shows: enough to
// recognise it, short enough to leave room for the rest.
const promptBudget = 1000

// Status is the job's status message, posted once and edited as the job
// moves on.
func Status(j model.Job, v StatusView) Message {
	e := discord.Embed{
		Title:       StatusEmoji(j.Status) + " " + statusTitle(j.Status) + statusSuffix(j, v),
		Description: statusBody(j, v) + "\n\n" + promptSection(j, v.Viewer, promptBudget),
		Color:       statusColor(j.Status),
		Footer:      &discord.EmbedFooter{Text: jobFooter(j, v.Backend)},
	}
	if v.PreviewFile != "" && (j.Status == model.StatusRunning || j.Status == model.StatusSubmitted) {
		e.Image = &discord.EmbedResource{URL: "attachment://" + v.PreviewFile}
	}
	m := Message{Embeds: []discord.Embed{e}}
	if j.Status.Active() {
		m.Components = []discord.LayoutComponent{discord.NewActionRow(
			discord.NewDangerButton("Cancel", JobButtonID(j.ID, ActionCancel)),
		)}
	}
	return fitted(m)
}

func statusSuffix(j model.Job, v StatusView) string {
	if j.Status == model.StatusQueued && v.Position > 0 {
		return " — " + position(v.Position, v.QueueLength)
	}
	return ""
}

func position(pos, length int) string {
	if length >= pos {
		return fmt.Sprintf("#%d of %d", pos, length)
	}
	return fmt.Sprintf("#%d", pos)
}

func statusBody(j model.Job, v StatusView) string {
	owner := "Requested by " + Mention(j.UserID)
	var b []string
	switch j.Status {
	case model.StatusQueued:
		b = append(b, queuedLine(v))
	case model.StatusSubmitted:
		b = append(b, "Sent to ComfyUI, waiting for the GPU.")
	case model.StatusRunning:
		b = append(b, runningLines(j, v)...)
	case model.StatusDelivering:
		b = append(b, "Images ready, uploading them now.")
	case model.StatusCompleted:
		b = append(b, completedLines(j, v)...)
	case model.StatusFailed:
		b = append(b, failedLines(j)...)
	case model.StatusCancelled:
		b = append(b, cancelledLine(v))
	}
	return owner + "\n" + strings.Join(b, "\n")
}

func queuedLine(v StatusView) string {
	var parts []string
	if v.Position > 0 {
		parts = append(parts, "**Position** "+position(v.Position, v.QueueLength))
	}
	if v.ETA > 0 {
		parts = append(parts, "**ETA** "+ETA(v.ETA))
	}
	if len(parts) == 0 {
		return "Waiting for a free GPU."
	}
	return strings.Join(parts, " · ")
}

func runningLines(j model.Job, v StatusView) []string {
	out := []string{ProgressBar(v.Fraction, barWidth)}
	var step []string
	if v.Node != "" {
		step = append(step, "**Node** "+text(v.Node, 100))
	}
	if v.MaxSteps > 0 {
		step = append(step, fmt.Sprintf("step %d/%d", v.Step, v.MaxSteps))
	}
	if len(step) > 0 {
		out = append(out, strings.Join(step, " · "))
	}
	if d, ok := elapsed(j, v); ok {
		out = append(out, "**Elapsed** "+Duration(d))
	}
	return out
}

func elapsed(j model.Job, v StatusView) (time.Duration, bool) {
	if v.Elapsed > 0 {
		return v.Elapsed, true
	}
	return runTime(j, v.Now)
}

func completedLines(j model.Job, v StatusView) []string {
	var facts []string
	if d, ok := elapsed(j, v); ok {
		facts = append(facts, "**Took** "+Duration(d))
	}
	if s, ok := seedOf(j); ok {
		facts = append(facts, fmt.Sprintf("**Seed** %d", s))
	}
	out := []string{}
	if len(facts) > 0 {
		out = append(out, strings.Join(facts, " · "))
	}
	if v.ResultURL != "" {
		out = append(out, "[View the result]("+v.ResultURL+")")
	} else {
		out = append(out, "Result below.")
	}
	return out
}

func failedLines(j model.Job) []string {
	return []string{
		"**What went wrong:** " + text(cleanError(j.ErrorMessage, 800), 800),
		"**What to do:** " + failureHint(j.ErrorCode),
	}
}

// failureHint tells the user their next step for a failure code.
func failureHint(code string) string {
	switch code {
	case string(model.CodeInvalid):
		return "Check the options (see `/help` for the limits) and try again."
	case string(model.CodeUnavailable):
		return "ComfyUI could not be reached. Try again later, or ask an admin to check the backend."
	case string(model.CodeNotFound):
		return "Something the job needs is missing (a workflow, model or node). Ask an admin to check the setup."
	case "execution_error":
		return "ComfyUI hit an error while running the workflow. Try other settings (fewer steps, a smaller size), or ask an admin to check the ComfyUI console."
	case "timeout":
		return "The job took too long. Try fewer steps or a smaller size."
	}
	return "Try again with Reroll or `/history rerun`. If it keeps failing, ask an admin to check the logs."
}

func cancelledLine(v StatusView) string {
	if v.CancelledBy != "" {
		return "Cancelled by " + Mention(v.CancelledBy) + "."
	}
	return "This job was cancelled."
}

// promptSection shows the prompt, unless viewer may not read it.
func promptSection(j model.Job, viewer string, budget int) string {
	if hidesPrompt(j, viewer) {
		return "**Prompt** " + hiddenPrompt
	}
	if strings.TrimSpace(j.Params.Prompt) == "" {
		return "**Prompt** *(empty)*"
	}
	return "**Prompt**\n" + text(j.Params.Prompt, budget)
}
