package sandbox

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := pause(t.Context(), 2*time.Second); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 2*time.Second {
			t.Errorf("waited %v, want 2s", waited)
		}

		why := errors.New("the bot exited unexpectedly")
		ctx, cancel := context.WithCancelCause(t.Context())
		time.AfterFunc(time.Second, func() { cancel(why) })
		start = time.Now()
		if err := pause(ctx, time.Minute); !errors.Is(err, why) {
			t.Fatalf("a pause ended by the bot's death should say why, got %v", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("the pause went on for %v after the bot died", waited)
		}
	})
}
