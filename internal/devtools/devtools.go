// Package devtools is what the development build, discordsend-dev, adds to
// the bot's commands: sandbox and bench, which run the bot against the fake
// Discord and ComfyUI. The fakes stay out of the bot that users deploy.
package devtools

import "github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app"

// Program is the bot with its development tools.
func Program() app.Program {
	return app.Program{Name: "discordsend-dev", Tools: []*app.Command{benchCommand(), sandboxCommand()}}
}
