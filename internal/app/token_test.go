//go:build !race

package app

import (
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// A token Discord refuses says what to do, in check and in run, and never
// shows the token.
func TestWrongDiscordTokenSaysWhatToDo(t *testing.T) {
	const want = "Discord refused the token (%s): reset it in the Developer Portal → Bot → Reset Token and set DISCORDBOT_DISCORD_TOKEN"
	cases := []struct {
		name, cmd, how string
		out            func(result) string
	}{
		{"check", "check", "401", func(r result) string { return r.stdout }},
		{"run", "run", "gateway close 4004", func(r result) string { return r.stderr }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A refused token is what this test is about, not a contract
			// violation of the bot's.
			w := newWorld(t, withoutBot(), withDiscord(discordtest.WithRecordedViolations()))
			w.env["DISCORDBOT_DISCORD_TOKEN"] = testToken // well-formed, not the fake's
			r := runApp(t, t.Context(), w.env, c.cmd)
			out := c.out(r)
			if r.code != ExitUsage || !strings.Contains(out, strings.Replace(want, "%s", c.how, 1)) {
				t.Fatalf("exit %d, want 2 with %q:\n%s%s", r.code, strings.Replace(want, "%s", c.how, 1), r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, "secret-token-123") {
				t.Fatalf("the token printed:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}
