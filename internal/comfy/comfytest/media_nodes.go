package comfytest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"strconv"
	"strings"
)

// The stock nodes that write video, audio and animated images, and the nodes that feed them.
// Each follows the ComfyUI source named beside it, as of 0.3.64 (the version object_info.json
// was recorded from): the UI output key and shape, the file name (filename_prefix, counter and
// extension), the subfolder and the folder type.

// audioVal is an AUDIO value: a batch of waveforms.
type audioVal struct{ rate, channels, samples, batch int }

// videoVal is a VIDEO value: frames, their rate and an optional sound track.
type videoVal struct {
	frames imageVal
	fps    float64
	audio  *audioVal
}

const (
	defaultRate     = 44100
	defaultChannels = 2
	defaultFPS      = 24
	outputDir       = "/opt/ComfyUI/output" // where the fake's ComfyUI lives, for full paths
	tempDir         = "/opt/ComfyUI/temp"
)

// execMedia runs the media nodes; ok is false for any other class.
func (ex *execution) execMedia(n *node, in map[string]any) (res execResult, ok bool, err error) {
	res = execResult{max: 1}
	switch n.class {
	case "EmptyAudio": // comfy_extras/nodes_audio.py
		rate := intIn(in, "sample_rate", defaultRate)
		res.outputs = []any{audioVal{rate: rate, channels: intIn(in, "channels", defaultChannels),
			samples: int(math.Round(asFloat(in["duration"]) * float64(rate))), batch: 1}}
	case "LoadAudio": // comfy_extras/nodes_audio.py
		a, err := ex.loadAudio(pyStr(in["audio"]))
		if err != nil {
			return res, true, err
		}
		res.outputs = []any{a}
	case "LoadVideo": // comfy_extras/nodes_video.py
		v, err := ex.loadVideo(pyStr(in["file"]))
		if err != nil {
			return res, true, err
		}
		res.outputs = []any{v}
	case "CreateVideo": // comfy_extras/nodes_video.py
		v := videoVal{frames: imageIn(in), fps: floatIn(in, "fps", 30)}
		if a, ok := in["audio"].(audioVal); ok {
			v.audio = &a
		}
		res.outputs = []any{v}
	case "GetVideoComponents": // comfy_extras/nodes_video.py
		v, ok := in["video"].(videoVal)
		if !ok {
			return res, true, noneError("get_components")
		}
		var audio any // None when the video has no sound
		if v.audio != nil {
			audio = *v.audio
		}
		res.outputs = []any{v.frames, audio, json.Number(pyFloat(v.fps))}
	case "SaveAnimatedWEBP", "SaveAnimatedPNG", "SaveWEBM", "SaveVideo":
		res, err = ex.saveAnimation(n, in)
	case "SaveAudio", "SaveAudioMP3", "SaveAudioOpus", "PreviewAudio":
		res, err = ex.saveAudio(n, in)
	default:
		return res, false, nil
	}
	return res, true, err
}

// noneError is what Python raises when a node gets None where it wants an object.
func noneError(attr string) error {
	return &runtimeError{typ: "AttributeError", msg: fmt.Sprintf("'NoneType' object has no attribute '%s'", attr)}
}

func floatIn(in map[string]any, name string, def float64) float64 {
	if _, ok := in[name]; !ok {
		return def
	}
	return asFloat(in[name])
}

// saveAnimation is SaveAnimatedWEBP and SaveAnimatedPNG (comfy_extras/nodes_images.py, classic
// nodes in 0.3.64: {"images": [entry], "animated": [frames != 1]} for WebP, [true] for APNG) and
// SaveWEBM and SaveVideo (comfy_extras/nodes_video.py: ui.PreviewVideo, {"images": [entry],
// "animated": [true]}). One file each, "<prefix>_<counter:05>_.<ext>" in the output folder.
func (ex *execution) saveAnimation(n *node, in map[string]any) (execResult, error) {
	m := mediaSpec{meta: ex.j.prompt, size: ex.knobs.mediaBytes}
	var ext string
	animated := true
	switch n.class {
	case "SaveAnimatedWEBP":
		ex.setFrames(&m, imageIn(in), floatIn(in, "fps", 6))
		m.format, ext = "webp", "webp"
		animated = m.frames != 1
	case "SaveAnimatedPNG":
		ex.setFrames(&m, imageIn(in), floatIn(in, "fps", 6))
		m.format, ext = "apng", "png"
	case "SaveWEBM":
		ex.setFrames(&m, imageIn(in), floatIn(in, "fps", 24))
		m.format, ext, m.codec = "webm", "webm", "V_VP9"
		if pyStr(in["codec"]) == "av1" {
			m.codec = "V_AV1"
		}
	case "SaveVideo":
		v, ok := in["video"].(videoVal)
		if !ok {
			return execResult{}, noneError("get_dimensions")
		}
		ex.setFrames(&m, v.frames, v.fps)
		if v.audio != nil {
			m.rate, m.channels, m.samples = v.audio.rate, v.audio.channels, v.audio.samples
		}
		// Types.VideoContainer: "auto" and "mp4" both write MP4.
		m.format, ext = "mp4", "mp4"
	}
	prefix := pyStr(in["filename_prefix"])
	ex.s.mu.Lock()
	defer ex.s.mu.Unlock()
	entry, err := ex.s.saveMediaLocked("output", prefix, ext, m)
	if err != nil {
		return execResult{}, err
	}
	return execResult{ui: object{{"images", []any{entry}}, {"animated", []bool{animated}}}, max: 1}, nil
}

// setFrames takes the frames of an animation, at the forced size when SetImageSize is on.
func (ex *execution) setFrames(m *mediaSpec, img imageVal, fps float64) {
	spec, _ := ex.outputSpec(img)
	m.w, m.h, m.color = spec.w, spec.h, img.color
	m.frames, m.fps = max(1, img.batch), fps
}

// saveAudio is SaveAudio (FLAC), SaveAudioMP3, SaveAudioOpus and PreviewAudio (FLAC in the temp
// folder, prefix "ComfyUI_temp_" and five letters), comfy_extras/nodes_audio.py save_audio:
// {"audio": [entry per waveform of the batch]}, "<prefix>_<counter:05>_.<format>".
func (ex *execution) saveAudio(n *node, in map[string]any) (execResult, error) {
	a, ok := in["audio"].(audioVal)
	if !ok {
		return execResult{}, &runtimeError{typ: "TypeError", msg: "'NoneType' object is not subscriptable"}
	}
	kind, prefix, format := "output", pyStr(in["filename_prefix"]), "flac"
	switch n.class {
	case "SaveAudioMP3":
		format = "mp3"
	case "SaveAudioOpus":
		format = "opus"
	case "PreviewAudio":
		kind = "temp"
		ex.s.mu.Lock()
		prefix = "ComfyUI_temp_" + ex.s.st.tempAudioPrefix
		ex.s.mu.Unlock()
	}
	rate := a.rate
	if format == "opus" {
		rate = opusRate(rate)
	}
	ex.s.mu.Lock()
	defer ex.s.mu.Unlock()
	entries := make([]any, 0, a.batch)
	for range max(1, a.batch) {
		m := mediaSpec{format: format, rate: rate, channels: a.channels, meta: ex.j.prompt, size: ex.knobs.mediaBytes,
			samples: int(int64(a.samples) * int64(rate) / int64(max(1, a.rate)))}
		entry, err := ex.s.saveMediaLocked(kind, prefix, format, m)
		if err != nil {
			return execResult{}, err
		}
		entries = append(entries, entry)
	}
	return execResult{ui: object{{"audio", entries}}, max: 1}, nil
}

// opusRate is the rate save_audio resamples to for Opus: the next supported one up, at most 48 kHz.
func opusRate(rate int) int {
	for _, r := range []int{8000, 12000, 16000, 24000, 48000} {
		if rate <= r {
			return r
		}
	}
	return 48000
}

// splitPrefix is get_save_image_path's (folder_paths.py) subfolder and file name of a
// filename_prefix, normalised as os.path.normpath does; it fails like ComfyUI for a prefix that
// leaves the folder.
func splitPrefix(prefix string) (string, string, error) {
	p := path.Clean(prefix)
	sub, base := path.Split(p)
	sub = strings.TrimSuffix(sub, "/")
	if path.IsAbs(p) || sub == ".." || strings.HasPrefix(sub, "../") || p == ".." {
		return "", "", &runtimeError{typ: "Exception", msg: "**** ERROR: Saving image outside the output folder is not allowed."}
	}
	return sub, base, nil
}

// saveMediaLocked stores a media file as ComfyUI's savers name it, "<base>_<counter:05>_.<ext>",
// with the counter they share for a prefix in a folder, and returns its UI entry.
func (s *Server) saveMediaLocked(kind, prefix, ext string, m mediaSpec) (object, error) {
	sub, base, err := splitPrefix(prefix)
	if err != nil {
		return nil, err
	}
	key := fileKey(kind, sub, base)
	s.counters[key]++
	name := fmt.Sprintf("%s_%05d_.%s", base, s.counters[key], ext)
	m.seed = rand.Uint64()
	s.files[fileKey(kind, sub, name)] = &file{kind: kind, subfolder: sub, name: name, media: &m}
	return object{{"filename", name}, {"subfolder", sub}, {"type", kind}}, nil
}

// inputFileLocked finds an input file as folder_paths.get_annotated_filepath does: "sub/name",
// with an optional " [output]"-style annotation choosing the folder.
func (s *Server) inputFileLocked(name string) *file {
	kind := "input"
	for _, t := range []string{"input", "output", "temp"} {
		if n, ok := strings.CutSuffix(name, " ["+t+"]"); ok {
			name, kind = n, t
		}
	}
	sub, base := "", name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		sub, base = name[:i], name[i+1:]
	}
	return s.files[fileKey(kind, sub, base)]
}

// invalidData is the error PyAV raises for a file FFmpeg cannot read.
func invalidData(name string) error {
	return &runtimeError{typ: "av.error.InvalidDataError",
		msg: fmt.Sprintf("[Errno 1094995529] Invalid data found when processing input: '/opt/ComfyUI/input/%s'", name)}
}

// loadAudio reads an uploaded audio (or video) file as LoadAudio does through PyAV: anything
// FFmpeg cannot open fails, and the rate, channels and length come from the file where its
// header says them (WAV, FLAC, Ogg Opus, MP3), else 44.1 kHz stereo for a second.
func (ex *execution) loadAudio(name string) (audioVal, error) {
	ex.s.mu.Lock()
	f := ex.s.inputFileLocked(name)
	var data []byte
	var err error
	if f != nil {
		data, err = f.bytes(&ex.s.pngs)
	}
	ex.s.mu.Unlock()
	if f == nil || err != nil {
		return audioVal{}, &runtimeError{typ: "FileNotFoundError", msg: fmt.Sprintf("[Errno 2] No such file or directory: '%s'", name)}
	}
	a, ok := probeAudio(data)
	if !ok {
		return audioVal{}, invalidData(name)
	}
	a.batch = 1
	return a, nil
}

// loadVideo reads an uploaded video as LoadVideo does: VideoFromFile opens it lazily, so only a
// file of a kind FFmpeg cannot read at all fails here. Its frames are the fake's usual 512×512,
// a second at 24 frames per second.
func (ex *execution) loadVideo(name string) (videoVal, error) {
	ex.s.mu.Lock()
	f := ex.s.inputFileLocked(name)
	var data []byte
	var err error
	if f != nil {
		data, err = f.bytes(&ex.s.pngs)
	}
	ex.s.mu.Unlock()
	if f == nil || err != nil {
		return videoVal{}, &runtimeError{typ: "FileNotFoundError", msg: fmt.Sprintf("[Errno 2] No such file or directory: '%s'", name)}
	}
	if sniffMedia(data) == "" {
		return videoVal{}, invalidData(name)
	}
	v := videoVal{frames: imageVal{w: defaultSide, h: defaultSide, batch: defaultFPS, color: colorOf(0x406080)}, fps: defaultFPS}
	if a, ok := probeAudio(data); ok && sniffMedia(data) != "gif" {
		v.audio = &a
	}
	return v, nil
}

// sniffMedia names the container of a file by its magic bytes, "" for none FFmpeg would take.
func sniffMedia(b []byte) string {
	switch {
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "wav"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "flac"
	case bytes.HasPrefix(b, []byte("OggS")):
		return "ogg"
	case bytes.HasPrefix(b, []byte("ID3")) || len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return "mp3"
	case len(b) >= 8 && string(b[4:8]) == "ftyp":
		return "mp4"
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "matroska"
	case bytes.HasPrefix(b, []byte("GIF8")):
		return "gif"
	}
	return ""
}

// probeAudio reads the format of an audio file from its header.
func probeAudio(b []byte) (audioVal, bool) {
	a := audioVal{rate: defaultRate, channels: defaultChannels, samples: defaultRate}
	switch sniffMedia(b) {
	case "wav":
		align := 0
		for rest := b[12:]; len(rest) >= 8; {
			id, n := string(rest[:4]), int(binary.LittleEndian.Uint32(rest[4:8]))
			rest = rest[8:]
			if id == "fmt " && len(rest) >= 16 {
				a.channels = int(binary.LittleEndian.Uint16(rest[2:]))
				a.rate = int(binary.LittleEndian.Uint32(rest[4:]))
				align = int(binary.LittleEndian.Uint16(rest[12:]))
			}
			if id == "data" && align > 0 {
				a.samples = n / align
			}
			if n+n%2 > len(rest) {
				break
			}
			rest = rest[n+n%2:]
		}
	case "flac":
		if len(b) >= 8+18 {
			v := binary.BigEndian.Uint64(b[8+10:])
			a.rate, a.channels, a.samples = int(v>>44), int(v>>41&7)+1, int(v&(1<<36-1))
		}
	case "ogg":
		if i := bytes.Index(b, []byte("OpusHead")); i >= 0 && len(b) >= i+16 {
			a.channels, a.rate = int(b[i+9]), 48000
			if last := bytes.LastIndex(b, []byte("OggS")); last >= 0 && len(b) >= last+14 {
				g := binary.LittleEndian.Uint64(b[last+6:])
				pre := uint64(binary.LittleEndian.Uint16(b[i+10:]))
				if g > pre && g != math.MaxUint64 {
					a.samples = int(g - pre)
				}
			}
		}
	case "mp3", "mp4", "matroska":
	default:
		return audioVal{}, false
	}
	a.rate, a.channels = max(1, a.rate), max(1, a.channels)
	return a, true
}

// describeAudio renders an AUDIO value as str() shows the dict in errors and PreviewAny.
func describeAudio(a audioVal) string {
	return "{'waveform': tensor(shape=[" + strconv.Itoa(max(1, a.batch)) + ", " + strconv.Itoa(a.channels) + ", " +
		strconv.Itoa(a.samples) + "]), 'sample_rate': " + strconv.Itoa(a.rate) + "}"
}
