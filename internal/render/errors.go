package render

import (
	"errors"
	"fmt"
	"strings"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
)

// UserError is an ephemeral red reply: what happened, the detail, and what
// to do about it. detail and hint are markdown written by us, not user text.
func UserError(title, detail, hint string) Message {
	desc := detail
	if hint != "" {
		desc += "\n\n💡 " + hint
	}
	e := discord.Embed{Title: "❌ " + title, Description: desc, Color: colorError}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

// QueueFull says the user has as many active jobs as allowed.
func QueueFull(active, limit int) Message {
	return UserError("Queue full",
		fmt.Sprintf("Your queue is full (%d/%d). Wait for a job to finish or cancel one with /queue cancel.", active, limit), "")
}

// ComfyOffline says a backend (or, with an empty name, every backend) does
// not answer, and what to check.
func ComfyOffline(backend string) Message {
	detail := "The bot cannot reach ComfyUI, so nothing can be generated right now."
	if backend != "" {
		detail = "The bot cannot reach the ComfyUI backend **" + text(backend, 100) + "**."
	}
	return UserError("ComfyUI is offline", detail,
		"Check that ComfyUI is running and that the bot's `comfyui` URL points at it, then try again. `/admin status` shows which backends are up.")
}

// GenerationFailed reports ComfyUI's own error for a node, without the
// traceback.
func GenerationFailed(node, message string) Message {
	detail := "ComfyUI could not finish the job: " + text(cleanError(message, 1000), 1000)
	if node != "" {
		detail = "ComfyUI stopped at node **" + text(node, 100) + "**: " + text(cleanError(message, 1000), 1000)
	}
	return UserError("Generation failed", detail,
		"Check the options and try again. If it keeps failing, ask an admin to look at the ComfyUI console.")
}

// InvalidOption names an option the user got wrong and what it accepts,
// e.g. InvalidOption("steps", "500", "1–150").
func InvalidOption(option, got, allowed string) Message {
	detail := "`" + option + "` must be " + allowed + "."
	if got != "" {
		detail = "`" + option + "` must be " + allowed + " (you gave " + text(oneLine(got), 100) + ")."
	}
	return UserError("Invalid option", detail, "")
}

// Refusal explains a permission decision that said no.
func Refusal(d permission.Decision) Message {
	return UserError("Not allowed", d.Message(), "")
}

// FromError is the reply for an error from any layer: its user-safe
// message, never the internal detail. Domain messages are written by the
// bot as markdown (options in backticks, mentions of job owners), so they
// are shown as written; user text inside them is quoted where it appears.
func FromError(err error) Message {
	if q, ok := errors.AsType[*model.QueueFullError](err); ok {
		return QueueFull(q.Active, q.Limit)
	}
	var title string
	switch model.ErrorCodeOf(err) {
	case model.CodeNotFound:
		title = "Not found"
	case model.CodeConflict:
		title = "Already done"
	case model.CodeQueueFull:
		title = "Queue full"
	case model.CodeInvalid:
		title = "Invalid input"
	case model.CodeForbidden:
		title = "Not allowed"
	case model.CodeUnavailable:
		title = "Unavailable"
	default:
		title = "Something went wrong"
	}
	return UserError(title, defuseMassMentions(model.ErrorMessageOf(err)), "")
}

// massMentions keeps @everyone and @here from reading as mentions (a zero
// width space after the @) while the rest of a message stays markdown.
var massMentions = strings.NewReplacer("@everyone", "@\u200beveryone", "@here", "@\u200bhere")

func defuseMassMentions(s string) string { return massMentions.Replace(s) }
