package discordtest

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/gif"  // register GIF for DecodeConfig
	_ "image/jpeg" // register JPEG for DecodeConfig
	_ "image/png"  // register PNG for DecodeConfig
	"mime"
	"net/http"
	"path"
	"strings"
)

// sniffFile returns the content type Discord would report for an upload
// and, for images, their size; only headers are read.
func sniffFile(name string, data []byte) (contentType string, width, height int) {
	contentType = http.DetectContentType(data)
	if contentType == "application/octet-stream" || strings.HasPrefix(contentType, "text/plain") {
		if byExt := mime.TypeByExtension(strings.ToLower(path.Ext(name))); byExt != "" {
			contentType = byExt
		}
	}
	if w, h, ok := webpSize(data); ok {
		return "image/webp", w, h
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		return contentType, cfg.Width, cfg.Height
	}
	return contentType, 0, 0
}

// webpSize reads the canvas size from a WebP header (lossy VP8, lossless
// VP8L or extended VP8X), which the standard library cannot decode.
func webpSize(b []byte) (w, h int, ok bool) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, false
	}
	switch string(b[12:16]) {
	case "VP8 ":
		// frame tag (3 bytes), start code 9d 01 2a, then 14-bit sizes
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
