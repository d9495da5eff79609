package jobs

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// A job keeps the values its graph ran with: the user's where given, the
// workflow's own elsewhere, and the checkpoint the backend really had.
func TestJobKeepsTheValuesItRanWith(t *testing.T) {
	h := newHarness(t)
	h.stop()
	h.fakes[0].SetModels("checkpoints", "dreamshaper.safetensors")
	h.start()
	job := h.submit("alice", model.Params{Prompt: "a red fox", Steps: model.Ptr(30)})
	// Queued: the built-in workflow's values, before any backend chose.
	want := model.Params{
		Steps: model.Ptr(30), CFG: model.Ptr(7.0), Width: model.Ptr(512), Height: model.Ptr(512),
		BatchSize: model.Ptr(1), Denoise: model.Ptr(1.0), Checkpoint: "dreamshaper.safetensors",
	}
	if !reflect.DeepEqual(job.Ran, want) {
		t.Errorf("queued job's values = %s, want %s", show(job.Ran), show(want))
	}
	done := h.waitStatus(job.ID, model.StatusCompleted)
	if !reflect.DeepEqual(done.Ran, want) {
		t.Errorf("completed job's values = %s, want %s", show(done.Ran), show(want))
	}
	if done.Params.Steps == nil || *done.Params.Steps != 30 || done.Params.CFG != nil || done.Params.Checkpoint != "" {
		t.Errorf("what the user asked for changed: %s", show(done.Params))
	}
}

func show(p model.Params) string {
	b, _ := json.Marshal(p)
	return string(b)
}
