package bot

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png" // ComfyUI's SaveImage writes PNG
	"path"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
)

// fitted is an image ready to upload, and what was done to make it fit.
type fitted struct {
	jobs.Image
	Reencoded  bool
	Downscaled bool
}

// fitImage makes img at most limit bytes: first a high-quality JPEG of the
// same pixels, then smaller and smaller JPEGs. An image already within the
// limit is left exactly as ComfyUI made it.
func fitImage(img jobs.Image, limit int) (fitted, error) {
	if len(img.Data) <= limit {
		return fitted{Image: img}, nil
	}
	src, _, err := image.Decode(bytes.NewReader(img.Data))
	if err != nil {
		return fitted{}, fmt.Errorf("image %s is %d bytes, over the %d-byte upload limit, and cannot be decoded to shrink it: %w", img.Name, len(img.Data), limit, err)
	}
	out := fitted{Image: img, Reencoded: true}
	out.Name = strings.TrimSuffix(img.Name, path.Ext(img.Name)) + ".jpg"
	out.Format = "jpeg"
	for scale := 1.0; scale > 0.05; scale *= 0.75 {
		scaled := src
		if scale < 1 {
			scaled = downscale(src, scale)
			out.Downscaled = true
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, scaled, &jpeg.Options{Quality: 90}); err != nil {
			return fitted{}, fmt.Errorf("re-encode %s: %w", img.Name, err)
		}
		if buf.Len() <= limit {
			out.Data = buf.Bytes()
			out.Width, out.Height = scaled.Bounds().Dx(), scaled.Bounds().Dy()
			return out, nil
		}
	}
	return fitted{}, fmt.Errorf("image %s cannot be made smaller than the %d-byte upload limit", img.Name, limit)
}

// downscale shrinks by averaging each block of source pixels into one
// (a box filter): good enough for previews of an oversize upload, and
// without a dependency.
func downscale(src image.Image, scale float64) image.Image {
	b := src.Bounds()
	w, h := max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, src, b.Min, draw.Src)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0, y1 := y*b.Dy()/h, max((y+1)*b.Dy()/h, y*b.Dy()/h+1)
		for x := range w {
			x0, x1 := x*b.Dx()/w, max((x+1)*b.Dx()/w, x*b.Dx()/w+1)
			var r, g, bl, a, n uint32
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					i := rgba.PixOffset(sx+b.Min.X, sy+b.Min.Y)
					r += uint32(rgba.Pix[i])
					g += uint32(rgba.Pix[i+1])
					bl += uint32(rgba.Pix[i+2])
					a += uint32(rgba.Pix[i+3])
					n++
				}
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(r/n), uint8(g/n), uint8(bl/n), uint8(a/n)
		}
	}
	return dst
}

// packParts splits images into messages of at most 10 files whose total
// stays within limit bytes (Discord's per-message upload limit).
func packParts(imgs []fitted, limit int) [][]fitted {
	var parts [][]fitted
	var cur []fitted
	size := 0
	for _, img := range imgs {
		if len(cur) == 10 || (len(cur) > 0 && size+len(img.Data) > limit) {
			parts = append(parts, cur)
			cur, size = nil, 0
		}
		cur = append(cur, img)
		size += len(img.Data)
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}
