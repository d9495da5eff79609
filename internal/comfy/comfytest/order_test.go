package comfytest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// threeOutputs saves one image three times, on nodes a real ComfyUI runs in any order.
const threeOutputs = `{"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": %d}},
	"2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "two"}},
	"10": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "ten"}},
	"3": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}`

// keysInOrder lists an object's keys as written.
func keysInOrder(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// listings runs three prompts on a fake seeded with seed and returns, per prompt, how its history
// listed the output nodes: outputs, meta and outputs_to_execute.
func listings(t *testing.T, seed uint64) []string {
	t.Helper()
	srv := comfytest.New(t, comfytest.WithOutputOrderSeed(seed))
	var out []string
	for color := range 3 {
		status, resp := postPrompt(t, srv, `{"prompt": `+fmt.Sprintf(threeOutputs, color)+`}`)
		if status != http.StatusOK {
			t.Fatalf("POST /prompt: %d %v", status, resp)
		}
		if err := srv.WaitIdle(testContext(t)); err != nil {
			t.Fatal(err)
		}
		id := resp["prompt_id"].(string)
		_, data := do(t, srv, http.MethodGet, "/history/"+id, "", nil)
		var hist map[string]struct {
			Prompt  []json.RawMessage `json:"prompt"`
			Outputs json.RawMessage   `json:"outputs"`
			Meta    json.RawMessage   `json:"meta"`
		}
		if err := json.Unmarshal(data, &hist); err != nil {
			t.Fatal(err)
		}
		h := hist[id]
		outputs, meta := keysInOrder(t, h.Outputs), keysInOrder(t, h.Meta)
		if !slices.Equal(outputs, meta) {
			t.Errorf("seed %d: meta lists %v, outputs %v: ComfyUI writes them node for node", seed, meta, outputs)
		}
		var toExecute []string
		if err := json.Unmarshal(h.Prompt[4], &toExecute); err != nil {
			t.Fatal(err)
		}
		if sorted := slices.Sorted(slices.Values(outputs)); !slices.Equal(sorted, []string{"10", "2", "3"}) {
			t.Fatalf("seed %d: outputs of %v, want nodes 2, 3 and 10", seed, outputs)
		}
		out = append(out, strings.Join(outputs, ",")+" / "+strings.Join(toExecute, ","))
	}
	return out
}

func TestOutputNodesAreListedInASeededOrder(t *testing.T) {
	seen := map[string]bool{}
	for seed := range uint64(6) {
		first := listings(t, seed)
		if again := listings(t, seed); !slices.Equal(first, again) {
			t.Errorf("seed %d listed %v, then %v: one seed must give one sequence", seed, first, again)
		}
		for _, l := range first {
			seen[l] = true
		}
	}
	if len(seen) < 3 {
		t.Errorf("the fake listed output nodes in only %d orders over six seeds: %v", len(seen), seen)
	}
}
