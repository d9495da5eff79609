package render

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// TemplateList renders /template list: the viewer's private templates,
// then the server's shared ones with their owners.
func TemplateList(templates []model.Template, viewer string) Message {
	var private, shared []string
	for _, t := range sortedTemplates(templates) {
		if t.Shared {
			shared = append(shared, "• **"+text(t.Name, model.MaxTemplateNameLen)+"** by "+owner(t.OwnerID, viewer)+" — "+templatePrompt(t))
		} else {
			private = append(private, "• **"+text(t.Name, model.MaxTemplateNameLen)+"** — "+templatePrompt(t))
		}
	}
	var b strings.Builder
	b.WriteString("**Your templates**\n")
	if len(private) == 0 {
		b.WriteString("None yet: save one with `/template save` or the Save as template button.")
	} else {
		b.WriteString(lines(private, 1800))
	}
	b.WriteString("\n\n**Shared in this server**\n")
	if len(shared) == 0 {
		b.WriteString("None.")
	} else {
		b.WriteString(lines(shared, 1800))
	}
	e := discord.Embed{
		Title:       "Templates",
		Description: b.String(),
		Color:       colorInfo,
		Footer:      &discord.EmbedFooter{Text: "Use one with /template load or /generate template:"},
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

func sortedTemplates(ts []model.Template) []model.Template {
	ts = slices.Clone(ts)
	slices.SortStableFunc(ts, func(a, b model.Template) int {
		return cmp.Compare(model.TemplateKey(a.Name), model.TemplateKey(b.Name))
	})
	return ts
}

func owner(ownerID, viewer string) string {
	if ownerID == viewer {
		return "you"
	}
	return Mention(ownerID)
}

func templatePrompt(t model.Template) string {
	p := oneLine(t.Prompt)
	if p == "" {
		return "*(no prompt)*"
	}
	return text(p, listPromptBudget)
}

// TemplateView shows one template with a button that generates from it.
func TemplateView(t model.Template, viewer string) Message {
	visibility := "Private"
	if t.Shared {
		visibility = "Shared by " + owner(t.OwnerID, viewer)
	}
	prompt := "*(no prompt)*"
	if strings.TrimSpace(t.Prompt) != "" {
		prompt = text(t.Prompt, 2000)
	}
	e := discord.Embed{
		Title:       "Template: " + text(t.Name, model.MaxTemplateNameLen),
		Description: "**Prompt**\n" + prompt,
		Color:       colorInfo,
		Fields:      templateFields(t, visibility),
		Footer:      &discord.EmbedFooter{Text: "Template #" + strconv.FormatInt(t.ID, 10)},
	}
	row := discord.NewActionRow(
		button(discord.ButtonStylePrimary, "Generate", "🎨", TemplateGenerateID(t.ID)),
	)
	return fitted(Message{
		Embeds:     []discord.Embed{e},
		Components: []discord.LayoutComponent{row},
		Ephemeral:  true,
	})
}

func templateFields(t model.Template, visibility string) []discord.EmbedField {
	p := t.Params
	var fs []discord.EmbedField
	if strings.TrimSpace(t.Negative) != "" {
		fs = append(fs, field("Negative", text(t.Negative, 900)))
	}
	fs = append(fs, inline("Visibility", visibility))
	opt := func(name, value string) {
		if value != "" {
			fs = append(fs, inline(name, value))
		}
	}
	opt("Steps", intOr(p.Steps, ""))
	opt("CFG", floatOr(p.CFG, ""))
	opt("Size", sizeOr(p, ""))
	opt("Seed", uintOr(p.Seed))
	opt("Batch", intOr(p.BatchSize, ""))
	opt("Denoise", floatOr(p.Denoise, ""))
	opt("Checkpoint", text(p.Checkpoint, 200))
	opt("Workflow", text(p.Workflow, 200))
	return fs
}

func uintOr(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(*p, 10)
}

// TemplateChoices are autocomplete choices for template names: at most 25,
// each name 1–100 characters, the value the template's name. Private
// templates come first, then shared ones, each group in the order given.
func TemplateChoices(templates []model.Template) []discord.AutocompleteChoice {
	templates = slices.Clone(templates)
	slices.SortStableFunc(templates, func(a, b model.Template) int {
		return cmp.Compare(boolRank(a.Shared), boolRank(b.Shared))
	})
	choices := []discord.AutocompleteChoice{}
	for _, t := range templates {
		if len(choices) == MaxChoices {
			break
		}
		name := strings.TrimSpace(oneLine(t.Name))
		if name == "" || runeLen(t.Name) > MaxChoiceValue {
			continue
		}
		label := name
		if t.Shared {
			label += " (shared)"
		}
		choices = append(choices, discord.AutocompleteChoiceString{
			Name:  Truncate(label, MaxChoiceName),
			Value: t.Name,
		})
	}
	return choices
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
