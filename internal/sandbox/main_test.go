package sandbox_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app"
)

// childMode makes this test binary the sandbox's child process: "bot" runs
// the real bot (app.Run, as main does), "fake" a stand-in that only logs
// what the sandbox waits for (see fakeBot).
const childMode = "DISCORDSEND_SANDBOX_CHILD"

// dieFile, created in the bot's working directory, makes a "bot" child
// exit abruptly, as a crash the sandbox did not ask for.
const dieFile = "die"

func TestMain(m *testing.M) {
	switch os.Getenv(childMode) {
	case "bot":
		os.Exit(runBot())
	case "fake":
		os.Exit(fakeBot(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func runBot() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		for range tick.C {
			if _, err := os.Stat(dieFile); err == nil {
				fmt.Fprintln(os.Stderr, "test: dying as asked")
				os.Exit(3)
			}
		}
	}()
	return app.Run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
}

// fakeBot: "serve" logs the ready lines and runs until SIGTERM; "fail"
// gives up at once.
func fakeBot(args []string) int {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprintln(os.Stderr, "fake bot: no token, giving up")
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	fmt.Fprintln(os.Stderr, `level=INFO msg="ComfyUI backend ready"`)
	fmt.Fprintln(os.Stderr, `level=INFO msg="ready: serving Discord interactions"`)
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "fake bot: stopping")
	return 0
}
