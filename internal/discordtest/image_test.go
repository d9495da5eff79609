package discordtest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

func encoded(t *testing.T, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, image.NewRGBA(image.Rect(0, 0, 30, 20))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webp builds a WebP header of the given chunk with payload p.
func webp(chunk string, p []byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBP" + chunk + "\x00\x00\x00\x00")
	return append(b, append(p, make([]byte, 16)...)...)
}

func TestSniffFile(t *testing.T) {
	vp8 := []byte{0, 0, 0, 0x9d, 0x01, 0x2a}
	vp8 = binary.LittleEndian.AppendUint16(vp8, 640)
	vp8 = binary.LittleEndian.AppendUint16(vp8, 480)
	vp8l := []byte{0x2f}
	vp8l = binary.LittleEndian.AppendUint32(vp8l, uint32(1024-1)|uint32(768-1)<<14)
	vp8x := []byte{0, 0, 0, 0, 0xff, 0x03, 0x00, 0xff, 0x01, 0x00} // 1024 x 512
	tests := []struct {
		name        string
		file        string
		data        []byte
		contentType string
		w, h        int
	}{
		{"png", "a.png", encoded(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }), "image/png", 30, 20},
		{"jpeg", "a.jpg", encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }), "image/jpeg", 30, 20},
		{"gif", "a.gif", encoded(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }), "image/gif", 30, 20},
		{"webp lossy", "a.webp", webp("VP8 ", vp8), "image/webp", 640, 480},
		{"webp lossless", "a.webp", webp("VP8L", vp8l), "image/webp", 1024, 768},
		{"webp extended", "a.webp", webp("VP8X", vp8x), "image/webp", 1024, 512},
		{"text", "notes.txt", []byte("hello"), "text/plain; charset=utf-8", 0, 0},
		{"json by extension", "workflow.json", []byte{0x00, 0x01}, "application/json", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, w, h := sniffFile(tc.file, tc.data)
			if ct != tc.contentType || w != tc.w || h != tc.h {
				t.Fatalf("got %q %dx%d, want %q %dx%d", ct, w, h, tc.contentType, tc.w, tc.h)
			}
		})
	}
}

func TestNewToken(t *testing.T) {
	id := snowflake.ID(1575245784796889088)
	tok := NewToken(id)
	first, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawStdEncoding.DecodeString(first)
	if err != nil || string(raw) != id.String() {
		t.Fatalf("first segment %q decodes to %q, %v", first, raw, err)
	}
	if strings.Count(tok, ".") != 2 || NewToken(id) != tok || NewToken(id+1) == tok {
		t.Fatalf("token %q is not a stable three-part token", tok)
	}
}

func TestIDsIncreaseOnAFrozenClock(t *testing.T) {
	var g idGen
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a, b := g.next(now), g.next(now)
	if b <= a || !a.Time().Equal(now) {
		t.Fatalf("ids %d %d, time %v", a, b, a.Time())
	}
}
