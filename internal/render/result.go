package render

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Result describes one message of a job's delivered outputs. A job with
// more files than fit in one message is delivered in parts; Files are the
// attachment names of this part, First the index of Files[0] among all the
// job's posted files and Total how many there are.
type Result struct {
	Job   model.Job
	Now   time.Time
	Files []string
	First int
	Total int // 0: len(Files)
	// Kinds are what the job's posted files are, all Total of them (this
	// part's from First on); files without one are images.
	Kinds []model.OutputKind
	// Reencoded and Downscaled count the images of this part that were
	// changed to fit Discord's upload limit; Shrunk lists its videos,
	// animations and audio files that were re-encoded smaller.
	Reencoded  int
	Downscaled int
	Shrunk     []ShrunkFile
	// Left are the files too large to post, and Texts the job's text
	// outputs; the first part shows both.
	Left  []LeftFile
	Texts []ResultText
	// Notes are further lines for the user, such as a DM that fell back to
	// the channel.
	Notes []string
	// Actions are the buttons the first part offers on each posted image.
	Actions ImageActions
}

// ShrunkFile is a file re-encoded to fit: its name as ComfyUI made it and
// its sizes before and after, in bytes.
type ShrunkFile struct {
	Name     string
	From, To int64
}

// LeftFile is a file that could not be made to fit the upload limit and
// was not posted: it stays in ComfyUI's output folder under Path.
type LeftFile struct {
	Path  string // within the output folder: subfolder/name
	Kind  model.OutputKind
	Bytes int64
	Limit int64
}

// ResultText is a text a node of the workflow showed (PreviewAny and the like).
type ResultText struct {
	NodeID string
	Text   string
}

const (
	resultPromptBudget = 2000
	resultTextBudget   = 1000 // per text output, within a field's 1024
	resultTextsShown   = 5
)

// ResultMessage is a message of delivered outputs: it pings the owner,
// shows what was made and how, and (on the first part) the text outputs,
// the files left in ComfyUI and the result buttons.
func ResultMessage(r Result) Message {
	j := r.Job
	total := max(r.Total, r.First+len(r.Files))
	e := discord.Embed{
		Title:       "✅ Job #" + strconv.FormatInt(j.ID, 10),
		Description: resultDescription(r, total),
		Color:       colorCompleted,
		Fields:      append(textFields(r.Texts), paramFields(j, r.Now)...),
		Footer:      &discord.EmbedFooter{Text: jobFooter(j, "")},
	}
	for i, name := range r.Files {
		if k := r.kind(r.First + i); k == model.KindImage || k == model.KindAnimation {
			e.Image = &discord.EmbedResource{URL: "attachment://" + name}
			break
		}
	}
	m := Message{
		Content: resultContent(j, r, total),
		Embeds:  []discord.Embed{e},
	}
	if id, err := snowflake.Parse(j.UserID); err == nil {
		m.Ping = []snowflake.ID{id}
	}
	if r.First == 0 {
		m.Components = resultButtons(j, r.Actions, r.images(total))
	}
	return fitted(m)
}

// kind is what the job's i-th posted file is.
func (r Result) kind(i int) model.OutputKind {
	if i < len(r.Kinds) && r.Kinds[i] != "" {
		return r.Kinds[i]
	}
	return model.KindImage
}

// noun names n files of the given kinds: by their kind when they share
// one, else as files.
func noun(n int, kinds []model.OutputKind) string {
	k := model.KindImage
	for i, ki := range kinds {
		if ki == "" {
			ki = model.KindImage
		}
		if i == 0 {
			k = ki
		} else if ki != k {
			k = model.KindFile
		}
	}
	one, many := kindNouns(k)
	if n == 1 {
		return one
	}
	return many
}

func kindNouns(k model.OutputKind) (one, many string) {
	switch k {
	case model.KindImage:
		return "image", "images"
	case model.KindAnimation:
		return "animation", "animations"
	case model.KindVideo:
		return "video", "videos"
	case model.KindAudio:
		return "audio file", "audio files"
	case model.Kind3D:
		return "3D model", "3D models"
	}
	return "file", "files"
}

func (r Result) kinds(from, to int) []model.OutputKind {
	out := make([]model.OutputKind, 0, max(to-from, 0))
	for i := from; i < to; i++ {
		out = append(out, r.kind(i))
	}
	return out
}

func resultContent(j model.Job, r Result, total int) string {
	owner := Mention(j.UserID)
	switch {
	case total > len(r.Files):
		return fmt.Sprintf("%s here are %s %d–%d of %d.", owner, noun(total, r.kinds(0, total)), r.First+1, r.First+len(r.Files), total)
	case total == 0 && len(r.Left) > 0:
		var kinds []model.OutputKind
		for _, l := range r.Left {
			kinds = append(kinds, l.Kind)
		}
		if len(r.Left) == 1 {
			return fmt.Sprintf("%s your %s is too large to post here.", owner, noun(1, kinds))
		}
		return fmt.Sprintf("%s your %d %s are too large to post here.", owner, len(r.Left), noun(len(r.Left), kinds))
	case total == 0 && len(r.Texts) > 0:
		return owner + " your result is ready."
	case total == 0:
		return owner + " your job finished but made nothing to post."
	case total == 1:
		return fmt.Sprintf("%s your %s is ready.", owner, noun(1, r.kinds(0, 1)))
	}
	return fmt.Sprintf("%s your %d %s are ready.", owner, total, noun(total, r.kinds(0, total)))
}

func resultDescription(r Result, total int) string {
	var notes []string
	for _, l := range r.Left {
		notes = append(notes, fmt.Sprintf("⚠️ **%s** is %s, over the %s upload limit here, and could not be made smaller, so it was not posted. It stays in ComfyUI's output folder as %s.",
			text(path.Base(l.Path), 200), megabytes(l.Bytes), megabytes(l.Limit), text(l.Path, 300)))
	}
	if total == 0 && len(r.Left) == 0 && len(r.Texts) == 0 {
		notes = append(notes, "ℹ️ The workflow saved no files and showed no text. Previews (PreviewImage and the like) are temporary and never posted: save results with SaveImage or another saving node.")
	}
	if r.Reencoded > 0 {
		notes = append(notes, "ℹ️ "+plural(r.Reencoded, "image was", "images were")+" re-encoded to fit Discord's upload limit.")
	}
	if r.Downscaled > 0 {
		notes = append(notes, "ℹ️ "+plural(r.Downscaled, "image was", "images were")+" downscaled to fit Discord's upload limit.")
	}
	for _, s := range r.Shrunk {
		notes = append(notes, fmt.Sprintf("ℹ️ %s was re-encoded smaller to fit Discord's upload limit (%s → %s).", text(s.Name, 200), megabytes(s.From), megabytes(s.To)))
	}
	if total > len(r.Files) {
		notes = append(notes, fmt.Sprintf("ℹ️ %d of %d %s in this message.", len(r.Files), total, noun(total, r.kinds(0, total))))
	}
	if len(r.Texts) > resultTextsShown {
		notes = append(notes, fmt.Sprintf("ℹ️ %d more text outputs are not shown.", len(r.Texts)-resultTextsShown))
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

// textFields show the workflow's text outputs, each cut to fit a field and
// escaped, so a text cannot format the embed or mention anyone.
func textFields(texts []ResultText) []discord.EmbedField {
	var fs []discord.EmbedField
	for _, t := range texts[:min(len(texts), resultTextsShown)] {
		name := "📝 Text"
		if len(texts) > 1 && t.NodeID != "" {
			name += " · node " + text(t.NodeID, 50)
		}
		value := "*(empty)*"
		if strings.TrimSpace(t.Text) != "" {
			value = text(t.Text, resultTextBudget)
		}
		fs = append(fs, field(name, value))
	}
	return fs
}

// megabytes writes a size as Discord states upload limits: 10 MB, 25.3 MB.
func megabytes(n int64) string {
	s := strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + " MB"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// paramFields are the knobs a result shows: the values that ran, leaving
// out what the workflow does not have.
func paramFields(j model.Job, now time.Time) []discord.EmbedField {
	p, unset := shownParams(j)
	var fs []discord.EmbedField
	if strings.TrimSpace(p.Negative) != "" {
		fs = append(fs, field("Negative", text(p.Negative, 900)))
	}
	seed := "random"
	if s, ok := seedOf(j); ok {
		seed = strconv.FormatUint(s, 10)
	}
	known := func(name, value string) {
		if value != "" {
			fs = append(fs, inline(name, value))
		}
	}
	fs = append(fs, inline("Seed", seed))
	known("Steps", intOr(p.Steps, unset))
	known("CFG", floatOr(p.CFG, unset))
	known("Size", sizeOr(p, unset))
	fs = append(fs, inline("Workflow", text(orDefault(firstNonEmpty(j.WorkflowName, p.Workflow)), 200)))
	if d, ok := runTime(j, now); ok {
		fs = append(fs, inline("Duration", Duration(d)))
	}
	if p.Checkpoint != "" {
		fs = append(fs, inline("Checkpoint", text(p.Checkpoint, 200)))
	}
	if p.Denoise != nil && (*p.Denoise != 1 || j.Params.Denoise != nil) {
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

// images counts the still images among the job's total posted files.
func (r Result) images(total int) int {
	n := 0
	for i := range total {
		if r.kind(i) == model.KindImage {
			n++
		}
	}
	return n
}

// resultButtons are the result's actions, the image actions below them,
// and Delete alone on the last row so it is not pressed by mistake.
func resultButtons(j model.Job, a ImageActions, images int) []discord.LayoutComponent {
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
	rows := []discord.LayoutComponent{discord.NewActionRow(row...)}
	rows = append(rows, imageActionRows(j, a, images)...)
	return append(rows, discord.NewActionRow(button(discord.ButtonStyleDanger, "Delete", "🗑️", JobButtonID(j.ID, ActionDelete))))
}

func button(style discord.ButtonStyle, label, emoji, customID string) discord.ButtonComponent {
	b := discord.NewButton(style, label, customID, "", 0)
	if emoji != "" {
		b = b.WithEmoji(discord.ComponentEmoji{Name: emoji})
	}
	return b
}
