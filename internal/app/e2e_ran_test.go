//go:build !race

package app

import (
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// A job with only a prompt shows the values it really ran with: the
// built-in workflow's steps, CFG and size, and the checkpoint the backend
// had in place of the one the workflow names.
func TestResultAndHistoryShowTheValuesThatRan(t *testing.T) {
	w := newWorld(t, withComfy(comfytest.WithModels("checkpoints", "dreamshaper_8.safetensors")))
	alice := w.generator("alice")
	id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a red fox"), discordtest.NumberArg("cfg", 5)))
	res := w.resultMessage(w.general, id)
	for name, want := range map[string]string{"Steps": "20", "CFG": "5", "Size": "512×512", "Checkpoint": `dreamshaper\_8.safetensors`} {
		if got := field(res, name); got != want {
			t.Errorf("result: %s = %q, want %q", name, got, want)
		}
	}
	v := w.slash(alice, "history view", discordtest.IntArg("id", id))
	for name, want := range map[string]string{"Steps": "20", "CFG": "5", "Size": "512×512", "Batch": "1", "Denoise": "1", "Checkpoint": `dreamshaper\_8.safetensors`} {
		if got := field(v, name); got != want {
			t.Errorf("history view: %s = %q, want %q", name, got, want)
		}
	}
	if md := w.openModal(alice, res, "Edit"); md.Fields[2].Value != "20" || md.Fields[3].Value != "5" {
		t.Errorf("Edit should offer the steps and CFG that ran: %+v", md.Fields)
	}
}
