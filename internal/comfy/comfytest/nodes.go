package comfytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"strconv"
	"strings"
)

// Values flowing between nodes: only what decides the size, count and look of the images.
type imageVal struct {
	w, h, batch int
	color       color.NRGBA
	alpha       bool
}

type latentVal struct {
	w, h, batch int
	color       color.NRGBA
}

type maskVal struct{ w, h, batch int }

type sigmasVal struct{ steps int }

// opaque stands for models, conditioning and other values the fake does not look into.
type opaque struct{ typ string }

type execResult struct {
	outputs []any
	ui      object
	max     float64 // the progress maximum the node reached (1 without a progress bar)
}

const (
	defaultSide  = 512
	defaultSteps = 20
)

func isSampler(class string) bool {
	switch class {
	case "KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced":
		return true
	}
	return false
}

// progressSteps estimates a node's progress updates, to spread the job duration over them.
func (ex *execution) progressSteps(n *node) int {
	switch {
	case isSampler(n.class):
		return ex.samplerSteps(n)
	case n.class == "SaveImageWebsocket":
		return 1
	}
	return 0
}

func (ex *execution) samplerSteps(n *node) int {
	if in := n.input("steps"); in != nil && in.link == nil {
		if v, err := pyInt(in.value); err == nil {
			return max(1, int(asInt(v)))
		}
	}
	if in := n.input("sigmas"); in != nil && in.link != nil {
		if src := ex.j.g.nodes[in.link.from]; src != nil {
			if st := src.input("steps"); st != nil && st.link == nil {
				if v, err := pyInt(st.value); err == nil {
					return max(1, int(asInt(v)))
				}
			}
		}
	}
	return defaultSteps
}

func (ex *execution) exec(ctx context.Context, n *node, in map[string]any) (execResult, error) {
	cl := ex.s.cat.classes[n.class]
	if n.class == ex.failClass || ex.failFirst {
		ex.failFirst = false
		return execResult{}, &runtimeError{typ: "RuntimeError", msg: fmt.Sprintf("comfytest: injected failure in %s", n.class)}
	}
	if run := ex.s.custom[n.class]; run != nil {
		return run(ctx, ex, n, cl, in)
	}
	res := execResult{max: 1}
	switch {
	case n.class == "EmptyImage":
		res.outputs = []any{imageVal{w: intIn(in, "width", defaultSide), h: intIn(in, "height", defaultSide),
			batch: intIn(in, "batch_size", 1), color: colorOf(asInt(in["color"]))}}
	case strings.HasPrefix(n.class, "Empty") && strings.HasSuffix(n.class, "LatentImage"):
		res.outputs = []any{latentVal{w: intIn(in, "width", defaultSide), h: intIn(in, "height", defaultSide),
			batch: intIn(in, "batch_size", 1), color: colorOf(0x808080)}}
	case isSampler(n.class):
		return ex.sample(ctx, n, cl, in)
	case n.class == "BasicScheduler":
		res.outputs = []any{sigmasVal{steps: intIn(in, "steps", defaultSteps)}}
	case n.class == "LoadImage" || n.class == "LoadImageMask":
		res.outputs = ex.loadImage(in)
	case n.class == "GetImageSize":
		img := imageIn(in)
		ex.s.mu.Lock()
		if ex.currentLocked() {
			ex.s.sendTextLocked(n.id, fmt.Sprintf("width: %d, height: %d\n batch size: %d", img.w, img.h, img.batch))
		}
		ex.s.mu.Unlock()
		res.outputs = []any{json.Number(strconv.Itoa(img.w)), json.Number(strconv.Itoa(img.h)), json.Number(strconv.Itoa(img.batch))}
	case n.class == "ImageToMask":
		img := imageIn(in)
		if pyStr(in["channel"]) == "alpha" && !img.alpha {
			return res, &runtimeError{typ: "IndexError", msg: "index 3 is out of bounds for dimension 3 with size 3"}
		}
		res.outputs = []any{maskVal{img.w, img.h, img.batch}}
	case n.class == "ImageInvert":
		img := imageIn(in)
		img.color = color.NRGBA{255 - img.color.R, 255 - img.color.G, 255 - img.color.B, img.color.A}
		res.outputs = []any{img}
	case n.class == "ImageScale":
		img := imageIn(in)
		w, h := intIn(in, "width", 0), intIn(in, "height", 0)
		switch {
		case w == 0 && h == 0:
		case w == 0:
			img.w, img.h = max(1, img.w*h/max(1, img.h)), h
		case h == 0:
			img.w, img.h = w, max(1, img.h*w/max(1, img.w))
		default:
			img.w, img.h = w, h
		}
		res.outputs = []any{img}
	case n.class == "ImageScaleBy":
		img := imageIn(in)
		f := asFloat(in["scale_by"])
		img.w, img.h = max(1, int(math.Round(float64(img.w)*f))), max(1, int(math.Round(float64(img.h)*f)))
		res.outputs = []any{img}
	case n.class == "SaveImage":
		return ex.saveImages(n, in, "output", pyStr(in["filename_prefix"]))
	case n.class == "PreviewImage":
		return ex.saveImages(n, in, "temp", "ComfyUI_temp_"+ex.tempPrefix())
	case n.class == "SaveImageWebsocket":
		return ex.sendImages(ctx, n, in)
	case n.class == "PreviewAny":
		res.ui = object{{"text", []string{describe(in["source"])}}}
	default:
		if media, ok, err := ex.execMedia(n, in); ok {
			return media, err
		}
		res.outputs = passThrough(cl, in)
	}
	return res, nil
}

func (ex *execution) tempPrefix() string {
	ex.s.mu.Lock()
	defer ex.s.mu.Unlock()
	return ex.s.st.tempPrefix
}

// sample runs a sampler's steps with progress updates (and JPEG previews when enabled).
func (ex *execution) sample(ctx context.Context, n *node, cl *class, in map[string]any) (execResult, error) {
	steps := ex.samplerSteps(n)
	lat, _ := in["latent_image"].(latentVal)
	if lat.w == 0 {
		lat = latentVal{w: defaultSide, h: defaultSide, batch: 1}
	}
	seed := pyStr(in["seed"])
	if v, ok := in["noise_seed"]; ok {
		seed = pyStr(v)
	}
	if nv, ok := in["noise"].(opaque); ok {
		seed = nv.typ
	}
	h := fnv.New32a()
	h.Write([]byte(seed))
	lat.color = colorOf(int64(h.Sum32()))
	var preview []byte
	if ex.knobs.previews {
		// Every step shows the same picture; frames copy it, so one encode serves them all.
		preview = jpegPreview(lat.w, lat.h, lat.color)
	}
	for step := 1; step <= steps; step++ {
		if err := ex.progress(ctx, n.id, step, steps, preview, "image/jpeg"); err != nil {
			return execResult{}, err
		}
	}
	outs := make([]any, len(cl.outputs))
	for i := range outs {
		outs[i] = lat
	}
	return execResult{outputs: outs, max: float64(steps)}, nil
}

func jpegPreview(w, h int, c color.NRGBA) []byte {
	// Previews are scaled to fit 512 like ComfyUI's --preview-size default, but smaller here.
	const side = 64
	pw, ph := side, side
	if w > h {
		ph = max(1, side*h/max(1, w))
	} else {
		pw = max(1, side*w/max(1, h))
	}
	img := image.NewNRGBA(image.Rect(0, 0, pw, ph))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 0xff
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	return buf.Bytes()
}

// progress sends one progress update in ComfyUI's order: progress_state, the preview as event 4
// (client negotiated metadata), progress, or the preview as event 1 (everyone else).
func (ex *execution) progress(ctx context.Context, id string, value, maxValue int, preview []byte, mime string) error {
	if !sleep(ctx, ex.unit) {
		return ctx.Err()
	}
	return ex.progressNow(id, value, maxValue, preview, mime)
}

// progressNow sends a progress update without waiting: for steps the job duration is not spread
// over (see progressSteps).
func (ex *execution) progressNow(id string, value, maxValue int, preview []byte, mime string) error {
	s, j := ex.s, ex.j
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ex.currentLocked() {
		return context.Canceled
	}
	if s.st.interrupt {
		return interruptedError{}
	}
	ex.setStateLocked(id, "running", float64(value), float64(maxValue))
	meta := s.wantsMetadataLocked(j.clientID)
	if preview != nil && meta {
		s.sendPreviewMetadataLocked(j, id, mime, preview)
	}
	s.emitLocked(j.clientID, toClientOrAll, "progress", object{{"value", value}, {"max", maxValue}, {"prompt_id", j.id}, {"node", id}})
	if preview != nil && !meta {
		format := uint32(1)
		if mime == "image/png" {
			format = 2
		}
		s.sendPreviewLegacyLocked(j, format, preview)
	}
	return nil
}

func (ex *execution) outputSpec(img imageVal) (imageSpec, int) {
	spec := imageSpec{w: img.w, h: img.h, color: img.color, extra: ex.knobs.extraBytes}
	if ex.knobs.imageW > 0 && ex.knobs.imageH > 0 {
		spec.w, spec.h = ex.knobs.imageW, ex.knobs.imageH
	}
	count := max(1, img.batch)
	if ex.knobs.imagesPerOutput > 0 {
		count = ex.knobs.imagesPerOutput
	}
	return spec, count
}

// saveImages is SaveImage (output folder) and PreviewImage (temp folder).
func (ex *execution) saveImages(n *node, in map[string]any, kind, prefix string) (execResult, error) {
	if _, _, err := splitPrefix(prefix); err != nil {
		return execResult{}, err
	}
	img := imageIn(in)
	spec, count := ex.outputSpec(img)
	spec.prompt = ex.j.prompt
	ex.s.mu.Lock()
	defer ex.s.mu.Unlock()
	images := ex.s.saveImagesLocked(kind, prefix, spec, count)
	return execResult{ui: object{{"images", images}}, max: 1}, nil
}

// sendImages is SaveImageWebsocket: each image goes out as a binary PNG frame with a progress
// update; nothing is written and there is no UI output.
func (ex *execution) sendImages(ctx context.Context, n *node, in map[string]any) (execResult, error) {
	img := imageIn(in)
	spec, count := ex.outputSpec(img)
	spec.extra = 0
	for i := range count {
		png, err := ex.s.pngs.render(spec)
		if err != nil {
			return execResult{}, err
		}
		if err := ex.progress(ctx, n.id, i, count, png, "image/png"); err != nil {
			return execResult{}, err
		}
	}
	return execResult{max: float64(count)}, nil
}

func (ex *execution) loadImage(in map[string]any) []any {
	name := stripAnnotation(pyStr(in["image"]))
	sub, base := "", name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		sub, base = name[:i], name[i+1:]
	}
	w, h := defaultSide, defaultSide
	ex.s.mu.Lock()
	if f := ex.s.files[fileKey("input", sub, base)]; f != nil {
		if data, err := f.bytes(&ex.s.pngs); err == nil {
			w, h = imageSize(data)
		}
	}
	ex.s.mu.Unlock()
	return []any{imageVal{w: w, h: h, batch: 1, color: colorOf(0x8080c0), alpha: true}, maskVal{w, h, 1}}
}

// passThrough derives outputs for nodes without a behaviour of their own from their inputs.
func passThrough(cl *class, in map[string]any) []any {
	var img *imageVal
	var lat *latentVal
	var msk *maskVal
	var aud *audioVal
	var vid *videoVal
	for _, spec := range cl.inputs {
		switch v := in[spec.name].(type) {
		case audioVal:
			if aud == nil {
				aud = &v
			}
		case videoVal:
			if vid == nil {
				vid = &v
			}
		case imageVal:
			if img == nil {
				img = &v
			}
		case latentVal:
			if lat == nil {
				lat = &v
			}
		case maskVal:
			if msk == nil {
				msk = &v
			}
		}
	}
	outs := make([]any, len(cl.outputs))
	for i, typ := range cl.outputs {
		switch typ {
		case "IMAGE":
			switch {
			case img != nil:
				outs[i] = *img
			case lat != nil:
				outs[i] = imageVal{w: lat.w, h: lat.h, batch: lat.batch, color: lat.color}
			case msk != nil:
				outs[i] = imageVal{w: msk.w, h: msk.h, batch: msk.batch, color: colorOf(0xffffff)}
			default:
				outs[i] = imageVal{w: defaultSide, h: defaultSide, batch: 1, color: colorOf(0x808080)}
			}
		case "LATENT":
			switch {
			case lat != nil:
				outs[i] = *lat
			case img != nil:
				outs[i] = latentVal{w: img.w, h: img.h, batch: img.batch, color: img.color}
			default:
				outs[i] = latentVal{w: defaultSide, h: defaultSide, batch: 1, color: colorOf(0x808080)}
			}
		case "MASK":
			switch {
			case msk != nil:
				outs[i] = *msk
			case img != nil:
				outs[i] = maskVal{img.w, img.h, img.batch}
			default:
				outs[i] = maskVal{defaultSide, defaultSide, 1}
			}
		case "AUDIO":
			switch {
			case aud != nil:
				outs[i] = *aud
			case vid != nil && vid.audio != nil:
				outs[i] = *vid.audio
			default:
				outs[i] = audioVal{rate: defaultRate, channels: defaultChannels, samples: defaultRate, batch: 1}
			}
		case "VIDEO":
			switch {
			case vid != nil:
				outs[i] = *vid
			default:
				frames := imageVal{w: defaultSide, h: defaultSide, batch: defaultFPS, color: colorOf(0x808080)}
				if img != nil {
					frames = *img
				}
				outs[i] = videoVal{frames: frames, fps: defaultFPS}
			}
		case "INT", "FLOAT", "STRING", "BOOLEAN":
			outs[i] = firstLiteral(cl, in, typ)
		default:
			outs[i] = opaque{typ: typ}
		}
	}
	return outs
}

func firstLiteral(cl *class, in map[string]any, kind string) any {
	for _, spec := range cl.inputs {
		if spec.kind == kind {
			if v, ok := in[spec.name]; ok {
				return v
			}
		}
	}
	switch kind {
	case "STRING":
		return ""
	case "BOOLEAN":
		return false
	}
	return json.Number("0")
}

func imageIn(in map[string]any) imageVal {
	for _, name := range []string{"image", "images", "pixels"} {
		switch v := in[name].(type) {
		case imageVal:
			return v
		case latentVal:
			return imageVal{w: v.w, h: v.h, batch: v.batch, color: v.color}
		}
	}
	for _, v := range in {
		if img, ok := v.(imageVal); ok {
			return img
		}
	}
	return imageVal{w: defaultSide, h: defaultSide, batch: 1, color: colorOf(0x808080)}
}

func intIn(in map[string]any, name string, def int) int {
	v, ok := in[name]
	if !ok {
		return def
	}
	return int(asInt(v))
}

// asInt reads an integer input; seeds beyond int64 saturate, which is fine for sizes and counts.
func asInt(v any) int64 {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return int64(math.Max(math.Min(f, math.MaxInt64), math.MinInt64))
	case int64:
		return t
	case int:
		return int64(t)
	case float64:
		return int64(t)
	case bool:
		if t {
			return 1
		}
	}
	return 0
}

func asFloat(v any) float64 {
	switch t := v.(type) {
	case json.Number:
		f, _ := t.Float64()
		return f
	case float64:
		return t
	case int64:
		return float64(t)
	}
	return 0
}

// describe renders a value the way ComfyUI stringifies node inputs in errors and PreviewAny.
func describe(v any) string {
	switch t := v.(type) {
	case imageVal:
		return fmt.Sprintf("tensor(shape=[%d, %d, %d, 3])", t.batch, t.h, t.w)
	case latentVal:
		return fmt.Sprintf("{'samples': tensor(shape=[%d, 4, %d, %d])}", t.batch, t.h/8, t.w/8)
	case maskVal:
		return fmt.Sprintf("tensor(shape=[%d, %d, %d])", t.batch, t.h, t.w)
	case sigmasVal:
		return fmt.Sprintf("tensor(shape=[%d])", t.steps+1)
	case audioVal:
		return describeAudio(t)
	case videoVal:
		return "<comfy_api.latest._input_impl.video_types.VideoFromComponents object>"
	case opaque:
		return "<" + t.typ + " object>"
	}
	return pyStr(v)
}
