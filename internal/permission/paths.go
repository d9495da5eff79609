package permission

import (
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Command paths as disgo spells them without the leading slash ("queue view"
// for /queue view), and button paths named by what the button does.
const (
	PathGenerate = "generate"
	// PathFromImage is the message command (Apps → Generate from this image)
	// and the prompt it asks for.
	PathFromImage = "Generate from this image"

	PathQueueView   = "queue view"
	PathQueueStatus = "queue status"
	PathQueueCancel = "queue cancel"
	PathQueueClear  = "queue clear"

	PathTemplateSave   = "template save"
	PathTemplateList   = "template list"
	PathTemplateLoad   = "template load"
	PathTemplateDelete = "template delete"

	PathHistoryList  = "history list"
	PathHistoryView  = "history view"
	PathHistoryRerun = "history rerun"

	PathPreferences = "preferences"
	PathHelp        = "help"

	PathAdminSetRoles = "admin setroles"
	PathAdminRoles    = "admin roles"
	PathAdminStatus   = "admin status"
	PathAdminConfig   = "admin config"
	PathAdminCancel   = "admin cancel"
	PathAdminClear    = "admin clear"

	PathAdminWorkflowAdd     = "admin workflow add"
	PathAdminWorkflowList    = "admin workflow list"
	PathAdminWorkflowRemove  = "admin workflow remove"
	PathAdminWorkflowDefault = "admin workflow default"

	PathJobCancel       = "job cancel"
	PathJobReroll       = "job reroll"
	PathJobEdit         = "job edit"
	PathJobSaveTemplate = "job savetemplate"
	PathJobDM           = "job dm"
	PathJobInfo         = "job info"
	PathJobDelete       = "job delete"
	PathJobUpscale      = "job upscale"
	PathJobVary         = "job vary"
	PathJobUseInput     = "job useinput"

	PathHistoryPage      = "history page"
	PathTemplateGenerate = "template generate"
)

type requirement struct {
	path  string
	level model.Level
}

// requirements is the one table of who may do what. Users look (queue,
// their own history, help, preferences); generators make things (generate,
// templates, rerun, cancel their own jobs); admins run the server's bot.
// Whether a job is the caller's own is CanManageJob's question, asked after
// this one.
func requirements() []requirement {
	const (
		user      = model.LevelUser
		generator = model.LevelGenerator
		admin     = model.LevelAdmin
	)
	return []requirement{
		{PathGenerate, generator},

		{PathQueueView, user},
		{PathQueueStatus, user},
		{PathQueueCancel, generator},
		{PathQueueClear, generator},

		{PathTemplateSave, generator},
		{PathTemplateList, generator},
		{PathTemplateLoad, generator},
		{PathTemplateDelete, generator},

		{PathHistoryList, user},
		{PathHistoryView, user},
		{PathHistoryRerun, generator},

		{PathPreferences, user},
		{PathHelp, user},

		{PathAdminSetRoles, admin},
		{PathAdminRoles, admin},
		{PathAdminStatus, admin},
		{PathAdminConfig, admin},
		{PathAdminCancel, admin},
		{PathAdminClear, admin},
		{PathAdminWorkflowAdd, admin},
		{PathAdminWorkflowList, admin},
		{PathAdminWorkflowRemove, admin},
		{PathAdminWorkflowDefault, admin},

		{PathJobCancel, generator},
		{PathJobReroll, generator},
		{PathJobEdit, generator},
		{PathJobSaveTemplate, generator},
		{PathJobDM, user},
		{PathJobInfo, user},
		{PathJobDelete, generator},
		{PathJobUpscale, generator},
		{PathJobVary, generator},
		{PathJobUseInput, generator},

		{PathHistoryPage, user},
		{PathTemplateGenerate, generator},
		{PathFromImage, generator},
	}
}

// Paths lists every command and button path the bot knows, commands first,
// in the order help shows them.
func Paths() []string {
	reqs := requirements()
	paths := make([]string, len(reqs))
	for i, r := range reqs {
		paths[i] = r.path
	}
	return paths
}

// Requirement returns the level a path needs. A path missing from the table
// needs admin, so a forgotten entry fails closed.
func Requirement(path string) model.Level {
	for _, r := range requirements() {
		if r.path == path {
			return r.level
		}
	}
	return model.LevelAdmin
}

// Known reports whether path is in the requirement table.
func Known(path string) bool {
	for _, r := range requirements() {
		if r.path == path {
			return true
		}
	}
	return false
}

// IsButton reports whether path names a button (or the modal it opens),
// or a context menu command, rather than a slash command.
func IsButton(path string) bool {
	return strings.HasPrefix(path, "job ") || path == PathHistoryPage || path == PathTemplateGenerate || path == PathFromImage
}
