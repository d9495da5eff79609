package comfytest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// referencePNG is renderPNG as it was before the cache: everything encoded on every call. The
// cached renderer must produce the same bytes.
func referencePNG(t *testing.T, spec imageSpec) []byte {
	t.Helper()
	w, h := clampSide(spec.w), clampSide(spec.h)
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{spec.color})
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	const afterIHDR = 33
	var extra bytes.Buffer
	if len(spec.prompt) > 0 {
		referenceChunk(&extra, "tEXt", append([]byte("prompt\x00"), spec.prompt...))
	}
	if spec.extra > 0 {
		referenceChunk(&extra, "tEXt", append([]byte("comment\x00"), referencePadding(spec.extra, spec.seed)...))
	}
	out := make([]byte, 0, len(b)+extra.Len())
	out = append(out, b[:afterIHDR]...)
	out = append(out, extra.Bytes()...)
	return append(out, b[afterIHDR:]...)
}

func referenceChunk(w *bytes.Buffer, typ string, data []byte) {
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

func referencePadding(n int, seed uint64) []byte {
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

// TestCachedPNGMatchesReference renders each spec twice (the second from the cache) and after
// other colours of the same size were cached, and compares with a full encode.
func TestCachedPNGMatchesReference(t *testing.T) {
	prompt := []byte(`{"1":{"class_type":"EmptyImage","inputs":{"text":"é <x>"}}}`)
	tests := []struct {
		name string
		spec imageSpec
	}{
		{"1x1", imageSpec{w: 1, h: 1, color: colorOf(0)}},
		{"bench size", imageSpec{w: 64, h: 64, color: colorOf(0x336699), prompt: prompt, extra: 10*1024 - 200, seed: 42}},
		{"odd size", imageSpec{w: 13, h: 7, color: colorOf(0xfedcba), extra: 1, seed: 1}},
		{"wide", imageSpec{w: 513, h: 3, color: colorOf(0x123456), prompt: prompt, extra: 7, seed: 7}},
		{"padding of whole words", imageSpec{w: 8, h: 8, color: colorOf(0xffffff), extra: 16, seed: 1 << 63}},
		{"clamped", imageSpec{w: 5000, h: -3, color: colorOf(0x808080)}},
		{"translucent", imageSpec{w: 64, h: 64, color: color.NRGBA{R: 1, G: 2, B: 3, A: 0x80}, prompt: prompt}},
		{"transparent", imageSpec{w: 64, h: 64, color: color.NRGBA{}}},
		{"example input", imageSpec{w: 512, h: 512, color: colorOf(0x8080c0)}},
	}
	var c pngCache
	for _, other := range []color.NRGBA{colorOf(0x010203), {R: 9, A: 0}} {
		for _, tt := range tests {
			spec := tt.spec
			spec.color = other
			if _, err := c.render(spec); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := referencePNG(t, tt.spec)
			for i := range 2 {
				got, err := c.render(tt.spec)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("render %d: %d bytes differ from the reference's %d", i, len(got), len(want))
				}
			}
		})
	}
}

func TestPNGCacheIsBounded(t *testing.T) {
	var c pngCache
	for w := range 3 * pngCacheSize {
		if _, err := c.render(imageSpec{w: w + 1, h: 2, color: colorOf(int64(w))}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.sizes); n > pngCacheSize {
		t.Fatalf("%d sizes cached, want at most %d", n, pngCacheSize)
	}
	got, err := c.render(imageSpec{w: 1, h: 2, color: colorOf(5)})
	if err != nil {
		t.Fatal(err)
	}
	if want := referencePNG(t, imageSpec{w: 1, h: 2, color: colorOf(5)}); !bytes.Equal(got, want) {
		t.Fatal("an evicted size renders differently")
	}
}

func BenchmarkRenderPNG(b *testing.B) {
	var c pngCache
	spec := imageSpec{w: 64, h: 64, extra: 10*1024 - 200, prompt: bytes.Repeat([]byte("x"), 1500)}
	b.ReportAllocs()
	for b.Loop() {
		spec.seed++
		spec.color = colorOf(int64(spec.seed))
		if _, err := c.render(spec); err != nil {
			b.Fatal(err)
		}
	}
}
