package comfy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Result reports whether the file is a result to deliver: only "output" files; "temp" files are
// previews (PreviewImage and the like) and "input" files were uploaded. An entry without a type
// counts as output, because /view serves it from the output directory.
func (f File) Result() bool {
	return f.Type == "output" || f.Type == ""
}

// MediaType is the file's MIME type: Format when it is one (VideoHelperSuite's "image/gif"),
// else from the extension (VideoHelperSuite's "video/h264-mp4" names an encoder, not a type),
// else application/octet-stream.
func (f File) MediaType() string {
	if format, _, _ := strings.Cut(strings.ToLower(f.Format), ";"); knownMediaTypes[strings.TrimSpace(format)] {
		return strings.TrimSpace(format)
	}
	if t, ok := extMediaTypes[strings.ToLower(path.Ext(f.Filename))]; ok {
		return t
	}
	return "application/octet-stream"
}

// extMediaTypes maps the extensions ComfyUI's savers (core and common custom nodes) write to
// their registered media types. They are the client's own: what /view sends depends on the
// server's Python and /etc/mime.types (audio/x-wav, audio/opus, nothing at all for .glb).
var extMediaTypes = map[string]string{
	".png":  "image/png",
	".apng": "image/apng",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".webp": "image/webp",
	".gif":  "image/gif",
	".bmp":  "image/bmp",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
	".avif": "image/avif",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".mov":  "video/quicktime",
	".mkv":  "video/x-matroska",
	".avi":  "video/x-msvideo",
	".flac": "audio/flac",
	".mp3":  "audio/mpeg",
	".ogg":  "audio/ogg",
	".opus": "audio/ogg",
	".wav":  "audio/wav",
	".m4a":  "audio/mp4",
	".aac":  "audio/aac",
	".glb":  "model/gltf-binary",
	".gltf": "model/gltf+json",
	".obj":  "model/obj",
	".stl":  "model/stl",
	".txt":  "text/plain",
	".json": "application/json",
}

// knownMediaTypes are the types of extMediaTypes, the only Format values taken as they are.
var knownMediaTypes = func() map[string]bool {
	m := make(map[string]bool, len(extMediaTypes))
	for _, t := range extMediaTypes {
		m[t] = true
	}
	return m
}()

// View downloads a file ComfyUI wrote (GET /view).
func (c *Client) View(ctx context.Context, f File) ([]byte, error) {
	typ := f.Type
	if typ == "" {
		typ = "output"
	}
	q := url.Values{"filename": {f.Filename}, "subfolder": {f.Subfolder}, "type": {typ}}
	cl := call{method: http.MethodGet, path: []string{"view"}, query: q}
	r, err := c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	if !r.ok() {
		return nil, statusError(cl, r)
	}
	return r.body, nil
}

// UploadImage stores an input image for LoadImage. ComfyUI may rename it to avoid a clash:
// use the returned Filename (with its Subfolder) as the LoadImage value.
func (c *Client) UploadImage(ctx context.Context, name string, data []byte, overwrite bool) (File, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("image", name)
	if err != nil {
		return File{}, fmt.Errorf("comfy: upload %s: %w", name, err)
	}
	if _, err := part.Write(data); err != nil {
		return File{}, fmt.Errorf("comfy: upload %s: %w", name, err)
	}
	for k, v := range map[string]string{"type": "input", "overwrite": strconv.FormatBool(overwrite)} {
		if err := w.WriteField(k, v); err != nil {
			return File{}, fmt.Errorf("comfy: upload %s: %w", name, err)
		}
	}
	if err := w.Close(); err != nil {
		return File{}, fmt.Errorf("comfy: upload %s: %w", name, err)
	}
	cl := call{method: http.MethodPost, path: []string{"upload", "image"}, body: body.Bytes(), contentType: w.FormDataContentType()}
	r, err := c.send(ctx, cl)
	if err != nil {
		return File{}, err
	}
	if !r.ok() {
		return File{}, statusError(cl, r)
	}
	var wire struct {
		Name      string `json:"name"`
		Subfolder string `json:"subfolder"`
		Type      string `json:"type"`
	}
	if err := json.Unmarshal(r.body, &wire); err != nil {
		return File{}, fmt.Errorf("comfy: %s: decode answer: %w", cl, err)
	}
	return File{Filename: wire.Name, Subfolder: wire.Subfolder, Type: wire.Type}, nil
}
