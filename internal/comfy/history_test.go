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

func TestOutputFilesByNodeKeepingBatchOrder(t *testing.T) {
	outputs := json.RawMessage(`{
		"10": {"images": [{"filename": "b_1.png", "type": "output"}, {"filename": "b_0.png", "type": "output"}]},
		"text": {"text": ["not an image"]},
		"9": {"images": [{"filename": "a_1.png", "type": "output"}, {"filename": "a_0.png", "type": "output"}]},
		"4:2": {"images": [{"filename": "p.png", "subfolder": "x", "type": "temp"}]}
	}`)
	files, texts, err := outputFiles(outputs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.NodeID+"/"+f.Filename)
	}
	want := []string{"4:2/p.png", "9/a_1.png", "9/a_0.png", "10/b_1.png", "10/b_0.png"}
	if !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if want := []Text{{NodeID: "text", Text: "not an image"}}; !slices.Equal(texts, want) {
		t.Errorf("texts %v, want %v", texts, want)
	}
}

// TestOutputFilesOfEveryKind parses node outputs shaped as the real nodes write them: core
// comfy_api/latest/_ui.py (SavedImages, SavedAudios, PreviewImage, PreviewVideo, PreviewText,
// PreviewUI3D), comfy_extras/nodes_save_3d.py (SaveGLB) and VideoHelperSuite's VideoCombine.
func TestOutputFilesOfEveryKind(t *testing.T) {
	cases := []struct {
		name      string
		outputs   string
		files     []File
		texts     []Text
		results   []bool   // File.Result of each file
		mediaType []string // File.MediaType of each file
	}{
		{
			name:      "SaveAnimatedWEBP: images with animated",
			outputs:   `{"7": {"images": [{"filename": "ComfyUI_00001_.webp", "subfolder": "", "type": "output"}], "animated": [true]}}`,
			files:     []File{{Filename: "ComfyUI_00001_.webp", Type: "output", NodeID: "7", Kind: "images", Animated: true}},
			results:   []bool{true},
			mediaType: []string{"image/webp"},
		},
		{
			name: "animated before images still marks them",
			outputs: `{"7": {"animated": [true], "images": [{"filename": "a_00001_.png", "subfolder": "anim", "type": "output"},
				{"filename": "a_00002_.png", "subfolder": "anim", "type": "output"}]}}`,
			files: []File{{Filename: "a_00001_.png", Subfolder: "anim", Type: "output", NodeID: "7", Kind: "images", Animated: true},
				{Filename: "a_00002_.png", Subfolder: "anim", Type: "output", NodeID: "7", Kind: "images", Animated: true}},
			results:   []bool{true, true},
			mediaType: []string{"image/png", "image/png"},
		},
		{
			name:      "PreviewImage: temp with animated false",
			outputs:   `{"3": {"images": [{"filename": "ComfyUI_temp_abcde_00001_.png", "subfolder": "", "type": "temp"}], "animated": [false]}}`,
			files:     []File{{Filename: "ComfyUI_temp_abcde_00001_.png", Type: "temp", NodeID: "3", Kind: "images"}},
			results:   []bool{false},
			mediaType: []string{"image/png"},
		},
		{
			name:      "SaveVideo: a video under images",
			outputs:   `{"12": {"images": [{"filename": "ComfyUI_00001_.mp4", "subfolder": "video", "type": "output"}], "animated": [true]}}`,
			files:     []File{{Filename: "ComfyUI_00001_.mp4", Subfolder: "video", Type: "output", NodeID: "12", Kind: "images", Animated: true}},
			results:   []bool{true},
			mediaType: []string{"video/mp4"},
		},
		{
			name: "VHS_VideoCombine: gifs with format and extra fields",
			outputs: `{"5": {"gifs": [{"filename": "AnimateDiff_00001.mp4", "subfolder": "", "type": "output", "format": "video/h264-mp4",
				"frame_rate": 8.0, "workflow": "AnimateDiff_00001.png", "fullpath": "/srv/output/AnimateDiff_00001.mp4"}]}}`,
			files:     []File{{Filename: "AnimateDiff_00001.mp4", Type: "output", NodeID: "5", Kind: "gifs", Format: "video/h264-mp4"}},
			results:   []bool{true},
			mediaType: []string{"video/mp4"},
		},
		{
			name:      "VHS_VideoCombine: an image format is a media type",
			outputs:   `{"5": {"gifs": [{"filename": "AnimateDiff_00002.gif", "subfolder": "", "type": "temp", "format": "image/gif", "frame_rate": 8.0}]}}`,
			files:     []File{{Filename: "AnimateDiff_00002.gif", Type: "temp", NodeID: "5", Kind: "gifs", Format: "image/gif"}},
			results:   []bool{false},
			mediaType: []string{"image/gif"},
		},
		{
			name:      "VHS ProRes: the format names an encoder, the extension decides",
			outputs:   `{"5": {"gifs": [{"filename": "clip_00001.mov", "subfolder": "", "type": "output", "format": "video/ProRes"}]}}`,
			files:     []File{{Filename: "clip_00001.mov", Type: "output", NodeID: "5", Kind: "gifs", Format: "video/ProRes"}},
			results:   []bool{true},
			mediaType: []string{"video/quicktime"},
		},
		{
			name: "SaveAudio, SaveAudioMP3, PreviewAudio",
			outputs: `{"20": {"audio": [{"filename": "ComfyUI_00001_.flac", "subfolder": "audio", "type": "output"}]},
				"21": {"audio": [{"filename": "ComfyUI_00001_.mp3", "subfolder": "audio", "type": "output"}]},
				"22": {"audio": [{"filename": "ComfyUI_temp_qwert_00001_.flac", "subfolder": "", "type": "temp"}]}}`,
			files: []File{{Filename: "ComfyUI_00001_.flac", Subfolder: "audio", Type: "output", NodeID: "20", Kind: "audio"},
				{Filename: "ComfyUI_00001_.mp3", Subfolder: "audio", Type: "output", NodeID: "21", Kind: "audio"},
				{Filename: "ComfyUI_temp_qwert_00001_.flac", Type: "temp", NodeID: "22", Kind: "audio"}},
			results:   []bool{true, true, false},
			mediaType: []string{"audio/flac", "audio/mpeg", "audio/flac"},
		},
		{
			name:      "SaveAudioOpus",
			outputs:   `{"23": {"audio": [{"filename": "ComfyUI_00001_.opus", "subfolder": "audio", "type": "output"}]}}`,
			files:     []File{{Filename: "ComfyUI_00001_.opus", Subfolder: "audio", Type: "output", NodeID: "23", Kind: "audio"}},
			results:   []bool{true},
			mediaType: []string{"audio/ogg"},
		},
		{
			name:    "PreviewAny and ShowText: one text per string",
			outputs: `{"30": {"text": ["a red fox"]}, "31": {"text": ["one", "two", 3, ["nested"]]}}`,
			texts:   []Text{{NodeID: "30", Text: "a red fox"}, {NodeID: "31", Text: "one"}, {NodeID: "31", Text: "two"}},
		},
		{
			name:      "SaveGLB: 3d files",
			outputs:   `{"40": {"3d": [{"filename": "ComfyUI_00001_.glb", "subfolder": "3d", "type": "output"}]}}`,
			files:     []File{{Filename: "ComfyUI_00001_.glb", Subfolder: "3d", Type: "output", NodeID: "40", Kind: "3d"}},
			results:   []bool{true},
			mediaType: []string{"model/gltf-binary"},
		},
		{
			name:    "Preview3D: result holds a bare path and camera info, no file entry",
			outputs: `{"41": {"result": ["3d/ComfyUI_00001_.glb", {"position": {"x": 1}}, null]}}`,
		},
		{
			name: "non-file keys and malformed entries are skipped, the rest kept",
			outputs: `{"50": {"images": [{"filename": ""}, {"subfolder": "x"}, "a.png", 7, null, {"filename": 3},
					{"filename": "ok.png", "subfolder": 4}, {"filename": "good.png", "type": "output"}],
				"animated": "yes", "text": "not a list", "frame_rate": [8], "gifs": {"filename": "not-a-list.gif"},
				"fancy": [{"filename": "custom.bin", "type": "output"}]},
				"51": [], "52": "x", "53": null}`,
			files: []File{{Filename: "good.png", Type: "output", NodeID: "50", Kind: "images"},
				{Filename: "custom.bin", Type: "output", NodeID: "50", Kind: "fancy"}},
			results:   []bool{true, true},
			mediaType: []string{"image/png", "application/octet-stream"},
		},
		{
			name:      "an entry without a type is served from output",
			outputs:   `{"60": {"images": [{"filename": "x.JPG"}]}}`,
			files:     []File{{Filename: "x.JPG", NodeID: "60", Kind: "images"}},
			results:   []bool{true},
			mediaType: []string{"image/jpeg"},
		},
		{
			name: "input files are not results; several kinds of one node keep document order",
			outputs: `{"70": {"gifs": [{"filename": "v.webm", "type": "output", "format": "video/webm"}],
				"images": [{"filename": "in.png", "type": "input"}], "audio": [{"filename": "s.wav", "type": "output"}]}}`,
			files: []File{{Filename: "v.webm", Type: "output", NodeID: "70", Kind: "gifs", Format: "video/webm"},
				{Filename: "in.png", Type: "input", NodeID: "70", Kind: "images"},
				{Filename: "s.wav", Type: "output", NodeID: "70", Kind: "audio"}},
			results:   []bool{true, false, true},
			mediaType: []string{"video/webm", "image/png", "audio/wav"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files, texts, err := outputFiles(json.RawMessage(tc.outputs))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(files, tc.files) {
				t.Errorf("files\n got %+v\nwant %+v", files, tc.files)
			}
			if !slices.Equal(texts, tc.texts) {
				t.Errorf("texts %+v, want %+v", texts, tc.texts)
			}
			for i, f := range files {
				if i < len(tc.results) && f.Result() != tc.results[i] {
					t.Errorf("%s: Result() = %v, want %v", f.Filename, f.Result(), tc.results[i])
				}
				if i < len(tc.mediaType) && f.MediaType() != tc.mediaType[i] {
					t.Errorf("%s: MediaType() = %q, want %q", f.Filename, f.MediaType(), tc.mediaType[i])
				}
			}
			if len(files) != len(tc.results) || len(files) != len(tc.mediaType) {
				t.Fatalf("the case lists %d results and %d media types for %d files", len(tc.results), len(tc.mediaType), len(files))
			}
		})
	}
}

func TestOutputFilesOfNoOutputs(t *testing.T) {
	for _, raw := range []string{``, `null`, ` {} `} {
		files, texts, err := outputFiles(json.RawMessage(raw))
		if err != nil || files != nil || texts != nil {
			t.Errorf("%q: %v %v %v, want nothing", raw, files, texts, err)
		}
	}
	if _, _, err := outputFiles(json.RawMessage(`[1]`)); err == nil {
		t.Error("outputs that are not an object: no error")
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
		for _, im := range h.Files {
			got = append(got, im.NodeID+"/"+strings.SplitN(im.Filename, "_", 2)[0])
		}
		want := []string{"9/nine", "9/nine", "10/ten", "10/ten"}
		if !slices.Equal(got, want) {
			t.Errorf("seed %d (listed %v): images %v, want %v", seed, listed, got, want)
		}
		for _, node := range []string{"9", "10"} {
			var inBatch []string
			for _, im := range h.Files {
				if im.NodeID == node {
					inBatch = append(inBatch, im.Filename)
				}
			}
			if !slices.IsSorted(inBatch) {
				t.Errorf("seed %d: node %s's images out of batch order: %v", seed, node, inBatch)
			}
		}
		if o := h.Outcome(); !slices.Equal(o.Files, h.Files) {
			t.Errorf("seed %d: the outcome's images differ from the history's", seed)
		}
	}
	if len(listings) < 2 {
		t.Errorf("the fake listed the output nodes in one order under every seed (%v): the test proves nothing", listings)
	}
}

// everyKind saves one of each kind of output the fake knows: a still and a preview image, an
// animated WebP, a core video, a VideoHelperSuite MP4, a FLAC and a preview FLAC, and a text.
const everyKind = `{
	"1": {"class_type": "EmptyImage", "inputs": {"width": 32, "height": 16, "batch_size": 3, "color": %d}},
	"2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "still"}},
	"3": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
	"4": {"class_type": "SaveAnimatedWEBP", "inputs": {"images": ["1", 0], "filename_prefix": "anim", "fps": 6.0,
		"lossless": true, "quality": 80, "method": "default"}},
	"5": {"class_type": "CreateVideo", "inputs": {"images": ["1", 0], "fps": 24.0}},
	"6": {"class_type": "SaveVideo", "inputs": {"video": ["5", 0], "filename_prefix": "video/ComfyUI", "format": "auto", "codec": "auto"}},
	"7": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": 8, "loop_count": 0,
		"filename_prefix": "AnimateDiff", "format": "video/h264-mp4", "pingpong": false, "save_output": true}},
	"8": {"class_type": "EmptyAudio", "inputs": {"duration": 0.5, "sample_rate": 44100, "channels": 2}},
	"9": {"class_type": "SaveAudio", "inputs": {"audio": ["8", 0], "filename_prefix": "audio/ComfyUI"}},
	"10": {"class_type": "PreviewAudio", "inputs": {"audio": ["8", 0]}},
	"11": {"class_type": "PrimitiveString", "inputs": {"value": "a red fox"}},
	"12": {"class_type": "PreviewAny", "inputs": {"source": ["11", 0]}}
}`

func TestOutcomeListsEveryKindOfFile(t *testing.T) {
	srv := comfytest.New(t, comfytest.WithVideoCombine())
	c := newClient(srv)
	runClient(t, c)
	out, err := submit(t, c, string(workflow(everyKind, 0x336699))).Wait(testContext(t))
	if err != nil || out.Status != StatusSuccess {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	type summary struct {
		node, kind, format string
		animated, result   bool
		media              string
	}
	var got []summary
	for _, f := range out.Files {
		got = append(got, summary{f.NodeID, f.Kind, f.Format, f.Animated, f.Result(), f.MediaType()})
		data, err := c.View(testContext(t), f)
		if err != nil || len(data) == 0 {
			t.Errorf("View %s: %v", f.Filename, err)
		}
	}
	want := []summary{
		{"2", "images", "", false, true, "image/png"}, {"2", "images", "", false, true, "image/png"}, {"2", "images", "", false, true, "image/png"},
		{"3", "images", "", false, false, "image/png"}, {"3", "images", "", false, false, "image/png"}, {"3", "images", "", false, false, "image/png"},
		{"4", "images", "", true, true, "image/webp"},
		{"6", "images", "", true, true, "video/mp4"},
		{"7", "gifs", "video/h264-mp4", false, true, "video/mp4"},
		{"9", "audio", "", false, true, "audio/flac"},
		{"10", "audio", "", false, false, "audio/flac"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("files\n got %v\nwant %v", got, want)
	}
	if want := []Text{{NodeID: "12", Text: "a red fox"}}; !slices.Equal(out.Texts, want) {
		t.Errorf("texts %v, want %v", out.Texts, want)
	}
}
