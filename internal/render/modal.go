package render

import (
	"strconv"
	"strings"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Custom IDs of modal text inputs, as the bot reads them back.
const (
	InputPrompt   = "prompt"
	InputNegative = "negative"
	InputSteps    = "steps"
	InputCFG      = "cfg"
	InputSeed     = "seed"
	InputName     = "name"
)

// EditJobModal asks for a changed copy of a job, prefilled with what it
// used. An empty seed means a random one.
func EditJobModal(j model.Job) discord.ModalCreate {
	seed := ""
	if s, ok := seedOf(j); ok {
		seed = strconv.FormatUint(s, 10)
	}
	return modal(JobButtonID(j.ID, ActionEdit), "Edit job #"+strconv.FormatInt(j.ID, 10),
		label("Prompt", "", paragraph(InputPrompt, j.Params.Prompt, true)),
		label("Negative prompt", "", paragraph(InputNegative, j.Params.Negative, false)),
		label("Steps", "", short(InputSteps, intOr(j.Shown().Steps, ""), 6)),
		label("CFG", "", short(InputCFG, floatOr(j.Shown().CFG, ""), 10)),
		label("Seed", "Leave empty for a random seed", short(InputSeed, seed, 20)),
	)
}

// SaveTemplateModal asks for the name to save a job's settings under.
func SaveTemplateModal(j model.Job) discord.ModalCreate {
	in := short(InputName, "", model.MaxTemplateNameLen)
	in.Required = true
	in = in.WithMinLength(1)
	return modal(JobButtonID(j.ID, ActionSaveTemplate), "Save job #"+strconv.FormatInt(j.ID, 10)+" as a template",
		label("Template name", "Up to 32 characters", in),
	)
}

// TemplateGenerateModal asks for the user's prompt to generate with a
// template. It starts empty: the template's prompt is combined with it as
// /generate template: does, so the modal says how. Without a template
// prompt there is nothing to fall back on, so the input is required.
func TemplateGenerateModal(t model.Template) discord.ModalCreate {
	how := "Comes first; the template's prompt is added after it"
	switch {
	case strings.Contains(t.Prompt, model.PromptPlaceholder):
		how = "Goes where {prompt} is in the template's prompt"
	case strings.TrimSpace(t.Prompt) == "":
		how = "The template has no prompt of its own"
	}
	in := paragraph(InputPrompt, "", strings.TrimSpace(t.Prompt) == "")
	return modal(TemplateGenerateID(t.ID), "Generate with "+t.Name,
		label("Your prompt", how, in),
	)
}

func modal(customID, title string, components ...discord.LayoutComponent) discord.ModalCreate {
	return discord.ModalCreate{
		CustomID:   customID,
		Title:      Truncate(title, MaxModalTitle),
		Components: components[:min(len(components), MaxModalComponents)],
	}
}

func label(name, description string, in discord.TextInputComponent) discord.LabelComponent {
	l := discord.NewLabel(Truncate(name, MaxLabel), in)
	l.Description = Truncate(description, 100)
	return l
}

// paragraph is a long text input; a prefilled value is cut to what Discord
// accepts.
func paragraph(customID, value string, required bool) discord.TextInputComponent {
	in := discord.NewParagraphTextInput(customID).WithMaxLength(MaxTextInputValue).WithRequired(required)
	in.Value = Truncate(value, MaxTextInputValue)
	return in
}

func short(customID, value string, maxLen int) discord.TextInputComponent {
	in := discord.NewShortTextInput(customID).WithMaxLength(maxLen)
	in.Value = Truncate(value, maxLen)
	return in
}
