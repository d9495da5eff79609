package bot

import (
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
)

// pendingRoutes answer commands whose handlers are not part of this
// version yet, honestly and privately, after the usual permission check.
func (b *Bot) pendingRoutes() []route {
	pending := func(c *call) error {
		return c.text("This command is not available yet in this version of the bot.")
	}
	var rs []route
	for _, p := range []struct{ pattern, perm string }{
		{"/template/save", permission.PathTemplateSave},
		{"/template/list", permission.PathTemplateList},
		{"/template/load", permission.PathTemplateLoad},
		{"/template/delete", permission.PathTemplateDelete},
		{"/history/list", permission.PathHistoryList},
		{"/history/view", permission.PathHistoryView},
		{"/history/rerun", permission.PathHistoryRerun},
	} {
		rs = append(rs, route{pattern: p.pattern, perm: p.perm, run: pending})
	}
	return rs
}
