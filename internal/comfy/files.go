package comfy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
)

// View downloads an output image (GET /view).
func (c *Client) View(ctx context.Context, img Image) ([]byte, error) {
	typ := img.Type
	if typ == "" {
		typ = "output"
	}
	q := url.Values{"filename": {img.Filename}, "subfolder": {img.Subfolder}, "type": {typ}}
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
func (c *Client) UploadImage(ctx context.Context, name string, data []byte, overwrite bool) (Image, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("image", name)
	if err != nil {
		return Image{}, fmt.Errorf("comfy: upload %s: %w", name, err)
	}
	if _, err := part.Write(data); err != nil {
		return Image{}, fmt.Errorf("comfy: upload %s: %w", name, err)
	}
	for k, v := range map[string]string{"type": "input", "overwrite": strconv.FormatBool(overwrite)} {
		if err := w.WriteField(k, v); err != nil {
			return Image{}, fmt.Errorf("comfy: upload %s: %w", name, err)
		}
	}
	if err := w.Close(); err != nil {
		return Image{}, fmt.Errorf("comfy: upload %s: %w", name, err)
	}
	cl := call{method: http.MethodPost, path: []string{"upload", "image"}, body: body.Bytes(), contentType: w.FormDataContentType()}
	r, err := c.send(ctx, cl)
	if err != nil {
		return Image{}, err
	}
	if !r.ok() {
		return Image{}, statusError(cl, r)
	}
	var wire struct {
		Name      string `json:"name"`
		Subfolder string `json:"subfolder"`
		Type      string `json:"type"`
	}
	if err := json.Unmarshal(r.body, &wire); err != nil {
		return Image{}, fmt.Errorf("comfy: %s: decode answer: %w", cl, err)
	}
	return Image{Filename: wire.Name, Subfolder: wire.Subfolder, Type: wire.Type}, nil
}
