package workflow

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestInspectJSON(t *testing.T) {
	w := mustParse(t, readTestdata(t, "flux.json"))
	data, err := json.Marshal(Inspect(w, mustSidecar(t, "description: Flux dev\n")))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got["format"] != "api" || got["description"] != "Flux dev" || got["main_sampler"] != "13" {
		t.Errorf("header = %v %v %v", got["format"], got["description"], got["main_sampler"])
	}
	bindings := got["bindings"].(map[string]any)
	if len(bindings) != len(AllParams()) {
		t.Errorf("bindings has %d keys, want every parameter: %v", len(bindings), bindings)
	}
	if bindings["negative"] != nil {
		t.Errorf("negative = %v, want null", bindings["negative"])
	}
	cfg := bindings["cfg"].(map[string]any)
	if cfg["node"] != "26" || cfg["input"] != "guidance" || cfg["via"] != "trace" || cfg["value"] != 3.5 {
		t.Errorf("cfg = %v", cfg)
	}
	if s := string(data); !strings.Contains(s, `"outputs":[{"node":"9","class":"SaveImage","title":"Save Image"}]`) {
		t.Errorf("outputs missing: %s", s)
	}
	for _, want := range []string{`{"kind":"unet","name":"flux1-dev.safetensors","node":"12","input":"unet_name"}`,
		`{"kind":"vae","name":"ae.safetensors","node":"10","input":"vae_name"}`,
		`"classes":["BasicGuider","BasicScheduler","CLIPTextEncode","DualCLIPLoader","EmptySD3LatentImage"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("report lacks %s:\n%s", want, data)
		}
	}
	if w := got["warnings"].([]any); len(w) != 0 {
		t.Errorf("warnings = %v", w)
	}
}

func TestInspectWarnings(t *testing.T) {
	r := Inspect(mustParse(t, []byte(`{"1": {"class_type": "EmptyImage", "inputs": {"width": 8}}}`)), nil)
	joined := strings.Join(r.Warnings, "\n")
	for _, want := range []string{"no prompt found", "no output node"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q: %q", want, r.Warnings)
		}
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"models":[]`) || !strings.Contains(string(data), `"prompt":null`) {
		t.Errorf("empty fields must be [] and null: %s", data)
	}
}
