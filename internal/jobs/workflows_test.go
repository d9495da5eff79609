package jobs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// A server's workflow runs for that server's jobs only; the catalogues say
// what each up backend can run.
func TestServerWorkflowsAndCatalogues(t *testing.T) {
	h := newHarness(t)
	data, err := os.ReadFile(filepath.Join("..", "workflow", "testdata", "sd15_basic.json"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := workflow.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.opt.Library.Add("100", workflow.NewEntry("basic", "", w, nil)); err != nil {
		t.Fatal(err)
	}
	cats := h.m.Catalogues()
	if len(cats) != 1 || cats[0].Backend != "gpu1" || cats[0].Info["KSampler"].Name != "KSampler" || len(cats[0].Checkpoints) == 0 {
		t.Fatalf("Catalogues = %+v", cats)
	}
	if got := h.m.Workflows("100"); strings.Join(got, ",") != "basic,default" {
		t.Errorf("Workflows(100) = %v", got)
	}
	if got := h.m.Workflows("200"); strings.Join(got, ",") != "default" {
		t.Errorf("Workflows(200) = %v", got)
	}

	submit := func(guild string) (model.Job, error) {
		job, _, err := h.m.Submit(t.Context(), Request{Job: model.Job{UserID: "u", ChannelID: "1", GuildID: guild,
			WorkflowName: "basic", Params: model.Params{Prompt: "a red fox"}, Delivery: model.DeliveryChannel}, Limit: 10})
		return job, err
	}
	if _, err := submit("200"); model.ErrorCodeOf(err) != model.CodeInvalid || !strings.Contains(err.Error(), `no workflow named "basic"`) {
		t.Fatalf("another server's job = %v", err)
	}
	if _, err := submit(""); model.ErrorCodeOf(err) != model.CodeInvalid {
		t.Fatalf("a DM job = %v", err)
	}
	job, err := submit("100")
	if err != nil {
		t.Fatal(err)
	}
	h.waitStatus(job.ID, model.StatusCompleted)
	var graph map[string]struct {
		ClassType string         `json:"class_type"`
		Inputs    map[string]any `json:"inputs"`
	}
	for _, p := range h.fakes[0].Submitted() {
		if p.PromptID == h.job(job.ID).PromptID {
			if err := json.Unmarshal(p.Prompt, &graph); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(graph) != w.Len() || graph["6"].Inputs["text"] != "a red fox" {
		t.Fatalf("ComfyUI received %+v, want the server's workflow with the prompt", graph)
	}
}
