package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Result describes one message of a job's delivered images. A job with
// more images than fit in one message is delivered in parts; Files are the
// attachment names of this part, First the index of Files[0] among all the
// job's images and Total how many there are.
type Result struct {
	Job   model.Job
	Now   time.Time
	Files []string
	First int
	Total int // 0: len(Files)
	// Reencoded and Downscaled count the images of this part that were
	// changed to fit Discord's upload limit.
	Reencoded  int
	Downscaled int
	// Notes are further lines for the user, such as a DM that fell back to
	// the channel.
	Notes []string
}

const resultPromptBudget = 2000

// ResultMessage is a message of delivered images: it pings the owner, shows
// what was made and how, and (on the first part) the result buttons.
func ResultMessage(r Result) Message {
	j := r.Job
	total := max(r.Total, r.First+len(r.Files))
	e := discord.Embed{
		Title:       "✅ Job #" + strconv.FormatInt(j.ID, 10),
		Description: resultDescription(r, total),
		Color:       colorCompleted,
		Fields:      paramFields(j, r.Now),
		Footer:      &discord.EmbedFooter{Text: jobFooter(j, "")},
	}
	if len(r.Files) > 0 {
		e.Image = &discord.EmbedResource{URL: "attachment://" + r.Files[0]}
	}
	m := Message{
		Content: resultContent(j, r, total),
		Embeds:  []discord.Embed{e},
	}
	if id, err := snowflake.Parse(j.UserID); err == nil {
		m.Ping = []snowflake.ID{id}
	}
	if r.First == 0 {
		m.Components = resultButtons(j)
	}
	return fitted(m)
}

func resultContent(j model.Job, r Result, total int) string {
	owner := Mention(j.UserID)
	switch {
	case total > len(r.Files):
		return fmt.Sprintf("%s here are images %d–%d of %d.", owner, r.First+1, r.First+len(r.Files), total)
	case total == 1:
		return owner + " your image is ready."
	}
	return fmt.Sprintf("%s your %d images are ready.", owner, total)
}

func resultDescription(r Result, total int) string {
	var notes []string
	if r.Reencoded > 0 {
		notes = append(notes, "ℹ️ "+plural(r.Reencoded, "image was", "images were")+" re-encoded to fit Discord's upload limit.")
	}
	if r.Downscaled > 0 {
		notes = append(notes, "ℹ️ "+plural(r.Downscaled, "image was", "images were")+" downscaled to fit Discord's upload limit.")
	}
	if total > len(r.Files) {
		notes = append(notes, fmt.Sprintf("ℹ️ %d of %d images in this message.", len(r.Files), total))
	}
	for _, n := range r.Notes {
		notes = append(notes, "ℹ️ "+text(n, 300))
	}
	d := promptSection(r.Job, r.Job.UserID, resultPromptBudget)
	if len(notes) > 0 {
		d += "\n\n" + strings.Join(notes, "\n")
	}
	return d
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// paramFields are the knobs a result shows.
func paramFields(j model.Job, now time.Time) []discord.EmbedField {
	p := j.Params
	var fs []discord.EmbedField
	if strings.TrimSpace(p.Negative) != "" {
		fs = append(fs, field("Negative", text(p.Negative, 900)))
	}
	seed := "random"
	if s, ok := seedOf(j); ok {
		seed = strconv.FormatUint(s, 10)
	}
	fs = append(fs,
		inline("Seed", seed),
		inline("Steps", intOr(p.Steps, "default")),
		inline("CFG", floatOr(p.CFG, "default")),
		inline("Size", size(p)),
		inline("Workflow", text(orDefault(firstNonEmpty(j.WorkflowName, p.Workflow)), 200)),
	)
	if d, ok := runTime(j, now); ok {
		fs = append(fs, inline("Duration", Duration(d)))
	}
	if p.Checkpoint != "" {
		fs = append(fs, inline("Checkpoint", text(p.Checkpoint, 200)))
	}
	if p.Denoise != nil {
		fs = append(fs, inline("Denoise", floatOr(p.Denoise, "")))
	}
	if p.BatchSize != nil && *p.BatchSize > 1 {
		fs = append(fs, inline("Batch", intOr(p.BatchSize, "")))
	}
	return fs
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// resultButtons are the result's actions, Delete alone on its row so it is
// not pressed by mistake.
func resultButtons(j model.Job) []discord.LayoutComponent {
	row := []discord.InteractiveComponent{
		button(discord.ButtonStylePrimary, "Reroll", "🎲", JobButtonID(j.ID, ActionReroll)),
		button(discord.ButtonStyleSecondary, "Edit", "✏️", JobButtonID(j.ID, ActionEdit)),
		button(discord.ButtonStyleSecondary, "Save as template", "💾", JobButtonID(j.ID, ActionSaveTemplate)),
	}
	// A DM-delivered job is already in the owner's DMs, or could not get there.
	if j.Delivery != model.DeliveryDM {
		row = append(row, button(discord.ButtonStyleSecondary, "Send to DM", "📬", JobButtonID(j.ID, ActionDM)))
	}
	row = append(row, button(discord.ButtonStyleSecondary, "Info", "ℹ️", JobButtonID(j.ID, ActionInfo)))
	return []discord.LayoutComponent{
		discord.NewActionRow(row...),
		discord.NewActionRow(button(discord.ButtonStyleDanger, "Delete", "🗑️", JobButtonID(j.ID, ActionDelete))),
	}
}

func button(style discord.ButtonStyle, label, emoji, customID string) discord.ButtonComponent {
	b := discord.NewButton(style, label, customID, "", 0)
	if emoji != "" {
		b = b.WithEmoji(discord.ComponentEmoji{Name: emoji})
	}
	return b
}
