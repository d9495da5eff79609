package workflow

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func addTestdataSeeds(f *testing.F, ext string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*."+ext))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParse checks that parse → bind → apply → encode never panics on any input, and that
// an encoded workflow parses back to the same encoding.
func FuzzParse(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input it finds, and minimising a mutation of
	// a 3 KB exported workflow takes most of a minute. The testdata graphs are covered by the
	// unit tests.
	f.Add([]byte(`{"3":{"inputs":{"seed":1,"positive":["6",0],"negative":["7",0],"latent_image":["5",0],"model":["4",0]},` +
		`"class_type":"KSampler"},"4":{"inputs":{"ckpt_name":"a"},"class_type":"CheckpointLoaderSimple"},` +
		`"5":{"inputs":{"width":8,"height":8},"class_type":"EmptyLatentImage"},"6":{"inputs":{"text":"x"},` +
		`"class_type":"CLIPTextEncode","_meta":{"title":"Positive Prompt"}},"7":{"inputs":{"text":["8",0]},` +
		`"class_type":"CLIPTextEncode"},"8":{"inputs":{"value":"n"},"class_type":"PrimitiveString"}}`))
	f.Add([]byte(`{"13":{"inputs":{"noise":["25",0],"guider":["22",0],"sigmas":["17",0],"latent_image":["10",0]},` +
		`"class_type":"SamplerCustomAdvanced"},"22":{"inputs":{"conditioning":["26",0]},"class_type":"BasicGuider"},` +
		`"26":{"inputs":{"guidance":3.5,"conditioning":["6",0]},"class_type":"FluxGuidance"},` +
		`"6":{"inputs":{"text":"x","clip":["6",0]},"class_type":"CLIPTextEncode"},"25":{"inputs":{"noise_seed":2},` +
		`"class_type":"RandomNoise"},"17":{"inputs":{"steps":4},"class_type":"BasicScheduler"},` +
		`"10":{"inputs":{"samples":["13",0]},"class_type":"LatentUpscale"}}`))
	f.Add([]byte(`{"nodes":[],"links":[]}`))
	f.Add([]byte(`{"prompt": {"1": {"class_type": "X", "inputs": {"a": ["1", 0], "b": {"__value__": [1, 2]}}}}}`))
	f.Add([]byte(`{"3": {"class_type": "KSampler", "inputs": {"seed": 18446744073709551615, "cfg": 1e400}}}`))
	f.Add([]byte(`{"1": {"class_type": "A", "inputs": {"x": ["1", 0]}, "_meta": {"title": "Seed"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse(data)
		if err != nil {
			return
		}
		b := Bind(w, nil)
		params := Params{Prompt: new("a fox <&>"), Negative: new(""), Seed: new(uint64(math.MaxUint64)),
			Steps: new(7), CFG: new(3.5), Width: new(64), Height: new(64), Denoise: new(0.5),
			BatchSize: new(1), Checkpoint: new("m.safetensors")}
		if applied, err := Apply(w, b, params); err == nil {
			roundTrip(t, applied)
		}
		roundTrip(t, w)
		clean, _ := Sanitize(w)
		roundTrip(t, clean)
		ExtractPrompts(w)
		Inspect(w, nil)
		_ = Validate(w, ObjectInfo{})
	})
}

func roundTrip(t *testing.T, w *Workflow) {
	t.Helper()
	first, err := w.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	again, err := Parse(first)
	if err != nil {
		t.Fatalf("encoded workflow does not parse: %v\n%s", err, first)
	}
	second, err := again.Encode()
	if err != nil {
		t.Fatalf("Encode after round trip: %v", err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("round trip changed the workflow:\n%s\n---\n%s", first, second)
	}
}

// FuzzSidecar checks that any sidecar text either fails cleanly or yields a sidecar that
// binds, builds and checks without panicking.
func FuzzSidecar(f *testing.F) {
	addTestdataSeeds(f, "yaml")
	f.Add([]byte("bindings:\n  prompt: [{node: 6, input: text}, {node: '7', input: text}]\n"))
	f.Add([]byte("defaults: {seed: 18446744073709551615, cfg: 1e308}\nlimits: {cfg: {min: -1, max: .inf}}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSidecar(data)
		if err != nil {
			return
		}
		w := Default()
		_ = s.Check(w)
		e := &Entry{Workflow: w, Sidecar: s, Bindings: Bind(w, s)}
		if out, err := e.Build(Params{Steps: new(10)}); err == nil {
			roundTrip(t, out)
		}
		Inspect(w, s)
	})
}

// FuzzParseUI checks that converting any UI-format text with the stock catalogue either fails
// cleanly or yields a graph that keeps Parse's invariants and round-trips.
func FuzzParseUI(f *testing.F) {
	// Small seeds, for the same reason as FuzzParse; the real pairs are unit tests.
	f.Add([]byte(`{"nodes": [{"id": 4, "type": "CheckpointLoaderSimple", "outputs": [{"type": "CLIP", "links": [1]}],` +
		`"widgets_values": ["m"]}, {"id": 6, "type": "CLIPTextEncode", "inputs": [{"name": "clip", "type": "CLIP", "link": 1}],` +
		`"widgets_values": ["x"]}], "links": [[1, 4, 1, 6, 0, "CLIP"]]}`))
	f.Add([]byte(`{"version": 1, "nodes": [{"id": 10, "type": "Reroute", "inputs": [{"type": "*", "link": 2}],` +
		`"outputs": [{"type": "*", "links": [1]}]}, {"id": 8, "type": "LatentUpscaleBy", "mode": 4, "inputs": [{"name": "samples",` +
		`"type": "LATENT", "link": 1}], "outputs": [{"type": "LATENT", "links": [2]}], "widgets_values": ["bislerp", 1.5]}],` +
		`"links": [{"id": 1, "origin_id": 10, "origin_slot": 0, "target_id": 8, "target_slot": 0},` +
		`{"id": 2, "origin_id": 8, "origin_slot": 0, "target_id": 10, "target_slot": 0}]}`))
	f.Add([]byte(`{"nodes": [{"id": 20, "type": "s", "inputs": [{"type": "CLIP", "link": null}], "outputs": [{"type": "*", "links": [6]}]},` +
		`{"id": 21, "type": "ConditioningZeroOut", "inputs": [{"name": "conditioning", "link": 6}]}], "links": [[6, 20, 0, 21, 0, "*"]],` +
		`"definitions": {"subgraphs": [{"id": "s", "nodes": [{"id": 1, "type": "s"}, {"id": 2, "type": "PrimitiveNode",` +
		`"outputs": [{"links": [1]}], "widgets_values": [3]}], "links": [[1, 2, 0, -20, 0, "INT"]]}]}}`))
	f.Add([]byte(`{"nodes": [{"id": "5", "type": "EmptyLatentImage", "widgets_values": {"width": 8}}], "links": [null]}`))
	info := objectInfo(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseUI(data, info)
		if err != nil {
			return
		}
		roundTrip(t, w)
		_ = Validate(w, info)
		Inspect(w, nil)
	})
}
