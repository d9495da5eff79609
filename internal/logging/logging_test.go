package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactsSecretsEverywhere(t *testing.T) {
	const secret = "secret-token-123"
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log := New(&buf, "debug", format, []string{secret})
			log = log.With("token", secret).WithGroup("g")
			log.Info("login with "+secret,
				"err", errors.New("401: bad token "+secret),
				slog.Group("req", "auth", "Bot "+secret),
				"n", 3)
			out := buf.String()
			if strings.Contains(out, secret) {
				t.Fatalf("secret leaked: %s", out)
			}
			if strings.Count(out, "***") != 4 || !strings.Contains(out, "3") {
				t.Fatalf("expected 4 masks and the other values kept: %s", out)
			}
		})
	}
}

func TestLevelAndFormat(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "warn", "json", nil)
	log.Info("hidden")
	log.Warn("shown", "k", "v")
	if strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), `"msg":"shown"`) {
		t.Fatalf("got %s", buf.String())
	}
}
