package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Embed colours.
const (
	colorQueued     = 0x95A5A6
	colorRunning    = 0x3498DB
	colorDelivering = 0x1ABC9C
	colorCompleted  = 0x2ECC71
	colorFailed     = 0xE74C3C
	colorCancelled  = 0x747F8D
	colorInfo       = 0x5865F2
	colorError      = 0xE74C3C
	colorWarning    = 0xF1C40F
)

func statusColor(s model.JobStatus) int {
	switch s {
	case model.StatusQueued:
		return colorQueued
	case model.StatusSubmitted, model.StatusRunning:
		return colorRunning
	case model.StatusDelivering:
		return colorDelivering
	case model.StatusCompleted:
		return colorCompleted
	case model.StatusFailed:
		return colorFailed
	case model.StatusCancelled:
		return colorCancelled
	}
	return colorInfo
}

// StatusEmoji is the one-glance mark of a job status.
func StatusEmoji(s model.JobStatus) string {
	switch s {
	case model.StatusQueued:
		return "⏳"
	case model.StatusSubmitted:
		return "📨"
	case model.StatusRunning:
		return "🎨"
	case model.StatusDelivering:
		return "📤"
	case model.StatusCompleted:
		return "✅"
	case model.StatusFailed:
		return "❌"
	case model.StatusCancelled:
		return "🚫"
	}
	return "❔"
}

func statusTitle(s model.JobStatus) string {
	switch s {
	case model.StatusQueued:
		return "Queued"
	case model.StatusSubmitted:
		return "Starting"
	case model.StatusRunning:
		return "Generating"
	case model.StatusDelivering:
		return "Delivering"
	case model.StatusCompleted:
		return "Done"
	case model.StatusFailed:
		return "Failed"
	case model.StatusCancelled:
		return "Cancelled"
	}
	return "Unknown"
}

// seedOf is the seed a job runs with, when it is known yet.
func seedOf(j model.Job) (uint64, bool) {
	if j.Seed != 0 {
		return j.Seed, true
	}
	if j.Params.Seed != nil {
		return *j.Params.Seed, true
	}
	return 0, false
}

// hidesPrompt reports whether viewer may not read j's prompt: DM-delivered
// jobs are private to their owner. An empty viewer is everyone in a channel.
func hidesPrompt(j model.Job, viewer string) bool {
	return j.Delivery == model.DeliveryDM && (viewer == "" || viewer != j.UserID)
}

const hiddenPrompt = "*(private: this job is delivered by DM)*"

// runTime is how long the job has run, or ran, as of now.
func runTime(j model.Job, now time.Time) (time.Duration, bool) {
	start := j.StartedAt
	if start.IsZero() {
		start = j.SubmittedAt
	}
	if start.IsZero() {
		return 0, false
	}
	end := j.FinishedAt
	if end.IsZero() {
		end = now
	}
	return max(end.Sub(start), 0), true
}

func footer(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " · ")
}

func jobFooter(j model.Job, backend string) string {
	if backend == "" {
		backend = j.Backend
	}
	seed := ""
	if s, ok := seedOf(j); ok {
		seed = "seed " + strconv.FormatUint(s, 10)
	}
	return footer("Job #"+strconv.FormatInt(j.ID, 10), backend, seed)
}

func intOr(p *int, unset string) string {
	if p == nil {
		return unset
	}
	return strconv.Itoa(*p)
}

func floatOr(p *float64, unset string) string {
	if p == nil {
		return unset
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func sizeOr(p model.Params, unset string) string {
	if p.Width == nil && p.Height == nil {
		return unset
	}
	return intOr(p.Width, "?") + "×" + intOr(p.Height, "?")
}

func stringOr(s, unset string) string {
	if s == "" {
		return unset
	}
	return s
}

// shownParams are a job's parameters as it ran, and what to show for one
// it has no value for: "default" for a job stored before the values that
// ran were kept, nothing for one whose workflow has no such parameter.
func shownParams(j model.Job) (model.Params, string) {
	if j.Ran.IsZero() {
		return j.Params, "default"
	}
	return j.Shown(), ""
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}
