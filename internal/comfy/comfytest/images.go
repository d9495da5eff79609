package comfytest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// maxSide bounds generated images so a workflow asking for 16384² cannot exhaust memory.
const maxSide = 4096

// file is something /view can serve: an upload (stored bytes), a generated image or media file
// (rendered on demand, so large outputs cost no memory while they sit in the fake).
type file struct {
	kind      string // output, temp or input
	subfolder string
	name      string
	data      []byte
	img       imageSpec
	media     *mediaSpec
	version   uint64 // of an upload, for the loaders' cache keys
}

type imageSpec struct {
	w, h   int
	color  color.NRGBA
	extra  int    // padding bytes, to make files large without slow encoding
	prompt []byte // the "prompt" text chunk ComfyUI writes into saved PNGs
	seed   uint64
}

func fileKey(kind, subfolder, name string) string { return kind + "\x00" + subfolder + "\x00" + name }

func (f *file) bytes(pngs *pngCache) ([]byte, error) {
	switch {
	case f.data != nil:
		return f.data, nil
	case f.media != nil:
		return f.media.render(pngs)
	}
	return pngs.render(f.img)
}

// pngCache keeps the zlib-compressed pixels of generated images, most of what a render costs.
// A generated image has one colour, so its pixels depend on its size alone: the colour is only
// in the palette, which render writes anew. Sizes rarely vary, so a few entries serve all.
type pngCache struct {
	mu    sync.Mutex
	sizes map[[2]int]pngParts
}

// pngCacheSize bounds the cache; a workflow asking for ever new sizes costs an encode each.
const pngCacheSize = 32

// pngParts is an encoded image without its palette: signature and IHDR, then IDAT and IEND.
type pngParts struct {
	head, tail []byte
}

// render draws a solid image of the requested size. Text chunks carry the prompt and, when
// asked, padding of pseudo-random printable bytes that stays a valid PNG any decoder accepts.
func (c *pngCache) render(spec imageSpec) ([]byte, error) {
	p, err := c.parts(clampSide(spec.w), clampSide(spec.h), spec.color)
	if err != nil {
		return nil, err
	}
	const chunk = 12 // length, type and CRC
	size := len(p.head) + chunk + len("prompt\x00") + len(spec.prompt) + chunk + len("comment\x00") + spec.extra +
		chunk + 3 + chunk + 1 + len(p.tail)
	out := make([]byte, 0, size)
	out = append(out, p.head...)
	// Text chunks go right after IHDR, before the palette.
	if len(spec.prompt) > 0 {
		out = appendChunk(out, "tEXt", func(b []byte) []byte {
			return append(append(b, "prompt\x00"...), spec.prompt...)
		})
	}
	if spec.extra > 0 {
		out = appendChunk(out, "tEXt", func(b []byte) []byte {
			return appendPadding(append(b, "comment\x00"...), spec.extra, spec.seed)
		})
	}
	out = appendPalette(out, spec.color)
	return append(out, p.tail...), nil
}

func (c *pngCache) parts(w, h int, col color.NRGBA) (pngParts, error) {
	key := [2]int{w, h}
	c.mu.Lock()
	p, ok := c.sizes[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := encodeParts(w, h, col)
	if err != nil {
		return pngParts{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sizes == nil {
		c.sizes = map[[2]int]pngParts{}
	}
	if len(c.sizes) >= pngCacheSize {
		for k := range c.sizes {
			delete(c.sizes, k) // any one: a cache this small needs no LRU order
			break
		}
	}
	c.sizes[key] = p
	return p, nil
}

// encodeParts encodes a one-colour image with image/png and cuts its palette out.
func encodeParts(w, h int, col color.NRGBA) (pngParts, error) {
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{col})
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return pngParts{}, fmt.Errorf("encode png: %w", err)
	}
	b := buf.Bytes()
	// Signature (8 bytes) and the IHDR chunk (25 bytes) come first, the palette chunks next.
	const afterIHDR = 33
	i := afterIHDR
	for i+8 <= len(b) && (string(b[i+4:i+8]) == "PLTE" || string(b[i+4:i+8]) == "tRNS") {
		i += 12 + int(binary.BigEndian.Uint32(b[i:]))
	}
	if i == afterIHDR || i > len(b) {
		return pngParts{}, errors.New("encode png: no palette after IHDR")
	}
	return pngParts{head: b[:afterIHDR:afterIHDR], tail: b[i:]}, nil
}

// appendPalette writes what image/png writes for a one-colour palette: PLTE, and tRNS when the
// colour is not opaque.
func appendPalette(b []byte, c color.NRGBA) []byte {
	b = appendChunk(b, "PLTE", func(b []byte) []byte { return append(b, c.R, c.G, c.B) })
	if c.A != 0xff {
		b = appendChunk(b, "tRNS", func(b []byte) []byte { return append(b, c.A) })
	}
	return b
}

func clampSide(n int) int {
	return min(max(n, 1), maxSide)
}

// appendChunk appends a PNG chunk whose data fill appends.
func appendChunk(b []byte, typ string, fill func([]byte) []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b = append(b, typ...)
	b = fill(b)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-8))
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start+4:]))
}

// appendPadding appends n printable bytes drawn from seed.
func appendPadding(b []byte, n int, seed uint64) []byte {
	var r rand.PCG
	r.Seed(seed, 0x636f6d6679)
	start := len(b)
	b = slices.Grow(b, n)[:start+n]
	pad := b[start:]
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for k := i; k < min(i+8, n); k++ {
			pad[k] = ' ' + byte(v)%95
			v >>= 8
		}
	}
	return b
}

func randomLetters(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + rand.IntN(26))
	}
	return string(b)
}

func colorOf(c int64) color.NRGBA {
	return color.NRGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: 0xff}
}

// saveImagesLocked stores generated images like SaveImage (kind "output") or PreviewImage
// ("temp") and returns their UI entries.
func (s *Server) saveImagesLocked(kind, prefix string, spec imageSpec, count int) []any {
	subfolder, base, _ := splitPrefix(prefix)
	key := fileKey(kind, subfolder, base)
	out := make([]any, 0, count)
	for range count {
		s.counters[key]++
		name := fmt.Sprintf("%s_%05d_.png", base, s.counters[key])
		img := spec
		img.seed = rand.Uint64()
		s.files[fileKey(kind, subfolder, name)] = &file{kind: kind, subfolder: subfolder, name: name, img: img}
		out = append(out, object{{"filename", name}, {"subfolder", subfolder}, {"type", kind}})
	}
	return out
}

// uploadNamesLocked lists the input files, sorted. Every prompt is validated against the list
// while the files map also holds every image generated so far, so the list is kept until an
// upload changes it. Callers get a copy of their own.
func (s *Server) uploadNamesLocked() []string {
	if s.uploads == nil {
		s.uploads = s.listUploadsLocked()
	}
	return slices.Clone(s.uploads)
}

func (s *Server) listUploadsLocked() []string {
	var names []string
	for _, f := range s.files {
		if f.kind != "input" {
			continue
		}
		if f.subfolder != "" {
			names = append(names, f.subfolder+"/"+f.name)
		} else {
			names = append(names, f.name)
		}
	}
	slices.Sort(names)
	return names
}

// addExampleInput puts the example.png every ComfyUI install ships in its input folder.
func (s *Server) addExampleInputLocked() {
	s.files[fileKey("input", "", "example.png")] = &file{kind: "input", name: "example.png",
		img: imageSpec{w: 512, h: 512, color: colorOf(0x8080c0)}}
	s.uploads = nil
}

func (s *Server) handleView(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("filename") {
		writeEmpty(w, http.StatusNotFound)
		return
	}
	name, kind := q.Get("filename"), ""
	for _, t := range []string{"input", "output", "temp"} {
		if n, ok := strings.CutSuffix(name, " ["+t+"]"); ok {
			name, kind = n, t
		}
	}
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	if kind == "" {
		kind = q.Get("type")
		if kind == "" {
			kind = "output"
		}
	}
	if kind != "input" && kind != "output" && kind != "temp" {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	sub, ok := cleanSubfolder(q.Get("subfolder"))
	if !ok {
		writeEmpty(w, http.StatusForbidden)
		return
	}
	name = path.Base(name)
	s.mu.Lock()
	f := s.files[fileKey(kind, sub, name)]
	s.mu.Unlock()
	if f == nil {
		writeEmpty(w, http.StatusNotFound)
		return
	}
	data, err := f.bytes(&s.pngs)
	if err != nil {
		writeServerError(w)
		return
	}
	ct := guessType(name)
	if ct == "" || strings.HasPrefix(ct, "text/") {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf("filename=%q", name))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// cleanSubfolder normalises a subfolder and reports whether it stays inside its base folder.
func cleanSubfolder(sub string) (string, bool) {
	if sub == "" {
		return "", true
	}
	c := path.Clean(strings.ReplaceAll(sub, "\\", "/"))
	if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	if c == "." {
		return "", true
	}
	return c, true
}

// handleUpload follows ComfyUI's image_upload (server.py). The form fields are taken as sent:
// the subfolder is echoed unnormalised, a type field present but empty fails like an unknown one,
// and the file name keeps its directories (Go's multipart reader would strip them), so one that
// climbs out of the folder is refused and one naming a folder that does not exist fails to open.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	form := r.MultipartForm
	fhs := form.File["image"]
	if len(fhs) == 0 {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	name := rawFileName(fhs[0].Header.Get("Content-Disposition"))
	if name == "" {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	kind := "input"
	if v, ok := form.Value["type"]; ok {
		kind = v[0]
	}
	if kind != "input" && kind != "output" && kind != "temp" {
		// ComfyUI fails with an unassigned variable here.
		writeServerError(w)
		return
	}
	subfolder := ""
	if v, ok := form.Value["subfolder"]; ok {
		subfolder = v[0]
	}
	sub, ok := cleanSubfolder(subfolder)
	if !ok {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	joined := path.Join(sub, name)
	if joined == "." || joined == ".." || strings.HasPrefix(joined, "/") || strings.HasPrefix(joined, "../") {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	dir, base := path.Split(joined)
	dir = strings.TrimSuffix(dir, "/")
	overwrite := form.Value["overwrite"] != nil && (form.Value["overwrite"][0] == "true" || form.Value["overwrite"][0] == "1")
	src, err := fhs[0].Open()
	if err != nil {
		writeServerError(w)
		return
	}
	data, err := io.ReadAll(src)
	_ = src.Close()
	if err != nil {
		writeServerError(w)
		return
	}

	s.mu.Lock()
	if dir != sub && !s.dirExistsLocked(kind, dir) {
		// The subfolder is created, but not folders named in the file name: open() fails.
		s.mu.Unlock()
		writeServerError(w)
		return
	}
	duplicate := false
	if !overwrite {
		stem, ext := pySplitext(name)
		for i := 1; ; i++ {
			existing := s.files[fileKey(kind, dir, base)]
			if existing == nil {
				break
			}
			if old, err := existing.bytes(&s.pngs); err == nil && bytes.Equal(old, data) {
				duplicate = true
				break
			}
			name = fmt.Sprintf("%s (%d)%s", stem, i, ext)
			base = path.Base(name)
		}
	}
	if !duplicate {
		s.fileVersion++
		s.files[fileKey(kind, dir, base)] = &file{kind: kind, subfolder: dir, name: base, data: data, version: s.fileVersion}
		s.infoJSON = nil
		s.uploads = nil
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, object{{"name", name}, {"subfolder", subfolder}, {"type", kind}})
}

// rawFileName is the filename parameter of a part as sent, directories included.
func rawFileName(disposition string) string {
	_, params, err := mime.ParseMediaType(disposition)
	if err != nil {
		return ""
	}
	return params["filename"]
}

// dirExistsLocked reports whether a folder of kind holds any file, at any depth.
func (s *Server) dirExistsLocked(kind, dir string) bool {
	for _, f := range s.files {
		if f.kind == kind && (f.subfolder == dir || strings.HasPrefix(f.subfolder, dir+"/")) {
			return true
		}
	}
	return false
}

// imageSize reads the dimensions of an uploaded image, for LoadImage.
func imageSize(data []byte) (int, int) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 512, 512
	}
	return cfg.Width, cfg.Height
}
