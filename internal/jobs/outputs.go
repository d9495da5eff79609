package jobs

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/gif" // decoders for the sizes of result images
	_ "image/jpeg"
	_ "image/png"
	"path"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// fileOf is the downloaded file of ref, described for delivery. Rows stored
// before kinds were recorded are images, typed by their extension.
func fileOf(ref model.ImageRef, data []byte) Image {
	mt := ref.MediaType
	if mt == "" {
		mt = comfy.File{Filename: ref.Filename}.MediaType()
	}
	img := Image{
		Name: ref.Filename, Subfolder: ref.Subfolder, Data: data,
		Format: formatOfName(ref.Filename), MIME: mt, Kind: ref.OutputKind(),
		Width: ref.Width, Height: ref.Height,
	}
	if img.Kind == model.KindImage || img.Kind == model.KindAnimation {
		if w, h, ok := imageSize(data); ok {
			img.Width, img.Height = w, h
		}
	}
	return img
}

// formatOfName is the short name of a file's encoding, from its extension.
func formatOfName(name string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	if ext == "jpg" {
		return "jpeg"
	}
	return ext
}

// imageSize reads an image's size from its header: PNG, JPEG, GIF and
// WebP (which the standard library cannot decode).
func imageSize(data []byte) (w, h int, ok bool) {
	if w, h, ok := webpSize(data); ok {
		return w, h, true
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, false
	}
	return cfg.Width, cfg.Height, true
}

// webpSize reads the canvas size of a lossy (VP8), lossless (VP8L) or
// extended (VP8X, as animated files are) WebP.
func webpSize(b []byte) (w, h int, ok bool) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, false
	}
	switch string(b[12:16]) {
	case "VP8 ":
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, false
		}
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), true
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, false
		}
		bits := binary.LittleEndian.Uint32(b[21:25])
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, true
	case "VP8X":
		w := int(b[24]) | int(b[25])<<8 | int(b[26])<<16
		h := int(b[27]) | int(b[28])<<8 | int(b[29])<<16
		return w + 1, h + 1, true
	}
	return 0, 0, false
}
