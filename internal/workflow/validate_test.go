package workflow

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParseObjectInfo(t *testing.T) {
	info := objectInfo(t)
	if len(info) != 383 {
		t.Errorf("classes = %d, want 383", len(info))
	}
	ks := info["KSampler"]
	if !slices.Equal(ks.Required, []string{"model", "seed", "steps", "cfg", "sampler_name", "scheduler",
		"positive", "negative", "latent_image", "denoise"}) {
		t.Errorf("KSampler required = %v", ks.Required)
	}
	if !slices.Contains(ks.Inputs["sampler_name"].Choices, "dpmpp_2m") || ks.Inputs["sampler_name"].Type != "COMBO" {
		t.Errorf("sampler_name = %+v", ks.Inputs["sampler_name"])
	}
	// The newer schema spells combos as ["COMBO", {"options": [...]}].
	if got := info["EmptySD3LatentImage"].Inputs["width"]; got.Type != "INT" || got.Min != "16" {
		t.Errorf("EmptySD3LatentImage width = %+v", got)
	}
	if !info["SaveImage"].OutputNode || info["KSampler"].OutputNode {
		t.Error("output_node not read")
	}
	if got := info["CheckpointLoaderSimple"].Outputs; !slices.Equal(got, []string{"MODEL", "CLIP", "VAE"}) {
		t.Errorf("outputs = %v", got)
	}
}

func TestParseObjectInfoShapes(t *testing.T) {
	data := `{
		"V3": {"input": {"required": {"mode": ["COMBO", {"options": ["a", "b"], "multiselect": false}]}}, "output": ["INT"]},
		"Odd": {"input": "nonsense"},
		"Weird": {"input": {"required": {"x": "not a list", "y": ["FLOAT", {"min": -1.5, "max": 1e3}]}}},
		"ListOut": {"input": {}, "output": [["a", "b"]]}
	}`
	info, err := ParseObjectInfo([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := info["V3"].Inputs["mode"]; got.Type != "COMBO" || !slices.Equal(got.Choices, []string{"a", "b"}) {
		t.Errorf("V3 combo = %+v", got)
	}
	if _, ok := info["Odd"]; !ok {
		t.Error("a malformed class must still count as installed")
	}
	if r, ok := info.InputRange("Weird", "y"); !ok || r.Min != "-1.5" || r.Max != "1e3" {
		t.Errorf("Weird.y range = %v %v", r, ok)
	}
	if got := info["ListOut"].Outputs; !slices.Equal(got, []string{"COMBO"}) {
		t.Errorf("list output = %v", got)
	}
	for _, bad := range []string{`[]`, `null`, `{`} {
		if _, err := ParseObjectInfo([]byte(bad)); err == nil {
			t.Errorf("ParseObjectInfo(%s) succeeded", bad)
		}
	}
}

func TestDefaultValidates(t *testing.T) {
	info := objectInfo(t)
	err := Validate(Default(), info)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Code != "value_not_in_list" ||
		ve.Problems[0].Input != "ckpt_name" {
		t.Fatalf("with no models installed, want exactly the checkpoint problem; got %v", err)
	}
	info = withChoices(info, "CheckpointLoaderSimple", "ckpt_name", "v1-5-pruned-emaonly-fp16.safetensors")
	if err := Validate(Default(), info); err != nil {
		t.Errorf("default workflow: %v", err)
	}
}

func TestTestdataValidates(t *testing.T) {
	info := objectInfo(t)
	models := []struct{ class, input string }{
		{"CheckpointLoaderSimple", "ckpt_name"}, {"UNETLoader", "unet_name"}, {"VAELoader", "vae_name"},
		{"DualCLIPLoader", "clip_name1"}, {"DualCLIPLoader", "clip_name2"}, {"TripleCLIPLoader", "clip_name1"},
		{"TripleCLIPLoader", "clip_name2"}, {"TripleCLIPLoader", "clip_name3"}, {"LoraLoader", "lora_name"},
	}
	names := []string{"v1-5-pruned-emaonly-fp16.safetensors", "v2-1_768-ema-pruned.safetensors",
		"sd_xl_base_1.0.safetensors", "sd_xl_refiner_1.0.safetensors", "sd3_medium.safetensors",
		"flux1-dev.safetensors", "ae.safetensors", "t5xxl_fp16.safetensors", "clip_l.safetensors",
		"clip_g.safetensors", "dreamshaper_8.safetensors", "add_detail.safetensors"}
	for _, m := range models {
		info = withChoices(info, m.class, m.input, names...)
	}
	for _, f := range []string{"sd15_basic.json", "sd15_hires.json", "sdxl_refiner.json", "sd3.json", "flux.json",
		"primitive_prompt.json"} {
		t.Run(f, func(t *testing.T) {
			if err := Validate(mustParse(t, readTestdata(t, f)), info); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestValidateProblems(t *testing.T) {
	info := withChoices(objectInfo(t), "CheckpointLoaderSimple", "ckpt_name",
		"a.safetensors", "b.safetensors", "c.safetensors", "d.safetensors", "e.safetensors", "f.safetensors", "g.safetensors")
	graph := `{
		"3": {"class_type": "KSampler", "inputs": {"seed": 18446744073709551616, "steps": 0, "cfg": 101,
			"sampler_name": "euler_fast", "scheduler": "normal", "denoise": "1.0", "model": ["4", 0],
			"positive": ["6", 0], "negative": ["4", 1], "latent_image": ["5", 0]}, "_meta": {"title": "Sampler"}},
		"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "missing.safetensors"}},
		"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": "tall"}},
		"6": {"class_type": "MagicPromptNode", "inputs": {"text": "x"}, "_meta": {"title": "Magic"}},
		"8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 7]}},
		"9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "x"}}
	}`
	err := Validate(mustParse(t, []byte(graph)), info)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want *ValidationError", err)
	}
	want := []struct{ code, node, input, message string }{
		{"value_bigger_than_max", "3", "seed", `node 3 "Sampler" (KSampler) input seed: 18446744073709551616 is above the maximum 18446744073709551615`},
		{"value_smaller_than_min", "3", "steps", "0 is below the minimum 1 (allowed 1..10000)"},
		{"value_bigger_than_max", "3", "cfg", "101 is above the maximum 100.0"},
		{"value_not_in_list", "3", "sampler_name", `text "euler_fast" is not available (allowed: "euler", "euler_cfg_pp"`},
		{"return_type_mismatch", "3", "negative", "expects CONDITIONING but node 4 (CheckpointLoaderSimple) output 1 gives CLIP"},
		{"value_not_in_list", "4", "ckpt_name", `"missing.safetensors" is not available (allowed: "a.safetensors", "b.safetensors", "c.safetensors", "d.safetensors", "e.safetensors" … (2 more))`},
		{"required_input_missing", "5", "batch_size", "required input is missing"},
		{"invalid_input_type", "5", "height", `text "tall" is not a number`},
		{"missing_node_type", "6", "", `node 6 "Magic" (MagicPromptNode): class MagicPromptNode is not installed on this ComfyUI; a custom node pack may be missing`},
		{"bad_linked_input", "8", "vae", "links to output 7 of node 4 (CheckpointLoaderSimple), which has 3 outputs"},
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(ve.Problems), len(want), strings.Join(messages(ve), "\n"))
	}
	for i, w := range want {
		if i >= len(ve.Problems) {
			break
		}
		p := ve.Problems[i]
		if p.Code != w.code || p.Node != w.node || p.Input != w.input || !strings.Contains(p.Message, w.message) {
			t.Errorf("problem %d = %+v\nwant code %s node %s input %s message ~%q", i, p, w.code, w.node, w.input, w.message)
		}
	}
	if p := ve.Problems[0]; p.Class != "KSampler" || p.Title != "Sampler" || p.Allowed != "0..18446744073709551615" ||
		p.Value != json.Number("18446744073709551616") {
		t.Errorf("problem fields = %+v", p)
	}
	if !strings.HasPrefix(err.Error(), "workflow does not fit this ComfyUI (10 problems): ") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func messages(ve *ValidationError) []string {
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Message)
	}
	return out
}

func TestValidateGraphProblems(t *testing.T) {
	info := objectInfo(t)
	tests := []struct {
		name  string
		graph string
		code  string
	}{
		{"no output", `{"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}}`,
			"prompt_no_outputs"},
		{"cycle", `{
			"1": {"class_type": "ImageInvert", "inputs": {"image": ["2", 0]}},
			"2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
			"3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}}}`, "dependency_cycle"},
		{"empty model list", `{"1": {"class_type": "UNETLoader", "inputs": {"unet_name": "x", "weight_dtype": "default"}},
			"2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}`, "value_not_in_list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ve *ValidationError
			if err := Validate(mustParse(t, []byte(tt.graph)), info); !errors.As(err, &ve) || ve.Problems[0].Code != tt.code {
				t.Errorf("Validate = %v, want %s", err, tt.code)
			}
		})
	}
	var ve *ValidationError
	err := Validate(mustParse(t, []byte(tests[2].graph)), info)
	if errors.As(err, &ve) && !strings.Contains(ve.Problems[0].Message, "allowed: none: the list is empty") {
		t.Errorf("empty list message = %q", ve.Problems[0].Message)
	}
}

func TestInputRangeAndParamRange(t *testing.T) {
	info := objectInfo(t)
	tests := []struct {
		class, input string
		want         Range
		ok           bool
	}{
		{"KSampler", "seed", Range{"0", "18446744073709551615"}, true},
		{"KSampler", "cfg", Range{"0.0", "100.0"}, true},
		{"PrimitiveInt", "value", Range{"-9223372036854775807", "9223372036854775807"}, true},
		{"KSampler", "sampler_name", Range{}, false},
		{"NoSuchClass", "seed", Range{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.class+"."+tt.input, func(t *testing.T) {
			got, ok := info.InputRange(tt.class, tt.input)
			if got != tt.want || ok != tt.ok {
				t.Errorf("InputRange = %v %v, want %v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	w := mustParse(t, readTestdata(t, "primitive_prompt.json"))
	r, ok := info.ParamRange(w, Bind(w, nil), ParamSeed)
	if !ok || r != (Range{"-9223372036854775807", "9223372036854775807"}) {
		t.Errorf("seed range through PrimitiveInt = %v %v", r, ok)
	}
	// Seeds for two samplers: the narrowest bounds win.
	two := Bindings{Params: map[Param]Binding{ParamSeed: {Targets: []Target{{"3", "seed"}, {"21", "value"}}}}}
	w2 := mustParse(t, []byte(`{"3": {"class_type": "KSampler", "inputs": {}}, "21": {"class_type": "PrimitiveInt", "inputs": {}}}`))
	if r, _ := info.ParamRange(w2, two, ParamSeed); r != (Range{"0", "9223372036854775807"}) {
		t.Errorf("intersected range = %v", r)
	}
	if !r.Contains("5") || r.Contains("-9223372036854775808") || r.Contains("x") {
		t.Error("Contains is wrong")
	}
}

func TestRandomSeed(t *testing.T) {
	counter := func(values ...uint64) func() uint64 {
		i := 0
		return func() uint64 {
			v := values[i%len(values)]
			i++
			return v
		}
	}
	tests := []struct {
		name string
		next func() uint64
		r    Range
		want uint64
	}{
		{"full range is exact", counter(math.MaxUint64), Range{"0", "18446744073709551615"}, math.MaxUint64},
		{"unbounded", counter(12345), Range{}, 12345},
		{"primitive int clamps negatives", counter(math.MaxUint64), Range{"-9223372036854775807", "9223372036854775807"},
			math.MaxUint64 % (1 << 63)},
		{"small range", counter(17), Range{"10", "14"}, 10 + 17%5},
		{"fractional bounds round inward", counter(0), Range{"1.5", "9.5"}, 2},
		{"empty range gives its start", counter(3), Range{"7", "5"}, 7},
		{"negative max", counter(3), Range{"", "-1"}, 0},
		{"rejection keeps it uniform", counter(0, 0, math.MaxUint64), Range{"0", "9223372036854775808"}, 1<<63 - 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RandomSeed(tt.next, tt.r); got != tt.want {
				t.Errorf("RandomSeed = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCheckpoints(t *testing.T) {
	info := objectInfo(t)
	if got := Checkpoints(info); len(got) != 0 {
		t.Errorf("Checkpoints = %v, want none", got)
	}
	info = withChoices(info, "CheckpointLoaderSimple", "ckpt_name", "a.safetensors", "b.ckpt")
	got := Checkpoints(info)
	if !slices.Equal(got, []string{"a.safetensors", "b.ckpt"}) {
		t.Errorf("Checkpoints = %v", got)
	}
	got[0] = "changed"
	if Checkpoints(info)[0] != "a.safetensors" {
		t.Error("Checkpoints shares its slice")
	}
	if got := info.OutputNodes(Default()); !slices.Equal(got, []string{"9"}) {
		t.Errorf("OutputNodes = %v", got)
	}
}
