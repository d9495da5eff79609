package workflow

import (
	"slices"
	"strings"
	"testing"
)

// Graphs in the shapes of published custom nodes (input names as their packs declare them),
// reduced to the nodes that matter for binding.
func TestBindCustomShapes(t *testing.T) {
	tests := []struct {
		name  string
		graph string
		main  string
		want  want
		warn  string // a warning that must be given, "" for none expected
	}{
		{name: "efficiency nodes loader and sampler", main: "2", graph: `{
			"1": {"class_type": "Efficient Loader", "inputs": {"ckpt_name": "dreamshaper_8.safetensors", "vae_name": "Baked VAE",
				"clip_skip": -1, "lora_name": "None", "positive": "a castle on a hill", "negative": "blurry",
				"token_normalization": "none", "weight_interpretation": "comfy", "empty_latent_width": 512,
				"empty_latent_height": 768, "batch_size": 1}},
			"2": {"class_type": "KSampler (Efficient)", "inputs": {"model": ["1", 0], "seed": 5, "steps": 25, "cfg": 7,
				"sampler_name": "euler", "scheduler": "normal", "positive": ["1", 1], "negative": ["1", 2],
				"latent_image": ["1", 3], "denoise": 1, "preview_method": "auto", "vae_decode": "true"}},
			"3": {"class_type": "SaveImage", "inputs": {"images": ["2", 5], "filename_prefix": "x"}}}`,
			want: want{ParamPrompt: "trace 1.positive", ParamNegative: "trace 1.negative", ParamSeed: "trace 2.seed",
				ParamSteps: "trace 2.steps", ParamCFG: "trace 2.cfg", ParamWidth: "trace 1.empty_latent_width",
				ParamHeight: "trace 1.empty_latent_height", ParamCheckpoint: "trace 1.ckpt_name"}},
		{name: "xlabs sampler with a flux encoder", main: "5", graph: `{
			"1": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors", "weight_dtype": "fp8_e4m3fn"}},
			"2": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "clip_l.safetensors", "clip_name2": "t5xxl.safetensors", "type": "flux"}},
			"3": {"class_type": "CLIPTextEncodeFlux", "inputs": {"clip": ["2", 0], "clip_l": "a fox", "t5xxl": "a fox in the snow", "guidance": 4}},
			"4": {"class_type": "CLIPTextEncodeFlux", "inputs": {"clip": ["2", 0], "clip_l": "", "t5xxl": "", "guidance": 4}},
			"6": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
			"5": {"class_type": "XlabsSampler", "inputs": {"model": ["1", 0], "conditioning": ["3", 0], "neg_conditioning": ["4", 0],
				"noise_seed": 9, "steps": 25, "timestep_to_start_cfg": 1, "true_gs": 3.5, "image_to_image_strength": 0,
				"denoise_strength": 1, "latent_image": ["6", 0]}}}`,
			want: want{ParamPrompt: "trace 3.clip_l 3.t5xxl", ParamNegative: "trace 4.clip_l 4.t5xxl", ParamSeed: "trace 5.noise_seed",
				ParamSteps: "trace 5.steps", ParamCFG: "trace 3.guidance", ParamWidth: "trace 6.width",
				ParamCheckpoint: "trace 1.unet_name"}},
		{name: "upscale pass is not the main sampler", main: "3", graph: `{
			"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
			"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a harbour", "clip": ["4", 1]}},
			"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["4", 1]}},
			"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
			"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7, "model": ["4", 0], "positive": ["6", 0],
				"negative": ["7", 0], "latent_image": ["5", 0], "denoise": 1}},
			"8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
			"10": {"class_type": "UltimateSDUpscale", "inputs": {"image": ["8", 0], "model": ["4", 0], "positive": ["6", 0],
				"negative": ["7", 0], "vae": ["4", 2], "upscale_by": 2, "seed": 2, "steps": 10, "cfg": 5, "denoise": 0.3}}}`,
			want: want{ParamPrompt: "trace 6.text", ParamNegative: "trace 7.text", ParamSeed: "trace 3.seed 10.seed",
				ParamSteps: "trace 3.steps", ParamCFG: "trace 3.cfg", ParamWidth: "trace 5.width"}},
		{name: "prompt joined by string nodes", main: "3", warn: "joined by node 21", graph: `{
			"20": {"class_type": "PrimitiveStringMultiline", "inputs": {"value": "a lighthouse at dusk"}},
			"22": {"class_type": "PrimitiveString", "inputs": {"value": "masterpiece, best quality"}},
			"21": {"class_type": "StringConcatenate", "inputs": {"string_a": ["20", 0], "string_b": ["22", 0], "delimiter": ", "}},
			"23": {"class_type": "ShowText|pysssss", "inputs": {"text": ["21", 0]}},
			"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
			"6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["23", 0], "clip": ["4", 1]}},
			"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["4", 1]}},
			"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
			"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7, "model": ["4", 0], "positive": ["6", 0],
				"negative": ["7", 0], "latent_image": ["5", 0], "denoise": 1}}}`,
			want: want{ParamPrompt: "trace 20.value", ParamNegative: "trace 7.text"}},
		{name: "titled positive, untitled negative", main: "3", graph: `{
			"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
			"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": ["4", 1]}, "_meta": {"title": "Prompt"}},
			"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["4", 1]}},
			"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
			"3": {"class_type": "SamplerDPMPP_Custom", "inputs": {"noise_seed": 1, "steps": 20, "model": ["4", 0],
				"positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}}}`,
			want: want{ParamPrompt: "title 6.text", ParamNegative: "trace 7.text", ParamSeed: "trace 3.noise_seed"}},
		{name: "flux on a plain KSampler binds guidance, not the sampler's cfg", main: "3", graph: `{
			"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": ["4", 1]}},
			"26": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["6", 0]}},
			"7": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["6", 0]}},
			"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "flux1-dev-fp8.safetensors"}},
			"5": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
			"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 1, "model": ["4", 0], "positive": ["26", 0],
				"negative": ["7", 0], "latent_image": ["5", 0], "denoise": 1}}}`,
			want: want{ParamPrompt: "trace 6.text", ParamNegative: "", ParamCFG: "trace 26.guidance"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Bind(mustParse(t, []byte(tt.graph)), nil)
			if b.Main != tt.main {
				t.Errorf("main sampler = %q, want %q", b.Main, tt.main)
			}
			for p, w := range tt.want {
				if got := describeBinding(b, p); got != w {
					t.Errorf("%s = %q, want %q", p, got, w)
				}
			}
			if tt.warn != "" && !slices.ContainsFunc(b.Warnings, func(s string) bool { return strings.Contains(s, tt.warn) }) {
				t.Errorf("no warning containing %q: %q", tt.warn, b.Warnings)
			}
			if t.Failed() {
				t.Logf("warnings: %q", b.Warnings)
			}
		})
	}
}

// With the server's catalogue, types decide: a custom conditioning node with positive and
// negative inputs and a seed-like knob is not taken for a sampler when it outputs
// CONDITIONING.
func TestBindWithInfoUsesTypes(t *testing.T) {
	info := objectInfo(t)
	info["MyConditioner"] = Class{Name: "MyConditioner", Outputs: []string{"CONDITIONING", "CONDITIONING"},
		Inputs: map[string]InputSpec{
			"positive": {Name: "positive", Type: "CONDITIONING", Required: true},
			"negative": {Name: "negative", Type: "CONDITIONING", Required: true},
			"seed":     {Name: "seed", Type: "INT", Required: true},
			"latent":   {Name: "latent", Type: "LATENT", Required: true},
		}, Required: []string{"positive", "negative", "seed", "latent"}}
	graph := `{
		"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
		"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": ["4", 1]}},
		"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["4", 1]}},
		"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
		"2": {"class_type": "MyConditioner", "inputs": {"positive": ["6", 0], "negative": ["7", 0], "seed": 3, "latent": ["5", 0]}},
		"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7, "model": ["4", 0], "positive": ["2", 0],
			"negative": ["2", 1], "latent_image": ["5", 0], "denoise": 1}}
	}`
	w := mustParse(t, []byte(graph))
	if got := describeBinding(Bind(w, nil), ParamSeed); got != "trace 2.seed 3.seed" {
		t.Errorf("by names alone: seed = %q, want both nodes (names cannot tell)", got)
	}
	b := BindWith(w, nil, info)
	for p, want := range (want{ParamSeed: "trace 3.seed", ParamPrompt: "trace 6.text", ParamNegative: "trace 7.text"}) {
		if got := describeBinding(b, p); got != want {
			t.Errorf("with types: %s = %q, want %q", p, got, want)
		}
	}
}
