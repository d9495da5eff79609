package generation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/logging"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// A graph is built with the bindings the backend's node types give: here a custom
// conditioning node with a seed input, which input names alone take for a second sampler.
func TestBuildBindsWithTheServersTypes(t *testing.T) {
	graph := `{
		"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": ["4", 1]}},
		"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["4", 1]}},
		"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
		"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
		"2": {"class_type": "NoiseConditioner", "inputs": {"positive": ["6", 0], "negative": ["7", 0], "seed": 3, "latent": ["5", 0]}},
		"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7, "sampler_name": "euler",
			"scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["2", 0], "negative": ["2", 1], "latent_image": ["5", 0]}},
		"8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
		"9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "x"}}
	}`
	w, err := workflow.Parse([]byte(graph))
	if err != nil {
		t.Fatal(err)
	}
	info := stockInfo(t)
	custom, err := workflow.ParseObjectInfo([]byte(`{
		"NoiseConditioner": {"input": {"required": {"positive": ["CONDITIONING"], "negative": ["CONDITIONING"],
			"seed": ["INT", {"min": 0, "max": 100}], "latent": ["LATENT"]}},
			"output": ["CONDITIONING", "CONDITIONING"], "output_node": false}}`))
	if err != nil {
		t.Fatal(err)
	}
	info["NoiseConditioner"] = custom["NoiseConditioner"]
	entry := workflow.NewEntry("custom", "", w, nil)
	r := Request{Seed: 42, Params: model.Params{Prompt: "a red fox"}}
	seedOf := func(w *workflow.Workflow, id string) any {
		n, _ := w.Node(id)
		v, _ := n.Input("seed")
		return v
	}
	untyped, err := Build(entry, r, Server{}, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if seedOf(untyped.Workflow, "2") != json.Number("42") {
		t.Fatalf("by names alone the custom node's seed is set too: %v", seedOf(untyped.Workflow, "2"))
	}
	// The backend's catalogue says node 2 is a conditioning step: only the sampler's seed
	// changes, and node 2's stays inside its 0..100 range, so the graph validates.
	typed, err := Build(entry, r, Server{Info: info, Checkpoints: []string{"a.safetensors"}}, logging.Discard())
	if err != nil {
		t.Fatalf("with types: %v", err)
	}
	if seedOf(typed.Workflow, "2") != json.Number("3") || seedOf(typed.Workflow, "3") != json.Number("42") {
		t.Errorf("with types: seeds %v and %v, want 3 and 42", seedOf(typed.Workflow, "2"), seedOf(typed.Workflow, "3"))
	}
}

// stockInfo is a stock ComfyUI's catalogue, offering the checkpoint a.safetensors.
func stockInfo(t *testing.T) workflow.ObjectInfo {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "comfy", "comfytest", "object_info.json"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := workflow.ParseObjectInfo(data)
	if err != nil {
		t.Fatal(err)
	}
	spec := info["CheckpointLoaderSimple"].Inputs["ckpt_name"]
	spec.Choices = []string{"a.safetensors"}
	info["CheckpointLoaderSimple"].Inputs["ckpt_name"] = spec
	return info
}
