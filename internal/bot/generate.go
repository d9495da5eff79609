package bot

import "github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"

func (b *Bot) generateRoutes() []route {
	pending := func(c *call) error {
		return c.text("Generation is not available yet in this version of the bot.")
	}
	return []route{
		{pattern: "/generate", perm: permission.PathGenerate, run: pending},
		{pattern: "/preferences", perm: permission.PathPreferences, run: pending},
	}
}

func (b *Bot) queueRoutes() []route {
	pending := func(c *call) error {
		return c.text("The queue is not available yet in this version of the bot.")
	}
	var rs []route
	for _, p := range []struct{ pattern, perm string }{
		{"/queue/view", permission.PathQueueView},
		{"/queue/status", permission.PathQueueStatus},
		{"/queue/cancel", permission.PathQueueCancel},
		{"/queue/clear", permission.PathQueueClear},
	} {
		rs = append(rs, route{pattern: p.pattern, perm: p.perm, run: pending})
	}
	return rs
}
