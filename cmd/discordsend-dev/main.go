// Command discordsend-dev is discordsend-bot with its development tools:
// sandbox (drive the real bot through a fake Discord and ComfyUI) and bench
// (measure it under load). Deploy discordsend-bot; this one links the fakes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/devtools"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := devtools.Program().Run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
