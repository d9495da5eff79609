package comfy

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

func TestCompareNodeIDs(t *testing.T) {
	cases := []struct {
		name string
		ids  []string // in the wanted order
	}{
		{"numbers by value", []string{"2", "9", "10", "100"}},
		{"subgraph nodes right after their parent", []string{"3", "4", "4:2", "4:10", "4:10:1", "5"}},
		{"other ids after the numeric ones, by string", []string{"9", "10", "Z", "a10", "a9", "save"}},
		{"zero padding ties by string", []string{"01", "1", "2"}},
		{"empty segments are not numeric", []string{"4", "4:", ":4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for range 10 {
				got := slices.Clone(tc.ids)
				r.Shuffle(len(got), func(i, k int) { got[i], got[k] = got[k], got[i] })
				slices.SortFunc(got, compareNodeIDs)
				if !slices.Equal(got, tc.ids) {
					t.Fatalf("sorted %v, want %v", got, tc.ids)
				}
			}
		})
	}
}

func TestOutputImagesByNodeKeepingBatchOrder(t *testing.T) {
	outputs := json.RawMessage(`{
		"10": {"images": [{"filename": "b_1.png", "type": "output"}, {"filename": "b_0.png", "type": "output"}]},
		"text": {"text": ["not an image"]},
		"9": {"images": [{"filename": "a_1.png", "type": "output"}, {"filename": "a_0.png", "type": "output"}]},
		"4:2": {"images": [{"filename": "p.png", "subfolder": "x", "type": "temp"}]}
	}`)
	images, err := outputImages(outputs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, im := range images {
		got = append(got, im.NodeID+"/"+im.Filename)
	}
	want := []string{"4:2/p.png", "9/a_1.png", "9/a_0.png", "10/b_1.png", "10/b_0.png"}
	if !slices.Equal(got, want) {
		t.Errorf("images %v, want %v", got, want)
	}
}

// twoOutputs saves on two branches: node 9 the decoded image, node 10 its inverse.
const twoOutputs = `{
	"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}},
	"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 48, "batch_size": 2}},
	"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red fox", "clip": ["4", 1]}},
	"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
	"3": {"class_type": "KSampler", "inputs": {"seed": %d, "steps": 2, "cfg": 7.0, "sampler_name": "euler",
		"scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
	"8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
	"9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "nine", "images": ["8", 0]}},
	"11": {"class_type": "ImageInvert", "inputs": {"image": ["8", 0]}},
	"10": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ten", "images": ["11", 0]}}
}`

func TestImagesComeInNodeOrderWhateverOrderComfyUIListsThem(t *testing.T) {
	listings := map[string]bool{} // the orders the fake listed the output nodes in
	for seed := range uint64(8) {
		srv := comfytest.New(t, comfytest.WithOutputOrderSeed(seed))
		c := newClient(srv)
		ctx := testContext(t)
		id := NewPromptID()
		if _, err := c.Submit(ctx, workflow(twoOutputs, seed), id, nil); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
		h, ok, err := c.History(ctx, id)
		if err != nil || !ok {
			t.Fatalf("seed %d: history: %v, found %v", seed, err, ok)
		}
		var listed []string
		if err := eachMember(h.Outputs, func(node string, _ json.RawMessage) error {
			listed = append(listed, node)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		listings[strings.Join(listed, ",")] = true

		var got []string
		for _, im := range h.Images {
			got = append(got, im.NodeID+"/"+strings.SplitN(im.Filename, "_", 2)[0])
		}
		want := []string{"9/nine", "9/nine", "10/ten", "10/ten"}
		if !slices.Equal(got, want) {
			t.Errorf("seed %d (listed %v): images %v, want %v", seed, listed, got, want)
		}
		for _, node := range []string{"9", "10"} {
			var inBatch []string
			for _, im := range h.Images {
				if im.NodeID == node {
					inBatch = append(inBatch, im.Filename)
				}
			}
			if !slices.IsSorted(inBatch) {
				t.Errorf("seed %d: node %s's images out of batch order: %v", seed, node, inBatch)
			}
		}
		if o := h.Outcome(); !slices.Equal(o.Images, h.Images) {
			t.Errorf("seed %d: the outcome's images differ from the history's", seed)
		}
	}
	if len(listings) < 2 {
		t.Errorf("the fake listed the output nodes in one order under every seed (%v): the test proves nothing", listings)
	}
}
