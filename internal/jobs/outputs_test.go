package jobs

import (
	"bytes"
	"image"
	"image/png"
	"reflect"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestFileOfDescribesTheDownload(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 48, 32))); err != nil {
		t.Fatal(err)
	}
	pngData := buf.Bytes()
	// A VP8X header (as animated WebPs have) of a 640×360 canvas.
	webp := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00"), 0x7f, 0x02, 0x00, 0x67, 0x01, 0x00)
	cases := []struct {
		name string
		ref  model.ImageRef
		data []byte
		want Image
	}{
		{"a row stored before kinds", model.ImageRef{Filename: "ComfyUI_00001_.png", Type: "output"}, pngData,
			Image{Name: "ComfyUI_00001_.png", Format: "png", MIME: "image/png", Kind: model.KindImage, Width: 48, Height: 32}},
		{"an animated WebP", model.ImageRef{Filename: "a.webp", Kind: model.KindAnimation, MediaType: "image/webp"}, webp,
			Image{Name: "a.webp", Format: "webp", MIME: "image/webp", Kind: model.KindAnimation, Width: 640, Height: 360}},
		{"a video keeps no size", model.ImageRef{Filename: "v.mp4", Subfolder: "video", Kind: model.KindVideo, MediaType: "video/mp4"}, []byte("....ftypisom"),
			Image{Name: "v.mp4", Subfolder: "video", Format: "mp4", MIME: "video/mp4", Kind: model.KindVideo}},
		{"a JPEG named .jpg", model.ImageRef{Filename: "x.JPG", Kind: model.KindImage}, []byte("not really"),
			Image{Name: "x.JPG", Format: "jpeg", MIME: "image/jpeg", Kind: model.KindImage}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := fileOf(c.ref, c.data)
			c.want.Data = c.data
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}
