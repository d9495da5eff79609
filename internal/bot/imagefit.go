package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png" // ComfyUI's SaveImage writes PNG
	"path"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// fitted is a file ready to upload, and what was done to make it fit.
type fitted struct {
	jobs.Image
	Reencoded  bool
	Downscaled bool
	// From is the size ComfyUI made it, in bytes, and Source its name there.
	From   int
	Source string
}

// unfitError is why a file cannot be made to fit the upload limit: it is
// not posted, and its owner is told where it stays.
type unfitError struct{ why error }

func (e *unfitError) Error() string { return e.why.Error() }
func (e *unfitError) Unwrap() error { return e.why }

// fitFile makes f at most limit bytes: images by fitImage, videos,
// animations and audio by enc (nil when the machine has none). A file that
// cannot be made to fit fails with an *unfitError; other errors, such as a
// cancelled context, are worth another try.
func fitFile(ctx context.Context, f jobs.Image, limit int, enc Encoder) (fitted, error) {
	if len(f.Data) <= limit {
		return fitted{Image: f, From: len(f.Data), Source: f.Name}, nil
	}
	var out fitted
	var why error
	switch f.Kind {
	case "", model.KindImage:
		out, why = fitImage(f, limit)
	case model.KindVideo, model.KindAnimation, model.KindAudio:
		if enc == nil {
			return fitted{}, &unfitError{errors.New("no encoder (ffmpeg) on this machine")}
		}
		var small jobs.Image
		small, why = enc.Shrink(ctx, f, limit)
		if why == nil && len(small.Data) > limit {
			why = fmt.Errorf("the encoder made %d bytes of it, over the %d-byte limit", len(small.Data), limit)
		}
		out = fitted{Image: small, Reencoded: true}
	default:
		why = fmt.Errorf("%s files are not re-encoded", f.Kind)
	}
	if why != nil {
		if ctx.Err() != nil {
			return fitted{}, ctx.Err()
		}
		return fitted{}, &unfitError{why}
	}
	out.From, out.Source = len(f.Data), f.Name
	return out, nil
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
	out.Format, out.MIME = "jpeg", "image/jpeg"
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

// packParts splits files into messages of at most 10 files whose total
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
