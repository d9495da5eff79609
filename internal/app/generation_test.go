package app

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// tinySeedMax is the seed range of TinySeed, a custom node whose seed input
// ends far below the 2^53 the bot draws seeds from.
const tinySeedMax = 1000

// withTinySeed gives a fake ComfyUI the TinySeed node, which small_seed.json
// feeds its sampler's seed from. That workflow also has a PreviewImage
// beside its SaveImage: one result, one preview.
func withTinySeed() comfytest.Option {
	return comfytest.WithCustomNode("TinySeed", comfytest.CustomNode{Info: json.RawMessage(`{
		"input": {"required": {"seed": ["INT", {"default": 0, "min": 0, "max": ` + strconv.Itoa(tinySeedMax) + `}]}},
		"input_order": {"required": ["seed"]}, "output": ["INT"], "output_is_list": [false], "output_name": ["INT"],
		"name": "TinySeed", "display_name": "Tiny seed", "description": "", "python_module": "custom_nodes.tiny",
		"category": "utils", "output_node": false}`)})
}

// The generate command draws its seed within the bound input's range and
// saves the result, not the preview: what the bot does (see
// TestTheBotDrawsSeedsInRangeAndDeliversNoPreview).
func TestGenerateDrawsSeedsInRangeAndSavesNoPreview(t *testing.T) {
	wf := testdataPath(t, "small_seed.json")
	inTempDir(t)
	fake := comfytest.New(t, withTinySeed())
	for i := range 5 {
		r := runApp(t, t.Context(), nil, "generate", "--prompt", "a red fox", "--workflow", wf, "--comfyui", fake.URL(), "--json")
		if r.code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
		var rep generateJSON
		decodeJSON(t, []byte(r.stdout), &rep)
		if seed, err := strconv.ParseUint(rep.Seed.String(), 10, 64); err != nil || seed > tinySeedMax {
			t.Errorf("run %d: seed %s, want one of TinySeed's 0..%d", i, rep.Seed, tinySeedMax)
		}
		if len(rep.Images) != 1 || strings.Contains(rep.Images[0].Path, "temp") {
			t.Errorf("run %d: saved %+v; want the SaveImage result only", i, rep.Images)
		}
	}
}
