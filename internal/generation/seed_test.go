package generation

import (
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

func TestSeedIsAskedSidecarOrDrawnWithinTheInputsRange(t *testing.T) {
	graph := `{
		"1": {"class_type": "TinySeed", "inputs": {"seed": 5}},
		"3": {"class_type": "KSampler", "inputs": {"seed": ["1", 0], "steps": 20, "cfg": 7, "sampler_name": "euler",
			"scheduler": "normal", "denoise": 1}}
	}`
	w, err := workflow.Parse([]byte(graph))
	if err != nil {
		t.Fatal(err)
	}
	info, err := workflow.ParseObjectInfo([]byte(`{"TinySeed": {"input": {"required": {"seed": ["INT", {"min": 10, "max": 20}]}},
		"output": ["INT"], "output_node": false}}`))
	if err != nil {
		t.Fatal(err)
	}
	sidecar, err := workflow.ParseSidecar([]byte("defaults:\n  seed: 17\n"))
	if err != nil {
		t.Fatal(err)
	}
	plain := workflow.NewEntry("tiny", "", w, nil)
	withDefault := workflow.NewEntry("tiny", "", w, sidecar)
	huge := func() uint64 { return 1<<64 - 1 }
	tests := []struct {
		name  string
		entry *workflow.Entry
		asked *uint64
		s     Server
		lo    uint64
		hi    uint64
	}{
		{"asked, even outside the range: validation names it", plain, model.Ptr(uint64(99)), Server{Info: info}, 99, 99},
		{"the sidecar's default", withDefault, nil, Server{Info: info}, 17, 17},
		{"drawn within the input's range", plain, nil, Server{Info: info}, 10, 20},
		{"drawn typeable while no server answered", plain, nil, Server{}, 0, MaxSeed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, next := range []func() uint64{huge, func() uint64 { return 0 }, func() uint64 { return 12345 }} {
				if got := Seed(tc.entry, tc.asked, tc.s, next); got < tc.lo || got > tc.hi {
					t.Errorf("Seed = %d, want %d..%d", got, tc.lo, tc.hi)
				}
			}
		})
	}
}

func TestIgnoredNamesWhatTheWorkflowCannotTake(t *testing.T) {
	w, err := workflow.Parse([]byte(`{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
		"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": ["4", 1]}},
		"9": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "x"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	entry := workflow.NewEntry("bare", "", w, nil)
	got := Ignored(entry, model.Params{Prompt: "a fox", Steps: model.Ptr(30)})
	if len(got) != 1 || got[0] != workflow.ParamSteps {
		t.Errorf("Ignored = %v, want [steps]: the prompt binds and no seed was asked for", got)
	}
	if got := Ignored(entry, model.Params{Prompt: "a fox", Seed: model.Ptr(uint64(1))}); len(got) != 1 || got[0] != workflow.ParamSeed {
		t.Errorf("Ignored = %v, want [seed] when one was asked for", got)
	}
}
