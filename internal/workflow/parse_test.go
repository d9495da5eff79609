package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		code    Code
		node    string
		input   string
		message string
	}{
		{"not json", `{"3": {`, CodeInvalidJSON, "", "", "not valid JSON (line 1"},
		{"array", `[1, 2]`, CodeNotWorkflow, "", "", "JSON object of nodes"},
		{"null", `null`, CodeNotWorkflow, "", "", "JSON object of nodes"},
		{"empty object", `{}`, CodeNotWorkflow, "", "", "no nodes"},
		{"ui format", string(readTestdata(t, "ui_format.json")), CodeUIFormat, "", "",
			`Export (API)" (Workflow menu → Export (API))`},
		{"ui format schema 1", `{"version": 1, "state": {}, "nodes": [], "links": []}`, CodeUIFormat, "", "", "UI-format"},
		// Parse has no node catalogue, so it refuses and says where a UI file can be converted.
		{"ui format points to conversion", string(readTestdata(t, "ui_format.json")), CodeUIFormat, "", "",
			`/admin workflow add, or check it with "workflow inspect --comfyui URL"`},
		{"node not object", `{"3": 5}`, CodeNotWorkflow, "3", "", "is not an object"},
		{"no class_type", `{"3": {"inputs": {}}}`, CodeNotWorkflow, "3", "", "has no class_type"},
		{"class_type not string", `{"3": {"class_type": 7, "inputs": {}}}`, CodeNotWorkflow, "3", "", "has no class_type"},
		{"inputs not object", `{"3": {"class_type": "X", "inputs": [1]}}`, CodeBadNode, "3", "", "inputs must be an object"},
		{"literal list", `{"3": {"class_type": "X", "inputs": {"a": [1, 2, 3]}}}`, CodeBadInput, "3", "a", "__value__"},
		{"numeric link id", `{"3": {"class_type": "X", "inputs": {"a": [4, 0]}}}`, CodeBadInput, "3", "a", "must be a link"},
		{"negative output", `{"3": {"class_type": "X", "inputs": {"a": ["3", -1]}}}`, CodeBadInput, "3", "a", "bad output index"},
		{"fractional output", `{"3": {"class_type": "X", "inputs": {"a": ["3", 0.5]}}}`, CodeBadInput, "3", "a", "bad output index"},
		{"dangling link", `{"3": {"class_type": "X", "inputs": {"model": ["4", 0]}}}`, CodeBadLink, "3", "model", "node 4, which is not in"},
		{"empty id", `{"": {"class_type": "X", "inputs": {}}}`, CodeNotWorkflow, "", "", "empty id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error = %v, want *Error", err)
			}
			if e.Code != tt.code || e.Node != tt.node || e.Input != tt.input {
				t.Errorf("got code %q node %q input %q, want %q %q %q", e.Code, e.Node, e.Input, tt.code, tt.node, tt.input)
			}
			if !strings.Contains(e.Error(), tt.message) {
				t.Errorf("message %q does not contain %q", e.Error(), tt.message)
			}
		})
	}
}

func TestParseRequestBody(t *testing.T) {
	body := `{"client_id": "abc", "prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64,
		"batch_size": 1, "color": 16711680}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0],
		"filename_prefix": "bottest"}}}}`
	if got := Detect([]byte(body)); got != FormatRequest {
		t.Errorf("Detect = %q, want %q", got, FormatRequest)
	}
	w := mustParse(t, []byte(body))
	if w.Len() != 2 {
		t.Fatalf("Len = %d, want 2", w.Len())
	}
	if l, ok := mustNode(t, w, "2").Link("images"); !ok || l != (Link{Node: "1", Output: 0}) {
		t.Errorf("images link = %v %v", l, ok)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want Format
	}{
		{"api", readTestdata(t, "sd15_basic.json"), FormatAPI},
		{"ui", readTestdata(t, "ui_format.json"), FormatUI},
		{"garbage", []byte("hello"), FormatUnknown},
		{"object of strings", []byte(`{"a": "b"}`), FormatUnknown},
		{"node named prompt", []byte(`{"prompt": {"class_type": "X", "inputs": {}}}`), FormatAPI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.data); got != tt.want {
				t.Errorf("Detect = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSeedRoundTrip(t *testing.T) {
	tests := []string{"18446744073709551615", "9007199254740993", "0", "1e3", "-0.5", "3.14159265358979323846"}
	for _, seed := range tests {
		t.Run(seed, func(t *testing.T) {
			data := `{"3": {"class_type": "KSampler", "inputs": {"seed": ` + seed + `}}}`
			w := mustParse(t, []byte(data))
			out, err := w.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(out, []byte(`"seed": `+seed+"\n")) {
				t.Errorf("encoded workflow lost the exact seed %s:\n%s", seed, out)
			}
			again := mustParse(t, out)
			if got := inputValue(t, again, "3", "seed"); got != json.Number(seed) {
				t.Errorf("seed after round trip = %v, want %s", got, seed)
			}
		})
	}
}

func TestEncodeIsDeterministicAndKeepsLayout(t *testing.T) {
	w := mustParse(t, readTestdata(t, "sd15_hires.json"))
	first, err := w.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := mustParse(t, first).Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("encode is not stable:\n%s\n---\n%s", first, again)
		}
	}
	// Natural id order: 9 before 10, 13 before 16.
	s := string(first)
	for _, pair := range [][2]string{{`"9":`, `"10":`}, {`"13":`, `"16":`}, {`"3":`, `"5":`}} {
		if strings.Index(s, pair[0]) > strings.Index(s, pair[1]) {
			t.Errorf("%s should come before %s", pair[0], pair[1])
		}
	}
	// Inputs keep the file's order (seed first for a KSampler), not alphabetical order.
	k := s[strings.Index(s, `"3":`):]
	if strings.Index(k, `"seed"`) > strings.Index(k, `"cfg"`) {
		t.Errorf("KSampler inputs were reordered:\n%s", k[:300])
	}
	if !strings.Contains(s, `"_meta": {`) || !strings.Contains(s, `"title": "Upscale Latent"`) {
		t.Errorf("titles lost:\n%s", s)
	}
}

func TestEncodeDoesNotEscapeHTML(t *testing.T) {
	w := mustParse(t, []byte(`{"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "cats & dogs <3"}}}`))
	out, err := w.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"cats & dogs <3"`)) {
		t.Errorf("prompt was escaped: %s", out)
	}
}

func TestCompareIDs(t *testing.T) {
	ids := []string{"10", "9", "4:2", "4", "100", "4:10", "a", "09", "B"}
	w := &Workflow{nodes: map[string]*Node{}}
	for _, id := range ids {
		w.nodes[id] = &Node{ID: id, Class: "X", inputs: map[string]any{}}
	}
	got := strings.Join(w.IDs(), " ")
	want := "4 4:2 4:10 09 9 10 100 B a"
	if got != want {
		t.Errorf("IDs = %q, want %q", got, want)
	}
}

func TestCloneIsDeep(t *testing.T) {
	w := mustParse(t, []byte(`{"1": {"class_type": "X", "inputs": {"v": {"__value__": [1, 2]}}}}`))
	c := w.Clone()
	mustNode(t, c, "1").inputs["v"].(map[string]any)["__value__"].([]any)[0] = "changed"
	if got := mustNode(t, w, "1").inputs["v"].(map[string]any)["__value__"].([]any)[0]; got != json.Number("1") {
		t.Errorf("original changed through clone: %v", got)
	}
}

func mustNode(t testing.TB, w *Workflow, id string) *Node {
	t.Helper()
	n, ok := w.Node(id)
	if !ok {
		t.Fatalf("no node %s", id)
	}
	return n
}

// Front ends such as SwarmUI save members of their own beside the nodes: they are skipped
// with a note, while a member that looks like a broken node is still an error.
func TestParseSkipsMembersThatAreNotNodes(t *testing.T) {
	data := []byte(`{"swarm": {"version": "0.9"}, "label": "x", "stable-restyle": {"inputs": ["15", "1504"], "output": "9"},
		"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "images": []}},
		"2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0]}}}`)
	if got := Detect(data); got != FormatAPI {
		t.Fatalf("Detect = %q, want api", got)
	}
	w := mustParse(t, data)
	if w.Len() != 2 {
		t.Errorf("Len = %d, want 2", w.Len())
	}
	// An empty list is a value (ComfyUI checks it against the class), not a broken link.
	if v, _ := mustNode(t, w, "1").Input("images"); fmt.Sprint(v) != "[]" {
		t.Errorf("images = %#v, want an empty list", v)
	}
	notes := strings.Join(w.Notes(), "\n")
	for _, key := range []string{`"swarm"`, `"label"`, `"stable-restyle"`} {
		if !strings.Contains(notes, key) {
			t.Errorf("notes %q do not name %s", notes, key)
		}
	}
	if _, err := Parse([]byte(`{"1": {"class_type": "EmptyImage", "inputs": {}}, "2": {"inputs": {}}}`)); err == nil ||
		!strings.Contains(err.Error(), "node 2") {
		t.Errorf("a node without class_type: err = %v, want one naming node 2", err)
	}
	if _, err := Parse([]byte(`{"1": {"class_type": "X", "inputs": {"a": ["swarm", 0]}}, "swarm": {}}`)); err == nil ||
		!strings.Contains(err.Error(), "not in the workflow") {
		t.Errorf("a link to a skipped member: err = %v", err)
	}
}
