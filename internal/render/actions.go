package render

import (
	"fmt"
	"strconv"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// ImageAction is what a button on one result image does.
type ImageAction string

// Image actions; each names the image by its 1-based place among the job's
// result images.
const (
	ActionUpscale  ImageAction = "upscale"  // run the server's upscale workflow on it
	ActionVary     ImageAction = "vary"     // a variation of it
	ActionUseInput ImageAction = "useinput" // a new job starting from it
)

// ImageActionPattern is the mux pattern of an image action's button.
func ImageActionPattern(a ImageAction) string { return "/job/{id}/" + string(a) + "/{image}" }

// ImageActionID is the custom ID of an image's button: /job/{id}/{action}/{image}.
func ImageActionID(id int64, a ImageAction, image int) string {
	return "/job/" + strconv.FormatInt(id, 10) + "/" + string(a) + "/" + strconv.Itoa(image)
}

// ImageActions says which image actions a result offers.
type ImageActions struct {
	Upscale  bool // the server configures an upscale workflow
	Vary     bool
	UseInput bool // some workflow takes an input image
}

// maxImageButtons is how many images get buttons: a row holds five.
const maxImageButtons = 5

// imageActionRows are the rows of image buttons: Upscale, Vary and Use as
// input for a single image; for several, one row per action numbered
// U1…, V1…, ↪1… in the order the images were posted.
func imageActionRows(j model.Job, a ImageActions, images int) []discord.LayoutComponent {
	if images == 0 {
		return nil
	}
	type kind struct {
		on            bool
		action        ImageAction
		label, prefix string
		emoji         string
	}
	kinds := []kind{
		{a.Upscale, ActionUpscale, "Upscale", "U", "🔍"},
		{a.Vary, ActionVary, "Vary", "V", "🌀"},
		{a.UseInput, ActionUseInput, "Use as input", "↪", "🖼️"},
	}
	if images == 1 {
		var row []discord.InteractiveComponent
		for _, k := range kinds {
			if k.on {
				row = append(row, button(discord.ButtonStyleSecondary, k.label, k.emoji, ImageActionID(j.ID, k.action, 1)))
			}
		}
		if len(row) == 0 {
			return nil
		}
		return []discord.LayoutComponent{discord.NewActionRow(row...)}
	}
	var rows []discord.LayoutComponent
	for _, k := range kinds {
		if !k.on {
			continue
		}
		var row []discord.InteractiveComponent
		for i := 1; i <= min(images, maxImageButtons); i++ {
			row = append(row, button(discord.ButtonStyleSecondary, fmt.Sprintf("%s%d", k.prefix, i), "", ImageActionID(j.ID, k.action, i)))
		}
		rows = append(rows, discord.NewActionRow(row...))
	}
	return rows
}

// UseInputModal asks for the prompt of a new job starting from image n of
// job j, prefilled with j's prompt.
func UseInputModal(j model.Job, n int) discord.ModalCreate {
	return modal(ImageActionID(j.ID, ActionUseInput, n), fmt.Sprintf("Start from image %d of job #%d", n, j.ID),
		promptLabel("Prompt", "What to make of the image", InputPrompt, j.Params.Prompt, true),
		promptLabel("Negative prompt", "", InputNegative, j.Params.Negative, false),
	)
}

// FromImagePattern is the mux pattern of the prompt "Generate from this
// image" asks for; FromImageID names the message and which of its
// attachments, so the image is read afresh from Discord on submission.
const FromImagePattern = "/fromimage/{channel}/{message}/{attachment}"

// FromImageID is the custom ID of the prompt for attachment n (0-based)
// of message msg in channel ch.
func FromImageID(ch, msg snowflake.ID, n int) string {
	return "/fromimage/" + ch.String() + "/" + msg.String() + "/" + strconv.Itoa(n)
}

// FromImageModal asks for the prompt of a job starting from an image
// someone posted.
func FromImageModal(ch, msg snowflake.ID, n int, filename string) discord.ModalCreate {
	return modal(FromImageID(ch, msg, n), "Generate from "+Truncate(filename, 30),
		label("Prompt", "What to make of the image", paragraph(InputPrompt, "", true)),
		label("Negative prompt", "", paragraph(InputNegative, "", false)),
	)
}
