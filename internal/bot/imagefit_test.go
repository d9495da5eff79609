package bot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
)

// noisyPNG is an image PNG cannot compress, so it is large.
func noisyPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFitImage(t *testing.T) {
	big := noisyPNG(t, 512, 512)
	cases := []struct {
		name                  string
		limit                 int
		reencoded, downscaled bool
	}{
		{"fits already", len(big), false, false},
		{"re-encoding is enough", len(big) / 2, true, false},
		{"needs downscaling", 60_000, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := fitImage(jobs.Image{Name: "a.png", Data: big, Width: 512, Height: 512}, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Data) > c.limit || got.Reencoded != c.reencoded || got.Downscaled != c.downscaled {
				t.Fatalf("size %d limit %d reencoded %v downscaled %v", len(got.Data), c.limit, got.Reencoded, got.Downscaled)
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(got.Data))
			if err != nil || cfg.Width != got.Width || cfg.Height != got.Height {
				t.Fatalf("result must decode with the size it claims: %v %dx%d vs %dx%d", err, cfg.Width, cfg.Height, got.Width, got.Height)
			}
			if c.reencoded && got.Name != "a.jpg" {
				t.Fatalf("a re-encoded image is named .jpg, got %s", got.Name)
			}
		})
	}
	if _, err := fitImage(jobs.Image{Name: "x.png", Data: []byte("not an image at all, but long")}, 5); err == nil {
		t.Fatal("an undecodable oversize file must be an error")
	}
}

func TestDownscaleAverages(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for y := range 4 {
		for x := range 4 {
			v := uint8(0)
			if x%2 == 0 {
				v = 200
			}
			src.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	dst := downscale(src, 0.5)
	if dst.Bounds().Dx() != 2 {
		t.Fatalf("width %d", dst.Bounds().Dx())
	}
	if r, _, _, _ := dst.At(0, 0).RGBA(); r>>8 != 100 {
		t.Fatalf("a 2x2 block of 200 and 0 averages to 100, got %d", r>>8)
	}
}

func TestPackParts(t *testing.T) {
	mk := func(n, size int) []fitted {
		out := make([]fitted, n)
		for i := range out {
			out[i] = fitted{Image: jobs.Image{Data: make([]byte, size)}}
		}
		return out
	}
	cases := []struct {
		name        string
		imgs        []fitted
		limit       int
		wantLengths []int
	}{
		{"none", nil, 100, nil},
		{"ten per message", mk(23, 1), 1000, []int{10, 10, 3}},
		{"by size", mk(5, 40), 100, []int{2, 2, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts := packParts(c.imgs, c.limit)
			if len(parts) != len(c.wantLengths) {
				t.Fatalf("got %d parts, want %d", len(parts), len(c.wantLengths))
			}
			for i, p := range parts {
				if len(p) != c.wantLengths[i] {
					t.Fatalf("part %d has %d images, want %d", i, len(p), c.wantLengths[i])
				}
			}
		})
	}
}

func BenchmarkFitImage(b *testing.B) {
	big := noisyPNG(b, 768, 768)
	for b.Loop() {
		if _, err := fitImage(jobs.Image{Name: "a.png", Data: big}, len(big)/3); err != nil {
			b.Fatal(err)
		}
	}
}
