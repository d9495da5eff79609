package workflow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// want describes an expected binding as "via node.input node.input…"; "" means unbound.
type want map[Param]string

func describeBinding(b Bindings, p Param) string {
	bind, ok := b.Get(p)
	if !ok {
		return ""
	}
	parts := []string{string(bind.Via)}
	for _, t := range bind.Targets {
		parts = append(parts, t.Node+"."+t.Input)
	}
	return strings.Join(parts, " ")
}

func TestBindTestdata(t *testing.T) {
	tests := []struct {
		file    string
		sidecar string
		main    string
		want    want
	}{
		{file: "sd15_basic.json", main: "3", want: want{
			ParamPrompt: "trace 6.text", ParamNegative: "trace 7.text", ParamSeed: "trace 3.seed",
			ParamSteps: "trace 3.steps", ParamCFG: "trace 3.cfg", ParamWidth: "trace 5.width",
			ParamHeight: "trace 5.height", ParamDenoise: "trace 3.denoise", ParamBatchSize: "trace 5.batch_size",
			ParamCheckpoint: "trace 4.ckpt_name",
		}},
		{file: "sd15_hires.json", main: "3", want: want{
			ParamPrompt: "trace 6.text", ParamNegative: "trace 7.text", ParamSeed: "trace 3.seed 11.seed",
			ParamSteps: "trace 3.steps", ParamCFG: "trace 3.cfg", ParamWidth: "trace 5.width",
			ParamHeight: "trace 5.height", ParamDenoise: "trace 3.denoise", ParamBatchSize: "trace 5.batch_size",
			ParamCheckpoint: "trace 16.ckpt_name",
		}},
		{file: "sdxl_refiner.json", main: "10", want: want{
			ParamPrompt: "trace 75.text_g 75.text_l 120.text", ParamNegative: "trace 82.text_g 82.text_l 81.text",
			ParamSeed: "trace 10.noise_seed 11.noise_seed", ParamSteps: "trace 10.steps 11.steps",
			ParamCFG: "trace 10.cfg", ParamWidth: "trace 5.width", ParamHeight: "trace 5.height",
			ParamDenoise: "", ParamBatchSize: "trace 5.batch_size", ParamCheckpoint: "trace 4.ckpt_name",
		}},
		{file: "sd3.json", main: "271", want: want{
			ParamPrompt: "trace 6.text", ParamNegative: "trace 71.text", ParamSeed: "trace 271.seed",
			ParamSteps: "trace 271.steps", ParamCFG: "trace 271.cfg", ParamWidth: "trace 135.width",
			ParamHeight: "trace 135.height", ParamDenoise: "trace 271.denoise", ParamBatchSize: "trace 135.batch_size",
			ParamCheckpoint: "trace 252.ckpt_name",
		}},
		// Flux has no negative prompt and no cfg in the usual sense: cfg binds to FluxGuidance,
		// and the size to ModelSamplingFlux's as well as the latent's.
		{file: "flux.json", main: "13", want: want{
			ParamPrompt: "trace 6.text", ParamNegative: "", ParamSeed: "trace 25.noise_seed",
			ParamSteps: "trace 17.steps", ParamCFG: "trace 26.guidance", ParamWidth: "trace 27.width 30.width",
			ParamHeight: "trace 27.height 30.height", ParamDenoise: "trace 17.denoise", ParamBatchSize: "trace 27.batch_size",
			ParamCheckpoint: "trace 12.unet_name",
		}},
		{file: "primitive_prompt.json", main: "3", want: want{
			ParamPrompt: "trace 20.value", ParamNegative: "trace 7.text", ParamSeed: "trace 21.value",
			ParamSteps: "trace 3.steps", ParamCFG: "trace 3.cfg", ParamWidth: "trace 5.width",
			ParamHeight: "trace 5.height", ParamDenoise: "trace 3.denoise", ParamBatchSize: "trace 5.batch_size",
			ParamCheckpoint: "trace 4.ckpt_name",
		}},
		{file: "custom_seed.json", sidecar: "custom_seed.yaml", main: "3", want: want{
			ParamPrompt: "sidecar 31.subject", ParamNegative: "trace 7.text", ParamSeed: "sidecar 30.seed_value",
			ParamSteps: "trace 3.steps", ParamCFG: "trace 3.cfg", ParamWidth: "trace 5.width",
			ParamHeight: "trace 5.height", ParamDenoise: "trace 3.denoise", ParamBatchSize: "trace 5.batch_size",
			ParamCheckpoint: "trace 4.ckpt_name",
		}},
		// Without its sidecar the prompt composer cannot be traced into (its text inputs are
		// subject and style); the seed node's seed_value is found by its name.
		{file: "custom_seed.json", main: "3", want: want{
			ParamPrompt: "", ParamNegative: "trace 7.text", ParamSeed: "trace 30.seed_value",
			ParamSteps: "trace 3.steps", ParamCheckpoint: "trace 4.ckpt_name",
		}},
		{file: "../default.json", main: "3", want: want{
			ParamPrompt: "title 6.text", ParamNegative: "title 7.text", ParamSeed: "trace 3.seed",
			ParamSteps: "trace 3.steps", ParamCFG: "trace 3.cfg", ParamWidth: "trace 5.width",
			ParamHeight: "trace 5.height", ParamDenoise: "trace 3.denoise", ParamBatchSize: "trace 5.batch_size",
			ParamCheckpoint: "trace 4.ckpt_name",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"+"+tt.sidecar, func(t *testing.T) {
			w := mustParse(t, readTestdata(t, tt.file))
			var sc *Sidecar
			if tt.sidecar != "" {
				sc = mustSidecar(t, string(readTestdata(t, tt.sidecar)))
			}
			b := Bind(w, sc)
			if b.Main != tt.main {
				t.Errorf("main sampler = %q, want %q", b.Main, tt.main)
			}
			for p, w := range tt.want {
				if got := describeBinding(b, p); got != w {
					t.Errorf("%s = %q, want %q", p, got, w)
				}
			}
			if t.Failed() {
				t.Logf("warnings: %q", b.Warnings)
			}
		})
	}
}

func TestBindTitles(t *testing.T) {
	tests := []struct {
		name  string
		graph string
		param Param
		want  string
	}{
		{"titled primitive string", `{
			"1": {"class_type": "PrimitiveStringMultiline", "inputs": {"value": "a cat"}, "_meta": {"title": "positive prompt"}}}`,
			ParamPrompt, "title 1.value"},
		{"titled encoder fed by primitive", `{
			"1": {"class_type": "PrimitiveString", "inputs": {"value": "a cat"}},
			"2": {"class_type": "CLIPTextEncode", "inputs": {"text": ["1", 0]}, "_meta": {"title": "Positive Prompt"}}}`,
			ParamPrompt, "title 1.value"},
		{"titled sampler seed", `{
			"3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 4}, "_meta": {"title": " SEED "}}}`,
			ParamSeed, "title 3.seed"},
		{"titled random noise", `{
			"25": {"class_type": "RandomNoise", "inputs": {"noise_seed": 5}, "_meta": {"title": "Seed"}}}`,
			ParamSeed, "title 25.noise_seed"},
		{"titled int primitive", `{
			"7": {"class_type": "PrimitiveInt", "inputs": {"value": 768}, "_meta": {"title": "Width"}}}`,
			ParamWidth, "title 7.value"},
		{"titled flux guidance as cfg", `{
			"26": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5}, "_meta": {"title": "CFG"}}}`,
			ParamCFG, "title 26.guidance"},
		{"titled steps on scheduler", `{
			"17": {"class_type": "BasicScheduler", "inputs": {"steps": 20, "denoise": 1}, "_meta": {"title": "Steps"}}}`,
			ParamSteps, "title 17.steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A titled node that feeds nothing never runs, so each graph gets a consumer.
			w := mustParse(t, []byte(tt.graph))
			for _, id := range w.IDs() {
				w.nodes["consumer_of_"+id] = &Node{ID: "consumer_of_" + id, Class: "PreviewAny",
					inputs: map[string]any{"source": Link{Node: id}}, order: []string{"source"}}
			}
			b := Bind(w, nil)
			if got := describeBinding(b, tt.param); got != tt.want {
				t.Errorf("%s = %q, want %q (warnings %q)", tt.param, got, tt.want, b.Warnings)
			}
		})
	}
}

// Nodes linked to nothing are left over in a file (ComfyUI never runs them): their titles,
// seeds and samplers are not bound.
func TestBindIgnoresIsolatedNodes(t *testing.T) {
	w := mustParse(t, readTestdata(t, "sd15_basic.json"))
	w.nodes["40"] = &Node{ID: "40", Class: "PrimitiveStringMultiline", Title: "Positive Prompt",
		inputs: map[string]any{"value": "left over"}, order: []string{"value"}}
	w.nodes["41"] = &Node{ID: "41", Class: "KSampler", inputs: map[string]any{"seed": json.Number("5"), "steps": json.Number("20")},
		order: []string{"seed", "steps"}}
	b := Bind(w, nil)
	for p, want := range (want{ParamPrompt: "trace 6.text", ParamSeed: "trace 3.seed"}) {
		if got := describeBinding(b, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
}

func TestBindTitleBeatsTrace(t *testing.T) {
	w := mustParse(t, readTestdata(t, "sd15_basic.json"))
	// Title the negative encoder "Positive Prompt": the title wins over the traced positive.
	mustNode(t, w, "7").Title = "Positive Prompt"
	b := Bind(w, nil)
	if got := describeBinding(b, ParamPrompt); got != "title 7.text" {
		t.Errorf("prompt = %q, want title 7.text", got)
	}
	// The traced negative is the same input, so it is dropped rather than overwriting the prompt.
	if got := describeBinding(b, ParamNegative); got != "" {
		t.Errorf("negative = %q, want unbound", got)
	}
}

func TestBindTracesThroughPassThroughs(t *testing.T) {
	graph := `{
		"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
		"10": {"class_type": "LoraLoader", "inputs": {"model": ["4", 0], "clip": ["4", 1], "lora_name": "x.safetensors",
			"strength_model": 1, "strength_clip": 1}},
		"11": {"class_type": "LoraLoader", "inputs": {"model": ["10", 0], "clip": ["10", 1], "lora_name": "y.safetensors",
			"strength_model": 1, "strength_clip": 1}},
		"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a castle", "clip": ["11", 1]}},
		"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["11", 1]}},
		"12": {"class_type": "ControlNetLoader", "inputs": {"control_net_name": "canny.safetensors"}},
		"13": {"class_type": "LoadImage", "inputs": {"image": "edges.png"}},
		"14": {"class_type": "ControlNetApplyAdvanced", "inputs": {"positive": ["6", 0], "negative": ["7", 0],
			"control_net": ["12", 0], "image": ["13", 0], "strength": 1, "start_percent": 0, "end_percent": 1}},
		"15": {"class_type": "Reroute", "inputs": {"": ["14", 0]}},
		"17": {"class_type": "Reroute", "inputs": {"": ["11", 0]}},
		"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 640, "batch_size": 1}},
		"16": {"class_type": "RepeatLatentBatch", "inputs": {"samples": ["5", 0], "amount": 2}},
		"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7, "sampler_name": "euler",
			"scheduler": "normal", "denoise": 1, "model": ["17", 0], "positive": ["15", 0], "negative": ["14", 1],
			"latent_image": ["16", 0]}},
		"8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
		"9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "x"}}
	}`
	b := Bind(mustParse(t, []byte(graph)), nil)
	for p, w := range (want{ParamPrompt: "trace 6.text", ParamNegative: "trace 7.text",
		ParamCheckpoint: "trace 4.ckpt_name", ParamHeight: "trace 5.height"}) {
		if got := describeBinding(b, p); got != w {
			t.Errorf("%s = %q, want %q", p, got, w)
		}
	}
}

func TestBindClassRules(t *testing.T) {
	// No sampler: the only latent and the only text encoder still bind.
	graph := `{
		"5": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
		"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a dog", "clip": ["4", 0]}},
		"4": {"class_type": "CLIPLoader", "inputs": {"clip_name": "t5.safetensors", "type": "sd3"}},
		"8": {"class_type": "EmptyLatentImage", "inputs": {"width": 1, "height": 1, "batch_size": 1}},
		"9": {"class_type": "EmptyLatentImage", "inputs": {"width": 2, "height": 2, "batch_size": 1}},
		"10": {"class_type": "LatentBatch", "inputs": {"samples1": ["5", 0], "samples2": ["8", 0]}},
		"11": {"class_type": "LatentBatch", "inputs": {"samples1": ["10", 0], "samples2": ["9", 0]}},
		"12": {"class_type": "ConditioningAverage", "inputs": {"conditioning_to": ["6", 0]}}
	}`
	b := Bind(mustParse(t, []byte(graph)), nil)
	if got := describeBinding(b, ParamPrompt); got != "class 6.text" {
		t.Errorf("prompt = %q, want class 6.text", got)
	}
	if got := describeBinding(b, ParamWidth); got != "" {
		t.Errorf("width = %q, want unbound (three latents)", got)
	}
	if !slices.ContainsFunc(b.Warnings, func(s string) bool { return strings.Contains(s, "several nodes could hold width") }) {
		t.Errorf("no warning about several width candidates: %q", b.Warnings)
	}
}

func TestBindWarnsWithoutPrompt(t *testing.T) {
	b := Bind(mustParse(t, []byte(`{"1": {"class_type": "EmptyImage", "inputs": {"width": 8}}}`)), nil)
	if !slices.ContainsFunc(b.Warnings, func(s string) bool { return strings.HasPrefix(s, "no prompt found") }) {
		t.Errorf("warnings = %q, want one about the missing prompt", b.Warnings)
	}
}

func TestBindSurvivesCycles(t *testing.T) {
	graph := `{
		"1": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["2", 0], "conditioning_2": ["1", 0]}},
		"2": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["1", 0], "conditioning_2": ["2", 0]}},
		"3": {"class_type": "KSampler", "inputs": {"seed": ["4", 0], "positive": ["1", 0], "negative": ["2", 0],
			"latent_image": ["5", 0], "model": ["6", 0]}},
		"4": {"class_type": "Reroute", "inputs": {"x": ["4", 0]}},
		"5": {"class_type": "LatentUpscale", "inputs": {"samples": ["5", 0]}},
		"6": {"class_type": "LoraLoader", "inputs": {"model": ["6", 0]}}
	}`
	b := Bind(mustParse(t, []byte(graph)), nil)
	if _, ok := b.Get(ParamPrompt); ok {
		t.Errorf("prompt bound in a cycle: %s", describeBinding(b, ParamPrompt))
	}
}

func TestBindSidecarListAndMissingNode(t *testing.T) {
	w := mustParse(t, readTestdata(t, "sd15_basic.json"))
	sc := mustSidecar(t, `
bindings:
  prompt: [{node: "6", input: text}, {node: "7", input: text}]
  seed: {node: "99", input: seed}
`)
	b := Bind(w, sc)
	if got := describeBinding(b, ParamPrompt); got != "sidecar 6.text 7.text" {
		t.Errorf("prompt = %q", got)
	}
	// The sidecar's seed points nowhere: it is reported and tracing takes over.
	if got := describeBinding(b, ParamSeed); got != "trace 3.seed" {
		t.Errorf("seed = %q", got)
	}
	if !slices.ContainsFunc(b.Warnings, func(s string) bool { return strings.Contains(s, "node 99") }) {
		t.Errorf("warnings = %q, want one naming node 99", b.Warnings)
	}
	// The traced negative is an input the sidecar gave to the prompt, so it is left unbound.
	if got := describeBinding(b, ParamNegative); got != "" {
		t.Errorf("negative = %q, want unbound", got)
	}
}

func TestBindSeveralFirstPassSamplers(t *testing.T) {
	graph := `{
		"1": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 10, "latent_image": ["3", 0], "positive": ["4", 0]}},
		"2": {"class_type": "KSampler", "inputs": {"seed": 2, "steps": 30, "latent_image": ["3", 0], "positive": ["4", 0]}},
		"3": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
		"4": {"class_type": "CLIPTextEncode", "inputs": {"text": "x", "clip": ["5", 0]}},
		"5": {"class_type": "CLIPLoader", "inputs": {"clip_name": "c"}}
	}`
	b := Bind(mustParse(t, []byte(graph)), nil)
	if b.Main != "1" || describeBinding(b, ParamSteps) != "trace 1.steps" || describeBinding(b, ParamSeed) != "trace 1.seed 2.seed" {
		t.Errorf("main %q steps %q seed %q", b.Main, describeBinding(b, ParamSteps), describeBinding(b, ParamSeed))
	}
	if len(b.Warnings) == 0 || !strings.Contains(fmt.Sprint(b.Warnings), "several first-pass samplers") {
		t.Errorf("warnings = %q", b.Warnings)
	}
}

// ConditioningZeroOut discards its input's text, so a negative made by zeroing is empty:
// it stays unbound (and Bindings.Missing tells the caller) rather than pointing at an
// encoder whose text has no effect — or at the positive prompt itself.
func TestBindZeroOutNegative(t *testing.T) {
	for _, source := range []string{"6", "7"} {
		t.Run("zero out of node "+source, func(t *testing.T) {
			graph := `{
				"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a boat", "clip": ["4", 1]}},
				"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
				"8": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["` + source + `", 0]}},
				"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a"}},
				"5": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
				"3": {"class_type": "KSampler", "inputs": {"seed": 1, "model": ["4", 0], "positive": ["6", 0],
					"negative": ["8", 0], "latent_image": ["5", 0]}}
			}`
			b := Bind(mustParse(t, []byte(graph)), nil)
			if got := describeBinding(b, ParamPrompt); got != "trace 6.text" {
				t.Errorf("prompt = %q", got)
			}
			if got := describeBinding(b, ParamNegative); got != "" {
				t.Errorf("negative = %q, want unbound", got)
			}
		})
	}
}
