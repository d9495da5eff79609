package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
)

// Limits are the bounds a user runs into; zero values are not shown.
type Limits struct {
	QueuePerUser    int
	MaxPromptLength int
	MinSteps        int
	MaxSteps        int
	MinCFG          float64
	MaxCFG          float64
	MinSize         int
	MaxSize         int
	MaxBatch        int
}

// Help lists the commands the caller may use at their level and the limits
// they work within.
func Help(level model.Level, l Limits) Message {
	var cmds []string
	for _, path := range permission.Paths() {
		if permission.IsButton(path) || permission.Requirement(path) > level {
			continue
		}
		cmds = append(cmds, "`/"+path+"` — "+commandHelp(path))
	}
	desc := "Your level here: **" + level.String() + "**\n\n" + lines(cmds, 3000)
	if level < model.LevelGenerator {
		desc += "\n\nTo generate images you need the **generator** level; ask an admin for a role that grants it."
	}
	e := discord.Embed{
		Title:       "Help",
		Description: desc,
		Color:       colorInfo,
	}
	if ls := limitLines(l); len(ls) > 0 {
		e.Fields = []discord.EmbedField{field("Limits", strings.Join(ls, "\n"))}
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

func commandHelp(path string) string {
	switch path {
	case permission.PathGenerate:
		return "make an image from a prompt; options set the negative prompt, template, steps, CFG, seed and delivery"
	case permission.PathQueueView:
		return "see the queue and your place in it"
	case permission.PathQueueStatus:
		return "see one job in detail"
	case permission.PathQueueCancel:
		return "cancel one of your jobs"
	case permission.PathQueueClear:
		return "cancel all your waiting jobs"
	case permission.PathTemplateSave:
		return "save a prompt and settings under a name"
	case permission.PathTemplateList:
		return "list your templates and the server's shared ones"
	case permission.PathTemplateLoad:
		return "show a template and generate from it"
	case permission.PathTemplateDelete:
		return "delete one of your templates"
	case permission.PathHistoryList:
		return "browse your past jobs"
	case permission.PathHistoryView:
		return "see a past job's prompt and settings"
	case permission.PathHistoryRerun:
		return "run a past job again"
	case permission.PathPreferences:
		return "choose where your results go by default"
	case permission.PathHelp:
		return "this list"
	case permission.PathAdminSetRoles:
		return "choose which roles are generators and admins"
	case permission.PathAdminRoles:
		return "show the role mappings"
	case permission.PathAdminStatus:
		return "bot version, uptime and backends"
	case permission.PathAdminConfig:
		return "show or change this server's settings"
	case permission.PathAdminCancel:
		return "cancel anyone's job"
	case permission.PathAdminClear:
		return "clear this server's queue"
	case permission.PathAdminWorkflowAdd:
		return "upload a ComfyUI workflow (.json) for this server, checked against ComfyUI"
	case permission.PathAdminWorkflowList:
		return "list the workflows this server can use and what each binds"
	case permission.PathAdminWorkflowRemove:
		return "remove one of this server's workflows"
	case permission.PathAdminWorkflowDefault:
		return "choose the workflow used when none is given"
	}
	return "—"
}

func limitLines(l Limits) []string {
	var out []string
	if l.QueuePerUser > 0 {
		out = append(out, fmt.Sprintf("Up to %s in the queue at once", plural(l.QueuePerUser, "job", "jobs")))
	}
	if l.MaxPromptLength > 0 {
		out = append(out, fmt.Sprintf("Prompts up to %d characters", l.MaxPromptLength))
	}
	if l.MaxSteps > 0 {
		out = append(out, fmt.Sprintf("Steps %d–%d", l.MinSteps, l.MaxSteps))
	}
	if l.MaxCFG > 0 {
		out = append(out, "CFG "+strconv.FormatFloat(l.MinCFG, 'f', -1, 64)+"–"+strconv.FormatFloat(l.MaxCFG, 'f', -1, 64))
	}
	if l.MaxSize > 0 {
		out = append(out, fmt.Sprintf("Width and height %d–%d px", l.MinSize, l.MaxSize))
	}
	if l.MaxBatch > 0 {
		out = append(out, fmt.Sprintf("Up to %s per job", plural(l.MaxBatch, "image", "images")))
	}
	return out
}
