package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// uiInfo is the stock catalogue plus the classes of a pair's custom nodes, read from
// testdata/ui/NAME.object_info.json when the pair needs them.
func uiInfo(t testing.TB, extra string) ObjectInfo {
	t.Helper()
	info := objectInfo(t)
	if extra == "" {
		return info
	}
	more, err := ParseObjectInfo(readTestdata(t, filepath.Join("ui", extra+".object_info.json")))
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(info, more)
	return info
}

// apiNodes decodes an API graph keeping numbers as written, so 0.87 compares with 0.87.
func apiNodes(t testing.TB, data []byte) map[string]map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var nodes map[string]map[string]any
	if err := dec.Decode(&nodes); err != nil {
		t.Fatalf("decode API graph: %v", err)
	}
	return nodes
}

func encodeNodes(t testing.TB, w *Workflow) map[string]map[string]any {
	t.Helper()
	data, err := w.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return apiNodes(t, data)
}

// TestConvertPairs converts real UI files and compares them with the Export (API) file
// published beside them (testdata/ui/README.md says where each comes from). skip names what
// the two files of a pair disagree on because they were saved at different times: a node id,
// "id.input" or "id._meta"; everything else must be equal.
func TestConvertPairs(t *testing.T) {
	tests := []struct {
		name  string
		extra string // custom node classes, testdata/ui/NAME.object_info.json
		skip  map[string]string
	}{
		{name: "controlnet_depth", extra: "controlnet_depth", skip: map[string]string{
			"15._meta": `the server that exported it called ControlNetApply "Apply ControlNet"; the stock catalogue says "Apply ControlNet (OLD)"`,
		}},
		{name: "sdxl_inpaint", skip: map[string]string{
			"19.image": "the API file was exported after another image was uploaded",
		}},
		{name: "sd3_inpaint_primitive", skip: map[string]string{
			"6.text":    "the prompt was edited between the two saves",
			"271.seed":  "the primitive's seed changed between the two saves",
			"273.image": "another image was uploaded between the two saves",
			"279.image": "another mask was uploaded between the two saves",
			"233":       "the UI file has a PreviewImage the API file lacks",
			"291":       "the API file has a SaveImage the UI file lacks",
		}},
		{name: "flux_inpaint"},
		{name: "flux_dev_lora"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := ParseUI(readTestdata(t, filepath.Join("ui", tt.name+".json")), uiInfo(t, tt.extra))
			if err != nil {
				t.Fatalf("ParseUI: %v", err)
			}
			want := apiNodes(t, readTestdata(t, filepath.Join("ui", tt.name+".api.json")))
			comparePair(t, encodeNodes(t, w), want, tt.skip)
			if _, err := Parse(mustEncode(t, w)); err != nil {
				t.Errorf("converted graph does not parse: %v", err)
			}
		})
	}
}

func comparePair(t *testing.T, got, want map[string]map[string]any, skip map[string]string) {
	t.Helper()
	ids := slices.Sorted(maps.Keys(want))
	for id := range got {
		if _, ok := want[id]; !ok && skip[id] == "" {
			t.Errorf("node %s is not in the export", id)
		}
	}
	for _, id := range ids {
		if skip[id] != "" {
			continue
		}
		g, ok := got[id]
		if !ok {
			t.Errorf("node %s (%v) is missing", id, want[id]["class_type"])
			continue
		}
		if g["class_type"] != want[id]["class_type"] {
			t.Errorf("node %s class = %v, want %v", id, g["class_type"], want[id]["class_type"])
		}
		if _, hasMeta := want[id]["_meta"]; hasMeta && skip[id+"._meta"] == "" &&
			!reflect.DeepEqual(g["_meta"], want[id]["_meta"]) {
			t.Errorf("node %s _meta = %v, want %v", id, g["_meta"], want[id]["_meta"])
		}
		compareInputs(t, id, g["inputs"], want[id]["inputs"], skip)
	}
}

func compareInputs(t *testing.T, id string, got, want any, skip map[string]string) {
	t.Helper()
	g, _ := got.(map[string]any)
	w, _ := want.(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(w)) {
		if skip[id+"."+name] != "" {
			continue
		}
		if !reflect.DeepEqual(g[name], w[name]) {
			t.Errorf("node %s input %s = %v, want %v", id, name, g[name], w[name])
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			t.Errorf("node %s has input %s = %v, which the export lacks", id, name, g[name])
		}
	}
}

func mustEncode(t testing.TB, w *Workflow) []byte {
	t.Helper()
	data, err := w.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Hand-made UI snippets for the unit cases below, each a few stock nodes written the way the
// frontend saves them. They are not exports of a real graph.
const (
	uiCheckpoint = `{"id": 4, "type": "CheckpointLoaderSimple", "mode": 0, "inputs": [],
		"outputs": [{"name": "MODEL", "type": "MODEL", "links": []}, {"name": "CLIP", "type": "CLIP", "links": [1]},
		{"name": "VAE", "type": "VAE", "links": []}], "widgets_values": ["m.safetensors"]}`
	uiPrompt = `{"id": 6, "type": "CLIPTextEncode", "mode": 0,
		"inputs": [{"name": "clip", "type": "CLIP", "link": 1}],
		"outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": []}], "widgets_values": ["a fox"]}`
	uiLatent = `{"id": 5, "type": "EmptyLatentImage", "mode": 0, "inputs": [],
		"outputs": [{"name": "LATENT", "type": "LATENT", "links": [2]}], "widgets_values": [64, 64, 1]}`
)

func uiFile(nodes []string, links string) string {
	return `{"last_node_id": 30, "last_link_id": 30, "nodes": [` + strings.Join(nodes, ",") +
		`], "links": ` + links + `, "groups": [{"title": "layout only", "bounding": [0, 0, 10, 10]}],
		"config": {}, "extra": {}, "version": 0.4}`
}

func TestConvertCases(t *testing.T) {
	tests := []struct {
		name  string
		ui    string
		want  string   // the API graph
		notes []string // substrings of the notes, in order
	}{
		{
			name: "widgets and a link",
			ui:   uiFile([]string{uiCheckpoint, uiPrompt}, `[[1, 4, 1, 6, 0, "CLIP"]]`),
			want: `{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}, "_meta": {"title": "Load Checkpoint"}},
				"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Prompt)"}}}`,
		},
		{
			name: "schema 1 links as objects, and a title",
			ui: `{"version": 1, "state": {}, "nodes": [` + uiCheckpoint + `,` +
				strings.Replace(uiPrompt, `"mode": 0,`, `"mode": 0, "title": "Positive",`, 1) + `],
				"links": [{"id": 1, "origin_id": 4, "origin_slot": 1, "target_id": 6, "target_slot": 0, "type": "CLIP"}]}`,
			want: `{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}, "_meta": {"title": "Load Checkpoint"}},
				"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": ["4", 1]}, "_meta": {"title": "Positive"}}}`,
		},
		{
			name: "note dropped",
			ui: uiFile([]string{uiCheckpoint, `{"id": 12, "type": "Note", "mode": 0, "inputs": [], "outputs": [],
				"properties": {"text": ""}, "widgets_values": ["remember the vae"]}`,
				`{"id": 13, "type": "MarkdownNote", "mode": 0, "widgets_values": ["# hi"]}`}, `[]`),
			want:  `{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}, "_meta": {"title": "Load Checkpoint"}}}`,
			notes: []string{"node 12 (Note) is frontend-only and was dropped", "node 13 (MarkdownNote) is frontend-only"},
		},
		{
			name: "reroute followed to its source",
			ui: uiFile([]string{uiCheckpoint, uiPrompt, `{"id": 10, "type": "Reroute", "mode": 0,
				"inputs": [{"name": "", "type": "*", "link": 2}], "outputs": [{"name": "", "type": "CLIP", "links": [1]}]}`},
				`[[2, 4, 1, 10, 0, "CLIP"], [1, 10, 0, 6, 0, "CLIP"]]`),
			want: `{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}, "_meta": {"title": "Load Checkpoint"}},
				"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Prompt)"}}}`,
			notes: []string{"node 10 (Reroute) is frontend-only; its links were followed"},
		},
		{
			name: "primitive value written into the widget it feeds, through a reroute",
			ui: uiFile([]string{uiCheckpoint, `{"id": 6, "type": "CLIPTextEncode", "mode": 0,
				"inputs": [{"name": "clip", "type": "CLIP", "link": 1}, {"name": "text", "type": "STRING", "widget": {"name": "text"}, "link": 3}],
				"outputs": [], "widgets_values": ["stale text"]}`,
				`{"id": 11, "type": "PrimitiveNode", "mode": 0, "inputs": [],
				"outputs": [{"name": "STRING", "type": "STRING", "links": [4], "widget": {"name": "text"}}], "widgets_values": ["from the primitive"]}`,
				`{"id": 14, "type": "Reroute", "mode": 0, "inputs": [{"name": "", "type": "*", "link": 4}],
				"outputs": [{"name": "", "type": "STRING", "links": [3]}]}`},
				`[[1, 4, 1, 6, 0, "CLIP"], [4, 11, 0, 14, 0, "STRING"], [3, 14, 0, 6, 1, "STRING"]]`),
			want: `{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}, "_meta": {"title": "Load Checkpoint"}},
				"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "from the primitive", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Prompt)"}}}`,
			notes: []string{"node 11 (PrimitiveNode) is frontend-only; its value was written", "node 14 (Reroute)"},
		},
		{
			name: "muted node dropped with the links it fed",
			ui: uiFile([]string{strings.Replace(uiCheckpoint, `"mode": 0`, `"mode": 2`, 1), uiPrompt},
				`[[1, 4, 1, 6, 0, "CLIP"]]`),
			want:  `{"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox"}, "_meta": {"title": "CLIP Text Encode (Prompt)"}}}`,
			notes: []string{"node 4 (CheckpointLoaderSimple) is muted and was dropped", "node 6 input clip: it was fed by node 4"},
		},
		{
			name: "bypassed node passes its matching input through",
			ui: uiFile([]string{uiLatent, `{"id": 8, "type": "LatentUpscale", "mode": 4,
				"inputs": [{"name": "samples", "type": "LATENT", "link": 2}],
				"outputs": [{"name": "LATENT", "type": "LATENT", "links": [3]}], "widgets_values": ["nearest-exact", 512, 512, "disabled"]}`,
				`{"id": 9, "type": "LatentUpscaleBy", "mode": 0, "inputs": [{"name": "samples", "type": "LATENT", "link": 3}],
				"outputs": [], "widgets_values": ["bislerp", 1.5]}`},
				`[[2, 5, 0, 8, 0, "LATENT"], [3, 8, 0, 9, 0, "LATENT"]]`),
			want: `{"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}, "_meta": {"title": "Empty Latent Image"}},
				"9": {"class_type": "LatentUpscaleBy", "inputs": {"upscale_method": "bislerp", "scale_by": 1.5, "samples": ["5", 0]}, "_meta": {"title": "Upscale Latent By"}}}`,
			notes: []string{"node 8 (LatentUpscale) is bypassed"},
		},
		{
			name: "control_after_generate skipped and a linked widget keeps its slot",
			ui: uiFile([]string{`{"id": 12, "type": "PrimitiveInt", "mode": 0, "inputs": [],
				"outputs": [{"name": "INT", "type": "INT", "links": [5]}], "widgets_values": [7, "fixed"]}`,
				`{"id": 3, "type": "KSampler", "mode": 0, "inputs": [{"name": "seed", "type": "INT", "widget": {"name": "seed"}, "link": 5}],
				"outputs": [], "widgets_values": [42, "randomize", 20, 7.5, "euler", "normal", 1]}`},
				`[[5, 12, 0, 3, 0, "INT"]]`),
			want: `{"12": {"class_type": "PrimitiveInt", "inputs": {"value": 7}, "_meta": {"title": "Int"}},
				"3": {"class_type": "KSampler", "inputs": {"seed": ["12", 0], "steps": 20, "cfg": 7.5, "sampler_name": "euler",
				"scheduler": "normal", "denoise": 1}, "_meta": {"title": "KSampler"}}}`,
		},
		{
			name: "widgets_values as an object, keyed by input",
			ui: uiFile([]string{`{"id": 5, "type": "EmptyLatentImage", "mode": 0, "inputs": [], "outputs": [],
				"widgets_values": {"width": 64, "height": 32, "batch_size": 2, "videopreview": {"hidden": false}}}`}, `[]`),
			want: `{"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 32, "batch_size": 2}, "_meta": {"title": "Empty Latent Image"}}}`,
		},
		{
			name: "optional widget newer than the file left out",
			ui: uiFile([]string{`{"id": 11, "type": "DualCLIPLoader", "mode": 0, "inputs": [], "outputs": [],
				"widgets_values": ["t5xxl_fp16.safetensors", "clip_l.safetensors", "flux"]}`}, `[]`),
			want: `{"11": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5xxl_fp16.safetensors",
				"clip_name2": "clip_l.safetensors", "type": "flux"}, "_meta": {"title": "DualCLIPLoader"}}}`,
			notes: []string{`node 11 (DualCLIPLoader): widgets_values has no value for optional input "device"`},
		},
		{
			name: "image upload button",
			ui: uiFile([]string{`{"id": 19, "type": "LoadImage", "mode": 0, "inputs": [], "outputs": [],
				"widgets_values": ["photo.png", "image"]}`}, `[]`),
			want: `{"19": {"class_type": "LoadImage", "inputs": {"image": "photo.png", "upload": "image"}, "_meta": {"title": "Load Image"}}}`,
		},
		{
			name: "subgraph flattened with outer:inner ids",
			ui: `{"version": 0.4, "nodes": [` + uiCheckpoint + `,
				{"id": 20, "type": "0b1c-sub", "mode": 0, "inputs": [{"name": "clip", "type": "CLIP", "link": 1}],
				"outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [6]}], "widgets_values": []},
				{"id": 21, "type": "ConditioningZeroOut", "mode": 0, "inputs": [{"name": "conditioning", "type": "CONDITIONING", "link": 6}], "outputs": []}],
				"links": [[1, 4, 1, 20, 0, "CLIP"], [6, 20, 0, 21, 0, "CONDITIONING"]],
				"definitions": {"subgraphs": [{"id": "0b1c-sub", "name": "Prompt", "inputs": [{"name": "clip", "type": "CLIP", "linkIds": [1]}],
				"outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "linkIds": [2]}],
				"nodes": [{"id": 1, "type": "CLIPTextEncode", "mode": 0, "inputs": [{"name": "clip", "type": "CLIP", "link": 1}],
				"outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [2]}], "widgets_values": ["inside"]}],
				"links": [{"id": 1, "origin_id": -10, "origin_slot": 0, "target_id": 1, "target_slot": 0, "type": "CLIP"},
				{"id": 2, "origin_id": 1, "origin_slot": 0, "target_id": -20, "target_slot": 0, "type": "CONDITIONING"}]}]}}`,
			want: `{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}, "_meta": {"title": "Load Checkpoint"}},
				"20:1": {"class_type": "CLIPTextEncode", "inputs": {"text": "inside", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Prompt)"}},
				"21": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["20:1", 0]}, "_meta": {"title": "ConditioningZeroOut"}}}`,
			notes: []string{`node 20 is a subgraph ("Prompt")`},
		},
	}
	info := objectInfo(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := ParseUI([]byte(tt.ui), info)
			if err != nil {
				t.Fatalf("ParseUI: %v", err)
			}
			got, want := encodeNodes(t, w), apiNodes(t, []byte(tt.want))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("graph:\n%s\nwant:\n%s", mustEncode(t, w), tt.want)
			}
			checkNotes(t, w.Notes(), tt.notes)
		})
	}
}

func checkNotes(t *testing.T, notes, want []string) {
	t.Helper()
	i := 0
	for _, n := range notes {
		if i < len(want) && strings.Contains(n, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("notes %q lack %q", notes, want[i])
	}
}

func TestParseUIErrors(t *testing.T) {
	tests := []struct {
		name    string
		ui      string
		code    Code
		node    string
		input   string
		message string
	}{
		{"unknown class", uiFile([]string{`{"id": 7, "type": "XyzSampler", "mode": 0, "widgets_values": [1]}`}, `[]`),
			CodeUnknownClass, "7", "", `node 7: class "XyzSampler" is not on the ComfyUI server; install its custom node pack or export the workflow with Export (API)`},
		{"too few widget values", uiFile([]string{`{"id": 6, "type": "CLIPTextEncode", "mode": 0, "widgets_values": []}`}, `[]`),
			CodeBadInput, "6", "text", "none for this input"},
		{"too many widget values", uiFile([]string{`{"id": 4, "type": "CheckpointLoaderSimple", "mode": 0, "widgets_values": ["a", "b"]}`}, `[]`),
			CodeBadInput, "4", "ckpt_name", "2 values but class \"CheckpointLoaderSimple\" on the server has 1 widgets"},
		{"not valid JSON", `{"nodes": [`, CodeInvalidJSON, "", "", "not valid JSON"},
		{"node without type", uiFile([]string{`{"id": 3, "mode": 0}`}, `[]`), CodeBadNode, "3", "", "has no type"},
		{"bad link", uiFile([]string{uiCheckpoint}, `[[1, "x"]]`), CodeBadLink, "", "", "a link is not"},
		{"only notes", uiFile([]string{`{"id": 1, "type": "Note", "mode": 0, "widgets_values": ["x"]}`}, `[]`),
			CodeNotWorkflow, "", "", "no nodes the server runs"},
		{"reroute loop", uiFile([]string{uiPrompt,
			`{"id": 10, "type": "Reroute", "mode": 0, "inputs": [{"name": "", "type": "*", "link": 3}], "outputs": [{"name": "", "type": "*", "links": [1, 2]}]}`,
			`{"id": 11, "type": "Reroute", "mode": 0, "inputs": [{"name": "", "type": "*", "link": 2}], "outputs": [{"name": "", "type": "*", "links": [3]}]}`},
			`[[1, 10, 0, 6, 0, "CLIP"], [2, 10, 0, 11, 0, "*"], [3, 11, 0, 10, 0, "*"]]`), CodeBadLink, "10", "", "form a loop"},
	}
	info := objectInfo(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseUI([]byte(tt.ui), info)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Code != tt.code || e.Node != tt.node || e.Input != tt.input {
				t.Errorf("code, node, input = %s, %q, %q; want %s, %q, %q (%v)", e.Code, e.Node, e.Input, tt.code, tt.node, tt.input, e)
			}
			if !strings.Contains(e.Error(), tt.message) {
				t.Errorf("error %q lacks %q", e.Error(), tt.message)
			}
		})
	}
}

func TestLoadFormats(t *testing.T) {
	api := readTestdata(t, "sd15_basic.json")
	body := []byte(`{"prompt": ` + string(api) + `, "client_id": "x"}`)
	ui := readTestdata(t, "ui_format.json")
	info := objectInfo(t)
	tests := []struct {
		name   string
		data   []byte
		info   ObjectInfo
		format Format
		code   Code // "" when Load succeeds
		nodes  []string
	}{
		{"api", api, info, FormatAPI, "", mustParse(t, api).IDs()},
		{"post body", body, info, FormatRequest, "", mustParse(t, api).IDs()},
		{"ui converted", ui, info, FormatUI, "", []string{"4", "6"}},
		{"ui without catalogue", ui, nil, FormatUI, CodeUIFormat, nil},
		{"garbage", []byte("hello"), info, FormatUnknown, CodeInvalidJSON, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, format, err := Load(tt.data, tt.info)
			if format != tt.format {
				t.Errorf("format = %q, want %q", format, tt.format)
			}
			if tt.code != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != tt.code {
					t.Fatalf("err = %v, want code %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := w.IDs(); !slices.Equal(got, tt.nodes) {
				t.Errorf("nodes = %v, want %v", got, tt.nodes)
			}
		})
	}
}
