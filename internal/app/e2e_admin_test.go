//go:build !race

package app

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

func TestBotConnectsRegistersOnceAndAdministers(t *testing.T) {
	w := newWorld(t)
	owner := w.guild.Owner()
	alice := w.member("alice")

	names := map[string]bool{}
	for _, c := range w.discord.Commands(w.guild.ID) {
		names[c.Name] = true
	}
	for _, want := range []string{"generate", "queue", "template", "history", "preferences", "admin", "help"} {
		if !names[want] {
			t.Errorf("command /%s not registered", want)
		}
	}

	// A member without the admin level is refused, and told what grants it.
	refusal := w.slash(alice, "admin status")
	if !refusal.Ephemeral || !strings.Contains(text(refusal), "admin") {
		t.Fatalf("want a private refusal naming the admin level, got %+v", refusal)
	}

	// The owner maps the generator role; alice with it may generate.
	done := w.slash(owner, "admin setroles", discordtest.RoleArg("generator", w.genRole))
	if !strings.Contains(text(done), "<@&"+w.genRole.ID.String()+">") {
		t.Fatalf("setroles should confirm the mapping: %s", text(done))
	}
	roles := w.slash(owner, "admin roles")
	if !strings.Contains(text(roles), "Generator**: <@&"+w.genRole.ID.String()) {
		t.Fatalf("roles should list the mapping: %s", text(roles))
	}
	status := w.slash(owner, "admin status")
	if !strings.Contains(text(status), "gpu1") {
		t.Fatalf("status should list the backend: %s", text(status))
	}
	// The process answering holds the lease, in its first term.
	self := fmt.Sprintf("(pid %d) · term 1", os.Getpid())
	if !strings.Contains(text(status), self) {
		t.Fatalf("status should name the active process, %q: %s", self, text(status))
	}

	// A restart registers nothing again: the commands did not change.
	w.restart()
	if !strings.Contains(w.logs.String(), "slash commands already up to date") {
		t.Fatalf("a restart must not re-register unchanged commands; logs:\n%s", tail(w.logs.String(), 2000))
	}
	// The stopped process released the lease; the new one took it at once.
	if again := text(w.slash(owner, "admin status")); !strings.Contains(again, fmt.Sprintf("(pid %d) · term 2", os.Getpid())) {
		t.Fatalf("after a restart the status should show term 2: %s", again)
	}
	w.noViolations()
}
