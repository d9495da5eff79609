package app

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// sandboxChild makes this test binary the bot a process test starts: it
// runs os.Executable() with "run", and TestMain hands that to Run as main
// would.
const sandboxChild = "DISCORDSEND_SANDBOX_CHILD"

// TestMain runs this binary as a bot process when asked to; otherwise
// the tests run on SQLite, and again on PostgreSQL when
// DISCORDBOT_TEST_POSTGRES names a server (see docs/TESTING.md).
func TestMain(m *testing.M) {
	if os.Getenv(sandboxChild) == "bot" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(storetest.Run(m))
}
