package comfytest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"strings"
)

// vhsVideoCombineJSON is VHS_VideoCombine's object_info entry (see testdata/custom_nodes/README.md).
//
//go:embed testdata/custom_nodes/VHS_VideoCombine.json
var vhsVideoCombineJSON []byte

// WithVideoCombine adds VideoHelperSuite's Video Combine node (VHS_VideoCombine), which workflows
// use to save videos and GIFs. It answers as VideoCombine.combine_video (videohelpersuite/nodes.py)
// does: a "gifs" UI entry with the format, frame rate, metadata PNG and full path, files named
// "<prefix>_<counter:05>.<ext>" in the output folder, or temp when save_output is false.
func WithVideoCombine() Option {
	return func(c *config) {
		c.custom = append(c.custom, customDef{class: "VHS_VideoCombine", info: vhsVideoCombineJSON,
			accepts: map[string][]string{"images": {"LATENT"}, "frame_rate": {"INT"}}, run: videoCombine})
	}
}

// vhsFormat is what the fake needs of a format: the container it writes, the extension of its
// video_formats/*.json, and the Matroska codec.
type vhsFormat struct{ media, ext, codec string }

var vhsFormats = map[string]vhsFormat{
	"image/gif":            {"gif", "gif", ""}, // written by Pillow
	"image/webp":           {"webp", "webp", ""},
	"video/16bit-png":      {"png", "%03d.png", ""},
	"video/8bit-png":       {"png", "%03d.png", ""},
	"video/ProRes":         {"mov", "mov", ""},
	"video/av1-webm":       {"webm", "webm", "V_AV1"},
	"video/ffmpeg-gif":     {"gif", "gif", ""},
	"video/ffv1-mkv":       {"mkv", "mkv", "V_FFV1"},
	"video/gifski":         {"gif", "gif", ""},
	"video/h264-mp4":       {"mp4", "mp4", ""},
	"video/h265-mp4":       {"mp4", "mp4", ""},
	"video/nvenc_av1-mp4":  {"mp4", "mp4", ""},
	"video/nvenc_h264-mp4": {"mp4", "mp4", ""},
	"video/nvenc_hevc-mp4": {"mp4", "mp4", ""},
	"video/webm":           {"webm", "webm", "V_VP9"},
}

// vhsCounterLocked is combine_video's counter: one more than the highest number of any file in
// the folder matching "<prefix>_(\d+)\D*\..+", which takes in the stock savers' files
// ("<prefix>_00003_.png") as well as its own. The stock savers' counter does not see VHS's files
// (no "_" after the number), so the two are kept apart.
func (s *Server) vhsCounterLocked(kind, sub, base string) int {
	key := fileKey(kind, sub, base)
	n := max(s.counters[key], s.vhsCount[key]) + 1
	s.vhsCount[key] = n
	return n
}

func videoCombine(ctx context.Context, ex *execution, n *node, _ *class, in map[string]any) (execResult, error) {
	frames := imageIn(in)
	spec, _ := ex.outputSpec(frames)
	fps := floatIn(in, "frame_rate", 8)
	if fps <= 0 {
		fps = 8
	}
	prefix, format := "AnimateDiff", "image/gif"
	if v, ok := in["filename_prefix"]; ok {
		prefix = pyStr(v)
	}
	if v, ok := in["format"]; ok {
		format = pyStr(v)
	}
	saveOutput := true
	if v, ok := in["save_output"]; ok {
		saveOutput = pyBool(v)
	}
	f, ok := vhsFormats[format]
	if !ok {
		return execResult{}, &runtimeError{typ: "TypeError", msg: "expected str, bytes or os.PathLike object, not NoneType"}
	}
	kind, dir := "output", outputDir
	if !saveOutput {
		kind, dir = "temp", tempDir
	}
	sub, base, err := splitPrefix(prefix)
	if err != nil {
		return execResult{}, err
	}
	num := max(1, frames.batch)
	shown, total := num, num
	if pyBool(in["pingpong"]) && num > 2 {
		// to_pingpong plays the frames back without repeating the ends; the progress bar is told
		// only for ffmpeg formats.
		shown = 2*num - 2
		if strings.HasPrefix(format, "video/") {
			total = shown
		}
	}
	// A progress update per frame written, as VHS's ProgressBar sends them.
	for i := 1; i <= shown; i++ {
		if err := ctx.Err(); err != nil {
			return execResult{}, err
		}
		if err := ex.progressNow(n.id, min(i, total), total, nil, ""); err != nil {
			return execResult{}, err
		}
	}

	s := ex.s
	s.mu.Lock()
	defer s.mu.Unlock()
	counter := s.vhsCounterLocked(kind, sub, base)
	put := func(name string, fl *file) string {
		fl.kind, fl.subfolder, fl.name = kind, sub, name
		s.files[fileKey(kind, sub, name)] = fl
		return path.Join(dir, sub, name)
	}
	// The first frame as a PNG carrying the prompt, whatever the format.
	workflow := fmt.Sprintf("%s_%05d.png", base, counter)
	first := imageSpec{w: spec.w, h: spec.h, color: frames.color, prompt: ex.j.prompt, extra: ex.knobs.extraBytes, seed: rand.Uint64()}
	outputFiles := []string{put(workflow, &file{img: first})}
	m := mediaSpec{format: f.media, codec: f.codec, w: spec.w, h: spec.h, frames: shown, fps: fps, color: frames.color,
		loop: intIn(in, "loop_count", 0), delayMS: int(math.Round(1000 / fps)), meta: ex.j.prompt, size: ex.knobs.mediaBytes}
	name := fmt.Sprintf("%s_%05d.%s", base, counter, f.ext)
	switch {
	case f.media == "png":
		// FFmpeg's image2 muxer writes the sequence "<name>.001.png", "<name>.002.png"...
		for i := 1; i <= shown; i++ {
			frame := first
			frame.prompt, frame.seed = nil, rand.Uint64()
			put(strings.ReplaceAll(name, "%03d", fmt.Sprintf("%03d", i)), &file{img: frame})
		}
		outputFiles = append(outputFiles, path.Join(dir, sub, name))
	default:
		m.seed = rand.Uint64()
		outputFiles = append(outputFiles, put(name, &file{media: &m}))
		if a, ok := in["audio"].(audioVal); ok && strings.HasPrefix(format, "video/") && format != "video/gifski" {
			// The sound is muxed into a copy, which the UI shows.
			withAudio := m
			withAudio.rate, withAudio.channels, withAudio.samples, withAudio.seed = a.rate, a.channels, a.samples, rand.Uint64()
			name = fmt.Sprintf("%s_%05d-audio.%s", base, counter, f.ext)
			outputFiles = append(outputFiles, put(name, &file{media: &withAudio}))
		}
	}
	if format == "video/gifski" {
		format = "image/gif"
	}
	frameRate, ok := in["frame_rate"].(json.Number)
	if !ok {
		frameRate = json.Number(pyFloat(fps))
	}
	preview := object{{"filename", name}, {"subfolder", sub}, {"type", kind}, {"format", format},
		{"frame_rate", frameRate}, {"workflow", workflow}, {"fullpath", outputFiles[len(outputFiles)-1]}}
	if num == 1 && strings.Contains(format, "png") && strings.Contains(name, "%03d") {
		preview.set("format", "image/png")
		preview.set("filename", strings.ReplaceAll(name, "%03d", "001"))
	}
	return execResult{outputs: []any{opaque{typ: "VHS_FILENAMES"}}, ui: object{{"gifs", []any{preview}}}, max: float64(total)}, nil
}
