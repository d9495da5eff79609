package comfytest

import (
	"bytes"
	"encoding/binary"
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
)

// maxSide bounds generated images so a workflow asking for 16384² cannot exhaust memory.
const maxSide = 4096

// file is something /view can serve: an upload (stored bytes) or a generated image (rendered on
// demand, so large outputs cost no memory while they sit in the fake).
type file struct {
	kind      string // output, temp or input
	subfolder string
	name      string
	data      []byte
	img       imageSpec
}

type imageSpec struct {
	w, h   int
	color  color.NRGBA
	extra  int    // padding bytes, to make files large without slow encoding
	prompt []byte // the "prompt" text chunk ComfyUI writes into saved PNGs
	seed   uint64
}

func fileKey(kind, subfolder, name string) string { return kind + "\x00" + subfolder + "\x00" + name }

func (f *file) bytes() ([]byte, error) {
	if f.data != nil {
		return f.data, nil
	}
	return renderPNG(f.img)
}

// renderPNG draws a solid image of the requested size. Text chunks carry the prompt and, when
// asked, padding of pseudo-random printable bytes that stays a valid PNG any decoder accepts.
func renderPNG(spec imageSpec) ([]byte, error) {
	w, h := clampSide(spec.w), clampSide(spec.h)
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{spec.color})
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	b := buf.Bytes()
	// Signature (8 bytes) and the IHDR chunk (25 bytes) come first; text chunks go after them.
	const afterIHDR = 33
	var extra bytes.Buffer
	if len(spec.prompt) > 0 {
		writeChunk(&extra, "tEXt", append([]byte("prompt\x00"), spec.prompt...))
	}
	if spec.extra > 0 {
		writeChunk(&extra, "tEXt", append([]byte("comment\x00"), padding(spec.extra, spec.seed)...))
	}
	out := make([]byte, 0, len(b)+extra.Len())
	out = append(out, b[:afterIHDR]...)
	out = append(out, extra.Bytes()...)
	out = append(out, b[afterIHDR:]...)
	return out, nil
}

func clampSide(n int) int {
	return min(max(n, 1), maxSide)
}

func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}

func padding(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x636f6d6679))
	b := make([]byte, n)
	for i := 0; i < n; {
		v := r.Uint64()
		for k := 0; k < 8 && i < n; k++ {
			b[i] = byte(' ' + (v&0xff)%95)
			v >>= 8
			i++
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
	subfolder, base := "", prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		subfolder, base = prefix[:i], prefix[i+1:]
	}
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

func (s *Server) uploadNamesLocked() []string {
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
	data, err := f.bytes()
	if err != nil {
		writeServerError(w)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
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

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	fhs := r.MultipartForm.File["image"]
	if len(fhs) == 0 || fhs[0].Filename == "" {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	kind := r.FormValue("type")
	if kind == "" {
		kind = "input"
	}
	if kind != "input" && kind != "output" && kind != "temp" {
		// ComfyUI fails with an unassigned variable here.
		writeServerError(w)
		return
	}
	sub, ok := cleanSubfolder(r.FormValue("subfolder"))
	if !ok {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	overwrite := r.FormValue("overwrite") == "true" || r.FormValue("overwrite") == "1"
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
	name := path.Base(strings.ReplaceAll(fhs[0].Filename, "\\", "/"))

	s.mu.Lock()
	if !overwrite {
		ext := path.Ext(name)
		stem := strings.TrimSuffix(name, ext)
		for i := 1; ; i++ {
			existing := s.files[fileKey(kind, sub, name)]
			if existing == nil {
				break
			}
			if old, err := existing.bytes(); err == nil && bytes.Equal(old, data) {
				break
			}
			name = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
	}
	s.files[fileKey(kind, sub, name)] = &file{kind: kind, subfolder: sub, name: name, data: data}
	s.infoJSON = nil
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, object{{"name", name}, {"subfolder", sub}, {"type", kind}})
}

// imageSize reads the dimensions of an uploaded image, for LoadImage.
func imageSize(data []byte) (int, int) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 512, 512
	}
	return cfg.Width, cfg.Height
}
