package render

import (
	"fmt"
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
		promptLabel("Prompt", "", InputPrompt, j.Params.Prompt, true),
		promptLabel("Negative prompt", "", InputNegative, j.Params.Negative, false),
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

// promptLabel is a text box prefilled with a job's prompt. Prompts may be
// longer (6000 characters) than a box holds (4000): such a prompt is not
// prefilled cut, since submitting the box would run the cut text. The box
// starts empty, says so, and an empty box keeps the prompt (KeptText).
func promptLabel(name, description, customID, value string, required bool) discord.LabelComponent {
	if FitsTextInput(value) {
		return label(name, description, paragraph(customID, value, required))
	}
	return label(name, fmt.Sprintf("%d characters, more than this box holds: leave it empty to keep them", runeLen(value)),
		paragraph(customID, "", false))
}

// FitsTextInput reports whether s fits a modal's text box whole.
func FitsTextInput(s string) bool { return runeLen(s) <= MaxTextInputValue }

// KeptText is the text a box made by promptLabel gives: what was typed,
// or the prompt it could not hold when it was left empty.
func KeptText(typed, prefilled string) string {
	if strings.TrimSpace(typed) == "" && !FitsTextInput(prefilled) {
		return prefilled
	}
	return typed
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
