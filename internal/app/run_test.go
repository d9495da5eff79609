package app

import (
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
)

func TestClientIDIsTheDatabaseAndBackendNotTheCredentials(t *testing.T) {
	id := func(dbURL, backend string) string {
		cfg := config.Default()
		cfg.Database.URL = dbURL
		return clientID(cfg, config.Backend{Name: backend})
	}
	base := id("postgres://bot:old@db:5432/bot", "gpu1")
	if got := id("postgres://bot:new@db:5432/bot", "gpu1"); got != base {
		t.Errorf("a new database password changed the client id: %s → %s", base, got)
	}
	for name, other := range map[string]string{
		"another backend":  id("postgres://bot:old@db:5432/bot", "gpu2"),
		"another database": id("postgres://bot:old@db:5432/other", "gpu1"),
		"sqlite":           id("sqlite:bot.db", "gpu1"),
	} {
		if other == base {
			t.Errorf("%s has the same client id %s", name, base)
		}
	}
	if a, b := id("sqlite:bot.db", "gpu1"), id("sqlite:bot.db", "gpu1"); a != b {
		t.Errorf("the client id is not stable: %s, %s", a, b)
	}
}
