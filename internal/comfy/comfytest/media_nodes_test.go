package comfytest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image/gif"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// runUI queues a prompt, waits for it to succeed and returns each node's UI output from
// /history, compacted.
func runUI(t *testing.T, srv *comfytest.Server, prompt string) map[string]string {
	t.Helper()
	status, out := postPrompt(t, srv, `{"prompt": `+prompt+`}`)
	if status != http.StatusOK {
		t.Fatalf("POST /prompt: %d %v", status, out)
	}
	if err := srv.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	id := out["prompt_id"].(string)
	_, data := do(t, srv, http.MethodGet, "/history/"+id, "", nil)
	var hist map[string]struct {
		Outputs map[string]json.RawMessage `json:"outputs"`
		Status  struct {
			StatusStr string            `json:"status_str"`
			Messages  []json.RawMessage `json:"messages"`
		} `json:"status"`
	}
	if err := json.Unmarshal(data, &hist); err != nil {
		t.Fatal(err)
	}
	if h := hist[id]; h.Status.StatusStr != "success" {
		t.Fatalf("prompt ended %q: %s", h.Status.StatusStr, h.Status.Messages)
	}
	ui := map[string]string{}
	for node, raw := range hist[id].Outputs {
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			t.Fatal(err)
		}
		ui[node] = b.String()
	}
	return ui
}

// fetch downloads a file with /view and returns its bytes and Content-Type.
func fetch(t *testing.T, srv *comfytest.Server, filename, subfolder, typ string) ([]byte, string) {
	t.Helper()
	q := url.Values{"filename": {filename}, "subfolder": {subfolder}, "type": {typ}}
	resp, err := http.Get(srv.URL() + "/view?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /view %s: %d", q.Encode(), resp.StatusCode)
	}
	return b.Bytes(), resp.Header.Get("Content-Type")
}

// upload posts a file to /upload/image with extra form fields and returns the status and answer.
func upload(t *testing.T, srv *comfytest.Server, name string, data []byte, fields ...string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("image", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	status, answer := do(t, srv, http.MethodPost, "/upload/image", w.FormDataContentType(), body.Bytes())
	return status, string(answer)
}

// wav is a PCM WAV file of silence.
func wav(rate, channels, samples int) []byte {
	data := samples * channels * 2
	b := append([]byte("RIFF"), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, uint16(channels))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate*channels*2))
	b = binary.LittleEndian.AppendUint16(b, uint16(channels*2))
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(data))
	return append(b, make([]byte, data)...)
}

const frames = `"1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 8, "batch_size": %d, "color": 3368601}}`

func TestAnimatedImageSavers(t *testing.T) {
	srv := comfytest.New(t)
	ui := runUI(t, srv, `{`+fmt.Sprintf(frames, 3)+`,
		"2": {"class_type": "SaveAnimatedWEBP", "inputs": {"images": ["1", 0], "filename_prefix": "anim", "fps": 6.0,
			"lossless": true, "quality": 80, "method": "default"}},
		"3": {"class_type": "SaveAnimatedPNG", "inputs": {"images": ["1", 0], "filename_prefix": "apng/anim", "fps": 6.0, "compress_level": 4}}}`)
	if want := `{"images":[{"filename":"anim_00001_.webp","subfolder":"","type":"output"}],"animated":[true]}`; ui["2"] != want {
		t.Errorf("SaveAnimatedWEBP UI %s, want %s", ui["2"], want)
	}
	if want := `{"images":[{"filename":"anim_00001_.png","subfolder":"apng","type":"output"}],"animated":[true]}`; ui["3"] != want {
		t.Errorf("SaveAnimatedPNG UI %s, want %s", ui["3"], want)
	}
	webp, ct := fetch(t, srv, "anim_00001_.webp", "", "output")
	if ct != "image/webp" || http.DetectContentType(webp) != "image/webp" || webp[20]&0x02 == 0 {
		t.Errorf("WebP served as %s, sniffed %s, VP8X flags %#x", ct, http.DetectContentType(webp), webp[20])
	}
	apng, ct := fetch(t, srv, "anim_00001_.png", "apng", "output")
	img, err := png.Decode(bytes.NewReader(apng))
	if ct != "image/png" || err != nil || img.Bounds().Dx() != 16 || !bytes.Contains(apng, []byte("acTL\x00\x00\x00\x03")) {
		t.Errorf("APNG served as %s, decodes %v (%v), acTL for 3 frames: %v", ct, err, img, bytes.Contains(apng, []byte("acTL\x00\x00\x00\x03")))
	}

	// One frame is not animated for the WebP saver (classic: num_frames != 1), always for APNG.
	ui = runUI(t, srv, `{`+fmt.Sprintf(frames, 1)+`,
		"2": {"class_type": "SaveAnimatedWEBP", "inputs": {"images": ["1", 0], "filename_prefix": "anim", "fps": 6.0,
			"lossless": true, "quality": 80, "method": "default"}},
		"3": {"class_type": "SaveAnimatedPNG", "inputs": {"images": ["1", 0], "filename_prefix": "apng/anim", "fps": 6.0, "compress_level": 4}}}`)
	if want := `{"images":[{"filename":"anim_00002_.webp","subfolder":"","type":"output"}],"animated":[false]}`; ui["2"] != want {
		t.Errorf("one-frame SaveAnimatedWEBP UI %s, want %s", ui["2"], want)
	}
	if want := `{"images":[{"filename":"anim_00002_.png","subfolder":"apng","type":"output"}],"animated":[true]}`; ui["3"] != want {
		t.Errorf("one-frame SaveAnimatedPNG UI %s, want %s", ui["3"], want)
	}
}

func TestSaversShareTheCounterOfAPrefix(t *testing.T) {
	srv := comfytest.New(t)
	runUI(t, srv, `{`+fmt.Sprintf(frames, 1)+`, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "same"}}}`)
	ui := runUI(t, srv, `{`+fmt.Sprintf(frames, 2)+`, "2": {"class_type": "SaveAnimatedWEBP", "inputs": {"images": ["1", 0],
		"filename_prefix": "same", "fps": 6.0, "lossless": true, "quality": 80, "method": "default"}}}`)
	if !strings.Contains(ui["2"], `"same_00002_.webp"`) {
		t.Errorf("after same_00001_.png the WebP saver wrote %s", ui["2"])
	}
}

func TestVideoNodes(t *testing.T) {
	srv := comfytest.New(t)
	ui := runUI(t, srv, `{`+fmt.Sprintf(frames, 12)+`,
		"2": {"class_type": "CreateVideo", "inputs": {"images": ["1", 0], "fps": 24.0}},
		"3": {"class_type": "SaveVideo", "inputs": {"video": ["2", 0], "filename_prefix": "video/ComfyUI", "format": "auto", "codec": "auto"}},
		"4": {"class_type": "SaveWEBM", "inputs": {"images": ["1", 0], "filename_prefix": "clips/web", "codec": "vp9", "fps": 24.0, "crf": 32.0}},
		"5": {"class_type": "GetVideoComponents", "inputs": {"video": ["2", 0]}},
		"6": {"class_type": "PreviewAny", "inputs": {"source": ["5", 0]}},
		"7": {"class_type": "PreviewAny", "inputs": {"source": ["5", 2]}}}`)
	if want := `{"images":[{"filename":"ComfyUI_00001_.mp4","subfolder":"video","type":"output"}],"animated":[true]}`; ui["3"] != want {
		t.Errorf("SaveVideo UI %s, want %s", ui["3"], want)
	}
	if want := `{"images":[{"filename":"web_00001_.webm","subfolder":"clips","type":"output"}],"animated":[true]}`; ui["4"] != want {
		t.Errorf("SaveWEBM UI %s, want %s", ui["4"], want)
	}
	if want := `{"text":["tensor(shape=[12, 8, 16, 3])"]}`; ui["6"] != want {
		t.Errorf("frames of the video: %s, want %s", ui["6"], want)
	}
	if want := `{"text":["24.0"]}`; ui["7"] != want {
		t.Errorf("fps of the video: %s, want %s", ui["7"], want)
	}
	mp4, ct := fetch(t, srv, "ComfyUI_00001_.mp4", "video", "output")
	if ct != "video/mp4" || http.DetectContentType(mp4) != "video/mp4" {
		t.Errorf("MP4 served as %s, sniffed %s", ct, http.DetectContentType(mp4))
	}
	webm, ct := fetch(t, srv, "web_00001_.webm", "clips", "output")
	if ct != "video/webm" || http.DetectContentType(webm) != "video/webm" || !bytes.Contains(webm, []byte("V_VP9")) {
		t.Errorf("WebM served as %s, sniffed %s", ct, http.DetectContentType(webm))
	}
}

func TestAudioNodes(t *testing.T) {
	srv := comfytest.New(t)
	if status, answer := upload(t, srv, "voice.wav", wav(22050, 2, 11025)); status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, answer)
	}
	ui := runUI(t, srv, `{"1": {"class_type": "LoadAudio", "inputs": {"audio": "voice.wav"}},
		"2": {"class_type": "SaveAudio", "inputs": {"audio": ["1", 0], "filename_prefix": "audio/flac"}},
		"3": {"class_type": "SaveAudioMP3", "inputs": {"audio": ["1", 0], "filename_prefix": "audio/mp3", "quality": "V0"}},
		"4": {"class_type": "SaveAudioOpus", "inputs": {"audio": ["1", 0], "filename_prefix": "audio/opus", "quality": "128k"}},
		"5": {"class_type": "PreviewAudio", "inputs": {"audio": ["1", 0]}}}`)
	for node, want := range map[string]string{
		"2": `{"audio":[{"filename":"flac_00001_.flac","subfolder":"audio","type":"output"}]}`,
		"3": `{"audio":[{"filename":"mp3_00001_.mp3","subfolder":"audio","type":"output"}]}`,
		"4": `{"audio":[{"filename":"opus_00001_.opus","subfolder":"audio","type":"output"}]}`,
	} {
		if ui[node] != want {
			t.Errorf("node %s UI %s, want %s", node, ui[node], want)
		}
	}
	preview := regexp.MustCompile(`^\{"audio":\[\{"filename":"(ComfyUI_temp_[a-z]{5}_00001_\.flac)","subfolder":"","type":"temp"\}\]\}$`).FindStringSubmatch(ui["5"])
	if preview == nil {
		t.Fatalf("PreviewAudio UI %s", ui["5"])
	}

	flac, ct := fetch(t, srv, "flac_00001_.flac", "audio", "output")
	if ct != "audio/flac" || string(flac[:4]) != "fLaC" {
		t.Errorf("FLAC served as %s, starts % x", ct, flac[:4])
	}
	if v := binary.BigEndian.Uint64(flac[18:]); v>>44 != 22050 || v>>41&7 != 1 || v&(1<<36-1) != 11025 {
		t.Errorf("FLAC holds %d Hz, %d channels, %d samples; the upload had 22050, 2, 11025", v>>44, v>>41&7+1, v&(1<<36-1))
	}
	mp3, ct := fetch(t, srv, "mp3_00001_.mp3", "audio", "output")
	if ct != "audio/mpeg" || http.DetectContentType(mp3) != "audio/mpeg" {
		t.Errorf("MP3 served as %s, sniffed %s", ct, http.DetectContentType(mp3))
	}
	opus, ct := fetch(t, srv, "opus_00001_.opus", "audio", "output")
	// save_audio resamples to the next rate Opus supports.
	if ct != "audio/ogg" || !bytes.HasPrefix(opus, []byte("OggS")) || binary.LittleEndian.Uint32(opus[28+12:]) != 24000 {
		t.Errorf("Opus served as %s, OpusHead % x", ct, opus[28:28+19])
	}
	if _, ct := fetch(t, srv, preview[1], "", "temp"); ct != "audio/flac" {
		t.Errorf("preview served as %s", ct)
	}

	// A batch of two waveforms saves two files.
	ui = runUI(t, srv, `{"1": {"class_type": "EmptyAudio", "inputs": {"duration": 0.5, "sample_rate": 16000, "channels": 1}},
		"2": {"class_type": "TrimAudioDuration", "inputs": {"audio": ["1", 0], "start_index": 0.0, "duration": 1.0}},
		"3": {"class_type": "SaveAudio", "inputs": {"audio": ["2", 0], "filename_prefix": "audio/flac"}}}`)
	if want := `{"audio":[{"filename":"flac_00002_.flac","subfolder":"audio","type":"output"}]}`; ui["3"] != want {
		t.Errorf("second SaveAudio UI %s, want %s", ui["3"], want)
	}
}

func TestLoadAudioChecksItsFile(t *testing.T) {
	srv := comfytest.New(t)
	status, data := do(t, srv, http.MethodPost, "/prompt", "application/json", []byte(`{"prompt": {
		"1": {"class_type": "LoadAudio", "inputs": {"audio": "nope.wav"}},
		"2": {"class_type": "PreviewAudio", "inputs": {"audio": ["1", 0]}}}}`))
	if status != http.StatusBadRequest || !strings.Contains(string(data), `"details":"audio - Invalid audio file: nope.wav"`) {
		t.Errorf("missing file: %d %s", status, data)
	}

	upload(t, srv, "noise.wav", []byte("this is not a sound"))
	status, out := postPrompt(t, srv, `{"prompt": {"1": {"class_type": "LoadAudio", "inputs": {"audio": "noise.wav"}},
		"2": {"class_type": "PreviewAudio", "inputs": {"audio": ["1", 0]}}}}`)
	if status != http.StatusOK {
		t.Fatalf("POST /prompt: %d %v", status, out)
	}
	if err := srv.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	_, data = do(t, srv, http.MethodGet, "/history/"+out["prompt_id"].(string), "", nil)
	if !strings.Contains(string(data), `"exception_type":"av.error.InvalidDataError"`) {
		t.Errorf("a file FFmpeg cannot read did not fail the node: %s", data)
	}

	// The loaders list the top-level input files of their content types.
	upload(t, srv, "voice.flac", nil)
	upload(t, srv, "clip.mp4", nil)
	upload(t, srv, "deep.wav", nil, "subfolder", "sub")
	for class, want := range map[string]string{
		"LoadAudio": `["clip.mp4","noise.wav","voice.flac"]`,
		"LoadImage": `["example.png"]`,
		"LoadVideo": `["clip.mp4"]`,
	} {
		_, data := do(t, srv, http.MethodGet, "/object_info/"+class, "", nil)
		var info map[string]struct {
			Input struct {
				Required map[string][]json.RawMessage `json:"required"`
			} `json:"input"`
		}
		if err := json.Unmarshal(data, &info); err != nil {
			t.Fatal(err)
		}
		var list json.RawMessage
		for _, spec := range info[class].Input.Required {
			list = spec[0]
			if class == "LoadVideo" {
				var opts struct {
					Options json.RawMessage `json:"options"`
				}
				json.Unmarshal(spec[1], &opts)
				list = opts.Options
			}
		}
		if string(list) != want {
			t.Errorf("%s lists %s, want %s", class, list, want)
		}
	}
}

func TestPreviewAnyShowsText(t *testing.T) {
	srv := comfytest.New(t)
	ui := runUI(t, srv, `{"1": {"class_type": "PrimitiveString", "inputs": {"value": "a red fox"}},
		"2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}`)
	if want := `{"text":["a red fox"]}`; ui["2"] != want {
		t.Errorf("PreviewAny UI %s, want %s", ui["2"], want)
	}
}

func TestSetMediaBytes(t *testing.T) {
	srv := comfytest.New(t, comfytest.WithVideoCombine())
	const size = 3_000_000
	srv.SetMediaBytes(size)
	srv.SetExtraBytes(0)
	runUI(t, srv, `{`+fmt.Sprintf(frames, 4)+`,
		"2": {"class_type": "CreateVideo", "inputs": {"images": ["1", 0], "fps": 24.0}},
		"3": {"class_type": "SaveVideo", "inputs": {"video": ["2", 0], "filename_prefix": "bigvideo", "format": "mp4", "codec": "h264"}},
		"4": {"class_type": "EmptyAudio", "inputs": {"duration": 1.0, "sample_rate": 44100, "channels": 2}},
		"5": {"class_type": "SaveAudio", "inputs": {"audio": ["4", 0], "filename_prefix": "bigflac"}},
		"6": {"class_type": "SaveAudioOpus", "inputs": {"audio": ["4", 0], "filename_prefix": "bigopus", "quality": "64k"}},
		"7": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": 8, "loop_count": 0,
			"filename_prefix": "vhs", "format": "video/h264-mp4", "pingpong": false, "save_output": true}},
		"8": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "still"}}}`)
	for name, slack := range map[string]int{"bigvideo_00001_.mp4": 0, "bigflac_00001_.flac": 0, "bigopus_00001_.opus": 30, "vhs_00001.mp4": 0} {
		data, _ := fetch(t, srv, name, "", "output")
		if len(data) < size || len(data) > size+slack {
			t.Errorf("%s: %d bytes, want %d", name, len(data), size)
		}
	}
	still, _ := fetch(t, srv, "still_00001_.png", "", "output")
	if len(still) > 100_000 {
		t.Errorf("a still image took the media size: %d bytes", len(still))
	}
}

func TestVideoCombine(t *testing.T) {
	combine := func(format string, extra string) string {
		return `{` + fmt.Sprintf(frames, 4) + `,
			"2": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": 8, "loop_count": 0,
				"filename_prefix": "AnimateDiff", "format": "` + format + `", "pingpong": false, "save_output": true` + extra + `}}}`
	}
	cases := []struct {
		name   string
		prompt string
		ui     string
		ct     string // Content-Type of the file the UI names
		check  func(t *testing.T, data []byte)
	}{
		{"h264-mp4 with its widgets",
			combine("video/h264-mp4", `, "pix_fmt": "yuv420p", "crf": 19, "save_metadata": true, "trim_to_audio": false`),
			`{"gifs":[{"filename":"AnimateDiff_00001.mp4","subfolder":"","type":"output","format":"video/h264-mp4","frame_rate":8.0,` +
				`"workflow":"AnimateDiff_00001.png","fullpath":"/opt/ComfyUI/output/AnimateDiff_00001.mp4"}]}`,
			"video/mp4", func(t *testing.T, b []byte) {
				if http.DetectContentType(b) != "video/mp4" {
					t.Errorf("sniffed %s", http.DetectContentType(b))
				}
			}},
		{"image/gif",
			combine("image/gif", ""),
			`{"gifs":[{"filename":"AnimateDiff_00001.gif","subfolder":"","type":"output","format":"image/gif","frame_rate":8.0,` +
				`"workflow":"AnimateDiff_00001.png","fullpath":"/opt/ComfyUI/output/AnimateDiff_00001.gif"}]}`,
			"image/gif", func(t *testing.T, b []byte) {
				g, err := gif.DecodeAll(bytes.NewReader(b))
				if err != nil || len(g.Image) != 4 || g.Delay[0] != 12 {
					t.Errorf("GIF: %v, %d frames", err, len(g.Image))
				}
			}},
		{"image/webp with pingpong",
			`{` + fmt.Sprintf(frames, 4) + `, "2": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": 12,
				"loop_count": 1, "filename_prefix": "AnimateDiff", "format": "image/webp", "pingpong": true, "save_output": true, "lossless": true}}}`,
			`{"gifs":[{"filename":"AnimateDiff_00001.webp","subfolder":"","type":"output","format":"image/webp","frame_rate":12.0,` +
				`"workflow":"AnimateDiff_00001.png","fullpath":"/opt/ComfyUI/output/AnimateDiff_00001.webp"}]}`,
			"image/webp", func(t *testing.T, b []byte) {
				if n := bytes.Count(b, []byte("ANMF")); n != 6 {
					t.Errorf("%d frames, want 4 played back and forth: 6", n)
				}
			}},
		{"save_output false writes to temp, in the prefix's subfolder",
			`{` + fmt.Sprintf(frames, 4) + `, "2": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": 8,
				"loop_count": 0, "filename_prefix": "previews/clip", "format": "video/webm", "pingpong": false, "save_output": false}}}`,
			`{"gifs":[{"filename":"clip_00001.webm","subfolder":"previews","type":"temp","format":"video/webm","frame_rate":8.0,` +
				`"workflow":"clip_00001.png","fullpath":"/opt/ComfyUI/temp/previews/clip_00001.webm"}]}`,
			"video/webm", nil},
		{"with audio the UI names the muxed copy",
			`{` + fmt.Sprintf(frames, 4) + `, "3": {"class_type": "EmptyAudio", "inputs": {"duration": 1.0, "sample_rate": 44100, "channels": 2}},
				"2": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "audio": ["3", 0], "frame_rate": 8,
				"loop_count": 0, "filename_prefix": "AnimateDiff", "format": "video/h264-mp4", "pingpong": false, "save_output": true}}}`,
			`{"gifs":[{"filename":"AnimateDiff_00001-audio.mp4","subfolder":"","type":"output","format":"video/h264-mp4","frame_rate":8.0,` +
				`"workflow":"AnimateDiff_00001.png","fullpath":"/opt/ComfyUI/output/AnimateDiff_00001-audio.mp4"}]}`,
			"video/mp4", nil},
		{"a single frame of a PNG sequence",
			`{` + fmt.Sprintf(frames, 1) + `, "2": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": 8,
				"loop_count": 0, "filename_prefix": "AnimateDiff", "format": "video/8bit-png", "pingpong": false, "save_output": true}}}`,
			`{"gifs":[{"filename":"AnimateDiff_00001.001.png","subfolder":"","type":"output","format":"image/png","frame_rate":8.0,` +
				`"workflow":"AnimateDiff_00001.png","fullpath":"/opt/ComfyUI/output/AnimateDiff_00001.%03d.png"}]}`,
			"image/png", nil},
		{"latents are taken, the frame rate from an INT keeps its type",
			`{"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 32, "batch_size": 2}},
				"3": {"class_type": "PrimitiveInt", "inputs": {"value": 10}},
				"2": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": ["3", 0], "loop_count": 0,
				"filename_prefix": "AnimateDiff", "format": "video/ProRes", "pingpong": false, "save_output": true, "profile": "hq"}}}`,
			`{"gifs":[{"filename":"AnimateDiff_00001.mov","subfolder":"","type":"output","format":"video/ProRes","frame_rate":10,` +
				`"workflow":"AnimateDiff_00001.png","fullpath":"/opt/ComfyUI/output/AnimateDiff_00001.mov"}]}`,
			"video/quicktime", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := comfytest.New(t, comfytest.WithVideoCombine())
			ui := runUI(t, srv, tc.prompt)
			if ui["2"] != tc.ui {
				t.Fatalf("UI\n got %s\nwant %s", ui["2"], tc.ui)
			}
			var out struct {
				Gifs []struct{ Filename, Subfolder, Type, Workflow string } `json:"gifs"`
			}
			json.Unmarshal([]byte(ui["2"]), &out)
			g := out.Gifs[0]
			data, ct := fetch(t, srv, g.Filename, g.Subfolder, g.Type)
			if ct != tc.ct {
				t.Errorf("served as %s, want %s", ct, tc.ct)
			}
			if tc.check != nil {
				tc.check(t, data)
			}
			meta, ct := fetch(t, srv, g.Workflow, g.Subfolder, g.Type)
			if _, err := png.Decode(bytes.NewReader(meta)); err != nil || ct != "image/png" || !bytes.Contains(meta, []byte("tEXtprompt\x00")) {
				t.Errorf("metadata PNG: %v, %s", err, ct)
			}
		})
	}
}

func TestVideoCombineCounter(t *testing.T) {
	srv := comfytest.New(t, comfytest.WithVideoCombine())
	save := `{` + fmt.Sprintf(frames, 1) + `, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "AnimateDiff"}}}`
	combine := `{` + fmt.Sprintf(frames, 2) + `, "2": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": 8,
		"loop_count": 0, "filename_prefix": "AnimateDiff", "format": "image/gif", "pingpong": false, "save_output": true}}}`
	var got []string
	for _, p := range []string{save, combine, save, combine} {
		ui := runUI(t, srv, p)
		got = append(got, regexp.MustCompile(`"filename":"([^"]+)"`).FindStringSubmatch(ui["2"])[1])
	}
	// VHS counts every "<prefix>_<n>..." file; ComfyUI's savers only their own "<prefix>_<n>_.ext".
	want := []string{"AnimateDiff_00001_.png", "AnimateDiff_00002.gif", "AnimateDiff_00002_.png", "AnimateDiff_00003.gif"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("files %v, want %v", got, want)
	}
}

func TestVideoCombineClassAndValidation(t *testing.T) {
	srv := comfytest.New(t, comfytest.WithVideoCombine())
	_, data := do(t, srv, http.MethodGet, "/object_info/VHS_VideoCombine", "", nil)
	var info map[string]struct {
		Input struct {
			Required struct {
				Format []json.RawMessage `json:"format"`
			} `json:"required"`
		} `json:"input"`
		OutputNode bool   `json:"output_node"`
		Category   string `json:"category"`
	}
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	var formats []string
	json.Unmarshal(info["VHS_VideoCombine"].Input.Required.Format[0], &formats)
	if len(formats) < 3 || formats[0] != "image/gif" || formats[1] != "image/webp" || !strings.Contains(strings.Join(formats, " "), "video/h264-mp4") ||
		!info["VHS_VideoCombine"].OutputNode {
		t.Errorf("object_info: formats %v, output node %v", formats, info["VHS_VideoCombine"].OutputNode)
	}
	status, data := do(t, srv, http.MethodPost, "/prompt", "application/json", []byte(`{"prompt": {`+fmt.Sprintf(frames, 2)+`,
		"2": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "frame_rate": 8, "loop_count": 0,
		"filename_prefix": "x", "format": "video/av2", "pingpong": false, "save_output": true}}}}`))
	if status != http.StatusBadRequest || !strings.Contains(string(data), "value_not_in_list") {
		t.Errorf("unknown format: %d %s", status, data)
	}
	if _, data := do(t, comfytest.New(t), http.MethodGet, "/object_info/VHS_VideoCombine", "", nil); string(data) != "{}" {
		t.Errorf("a stock server knows VHS_VideoCombine: %s", data)
	}
}

func TestCustomNode(t *testing.T) {
	info := json.RawMessage(`{"input": {"required": {"text": ["STRING", {"forceInput": true}], "images": ["IMAGE"]}},
		"input_order": {"required": ["text", "images"]}, "output": ["STRING"], "output_is_list": [false], "output_name": ["STRING"],
		"name": "ShowAndSave", "display_name": "Show and save", "description": "", "python_module": "custom_nodes.show",
		"category": "utils", "output_node": true}`)
	srv := comfytest.New(t, comfytest.WithCustomNode("ShowAndSave", comfytest.CustomNode{
		Info: info,
		Run: func(_ context.Context, n *comfytest.NodeRun) (json.RawMessage, error) {
			fr, ok := n.Frames("images")
			if !ok {
				return nil, fmt.Errorf("no frames")
			}
			text, _ := n.Input("text").(string)
			if text == "fail" {
				return nil, fmt.Errorf("asked to fail")
			}
			saved, err := n.Save("output", "custom/"+text, "bin", []byte(fmt.Sprintf("%dx%dx%d", fr.Width, fr.Height, fr.Count)))
			if err != nil {
				return nil, err
			}
			return json.Marshal(map[string]any{"text": []string{text}, "files": []comfytest.SavedFile{saved}})
		},
	}))
	ui := runUI(t, srv, `{`+fmt.Sprintf(frames, 3)+`, "3": {"class_type": "ShowAndSave", "inputs": {"text": "hi", "images": ["1", 0]}}}`)
	if want := `{"files":[{"filename":"hi_00001_.bin","subfolder":"custom","type":"output"}],"text":["hi"]}`; ui["3"] != want {
		t.Errorf("UI %s, want %s", ui["3"], want)
	}
	if data, ct := fetch(t, srv, "hi_00001_.bin", "custom", "output"); string(data) != "16x8x3" || ct != "application/octet-stream" {
		t.Errorf("saved file %q served as %s", data, ct)
	}
	status, out := postPrompt(t, srv, `{"prompt": {`+fmt.Sprintf(frames, 1)+`, "3": {"class_type": "ShowAndSave", "inputs": {"text": "fail", "images": ["1", 0]}}}}`)
	if status != http.StatusOK {
		t.Fatal(out)
	}
	if err := srv.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	_, data := do(t, srv, http.MethodGet, "/history/"+out["prompt_id"].(string), "", nil)
	if !strings.Contains(string(data), `"exception_message":"asked to fail\n"`) {
		t.Errorf("a failing custom node: %s", data)
	}
}

// TestReuploadedInputRunsAgain: LoadAudio's IS_CHANGED hashes its file, so the same prompt after
// the file was overwritten runs again, and without that comes from the cache.
func TestReuploadedInputRunsAgain(t *testing.T) {
	srv := comfytest.New(t)
	prompt := `{"1": {"class_type": "LoadAudio", "inputs": {"audio": "voice.wav"}},
		"2": {"class_type": "SaveAudio", "inputs": {"audio": ["1", 0], "filename_prefix": "again"}}}`
	rateOf := func(ui string) uint64 {
		var out struct {
			Audio []struct{ Filename string } `json:"audio"`
		}
		json.Unmarshal([]byte(ui), &out)
		flac, _ := fetch(t, srv, out.Audio[0].Filename, "", "output")
		return binary.BigEndian.Uint64(flac[18:]) >> 44
	}
	upload(t, srv, "voice.wav", wav(16000, 1, 1600))
	first := runUI(t, srv, prompt)["2"]
	if again := runUI(t, srv, prompt)["2"]; again != first {
		t.Errorf("an unchanged prompt ran again: %s, then %s", first, again)
	}
	upload(t, srv, "voice.wav", wav(32000, 1, 3200), "overwrite", "true")
	third := runUI(t, srv, prompt)["2"]
	if third == first || rateOf(first) != 16000 || rateOf(third) != 32000 {
		t.Errorf("after the overwrite: %s at %d Hz (first %s at %d Hz)", third, rateOf(third), first, rateOf(first))
	}
}
