package comfy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// waitLimit bounds every wait in these tests so a bug fails the test instead of hanging it.
const waitLimit = 30 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// newClient returns a client of srv without a WebSocket.
func newClient(srv *comfytest.Server, mod ...func(*Options)) *Client {
	opts := Options{Name: "test", BaseURL: srv.URL()}
	for _, m := range mod {
		m(&opts)
	}
	return New(opts)
}

// runClient starts Run and waits for the WebSocket; Run must end when the test does.
func runClient(t *testing.T, c *Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitLimit):
			t.Errorf("Run did not return after its context ended")
		}
	})
	waitHealth(t, c, true)
}

func waitHealth(t *testing.T, c *Client, want bool) {
	t.Helper()
	ctx := testContext(t)
	for {
		up, changed := c.Health()
		if up == want {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("websocket never became up=%v", want)
		}
	}
}

// Workflows in API format.
const (
	txt2img = `{
	"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}},
	"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 48, "batch_size": 2}},
	"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red fox in snow", "clip": ["4", 1]}, "_meta": {"title": "Positive"}},
	"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}, "_meta": {"title": "Negative"}},
	"3": {"class_type": "KSampler", "inputs": {"seed": %d, "steps": 4, "cfg": 7.0, "sampler_name": "euler",
		"scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
	"8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
	"9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "bot", "images": ["8", 0]}}
}`
	emptyImage = `{
	"1": {"class_type": "EmptyImage", "inputs": {"width": %d, "height": 32, "batch_size": 1, "color": 255}},
	"2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
	"3": {"class_type": "SaveImage", "inputs": {"filename_prefix": "t", "images": ["2", 0]}}
}`
)

func workflow(format string, args ...any) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(format, args...))
}

func TestSubmitProgressCompletionAndImages(t *testing.T) {
	srv := comfytest.New(t)
	srv.SetPreviews(true)
	c := newClient(srv)
	runClient(t, c)
	ctx := testContext(t)

	id := NewPromptID()
	tr := c.Track(id)
	sub, err := c.Submit(ctx, workflow(txt2img, 42), id, map[string]any{"extra_pnginfo": map[string]any{"discord": "job-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if sub.PromptID != id || len(sub.Warnings) != 0 {
		t.Fatalf("Submit = %+v", sub)
	}
	var steps []float64
	var previews, executed int
	var sawSuccess bool
	for ev := range tr.Events() {
		switch e := ev.(type) {
		case Progress:
			if e.Node == "3" {
				steps = append(steps, e.Value)
			}
		case Preview:
			if e.PromptID != id || e.MIME != "image/jpeg" || len(e.Image) == 0 {
				t.Errorf("preview %+v", e)
			}
			previews++
		case Executed:
			executed++
			if len(e.Files) != 2 {
				t.Errorf("executed images = %v", e.Files)
			}
		case ExecutionSuccess:
			sawSuccess = true
		}
	}
	if fmt.Sprint(steps) != "[1 2 3 4]" || previews != 4 || executed != 1 || !sawSuccess {
		t.Errorf("steps %v, previews %d, executed %d, success %v", steps, previews, executed, sawSuccess)
	}
	out, err := tr.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != StatusSuccess || len(out.Files) != 2 || out.History == nil {
		t.Fatalf("outcome %+v", out)
	}
	for _, img := range out.Files {
		if img.Type != "output" || img.NodeID != "9" || !strings.HasPrefix(img.Filename, "bot_") {
			t.Errorf("image %+v", img)
		}
		data, err := c.View(ctx, img)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != 64 || cfg.Height != 48 {
			t.Errorf("view %s: %v %+v", img.Filename, err, cfg)
		}
	}
	got := srv.Submitted()
	if len(got) != 1 || got[0].PromptID != id || got[0].ClientID != c.ClientID() ||
		!strings.Contains(string(got[0].ExtraData), `"discord":"job-1"`) {
		t.Errorf("server saw %+v", got)
	}
}

func TestValidationErrors(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	tests := []struct {
		name     string
		prompt   string
		typ      string
		want     string
		wantNode NodeError
	}{
		{
			name: "value out of range names node, class, title and input",
			prompt: `{"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
				"5": {"class_type": "ImageBlur", "inputs": {"image": ["1", 0], "blur_radius": 99, "sigma": 1.0}, "_meta": {"title": "Blur"}},
				"9": {"class_type": "SaveImage", "inputs": {"images": ["5", 0], "filename_prefix": "x"}}}`,
			typ:  "prompt_outputs_failed_validation",
			want: `node 5 (ImageBlur "Blur"): input blur_radius: Value 99 bigger than max of 31`,
			wantNode: NodeError{NodeID: "5", Class: "ImageBlur", Title: "Blur", Input: "blur_radius",
				Type: "value_bigger_than_max", Message: "Value 99 bigger than max of 31", Details: "blur_radius"},
		},
		{
			name: "missing required input",
			prompt: `{"3": {"class_type": "ImageInvert", "inputs": {}},
				"4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "x"}}}`,
			typ:  "prompt_outputs_failed_validation",
			want: "node 3 (ImageInvert): input image: Required input is missing",
		},
		{
			name: "model not installed",
			prompt: `{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "missing.safetensors"}},
				"9": {"class_type": "PreviewAny", "inputs": {"source": ["4", 0]}}}`,
			typ: "prompt_outputs_failed_validation",
			want: "node 4 (CheckpointLoaderSimple): input ckpt_name: Value not in list (ckpt_name: 'missing.safetensors' not in " +
				"['sd15.safetensors', 'sdxl_base.safetensors', 'flux1-dev.safetensors'])",
		},
		{
			name: "unknown class points at a missing custom node pack",
			prompt: `{"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
				"2": {"class_type": "FaceDetailer", "inputs": {"image": ["1", 0]}, "_meta": {"title": "Fix faces"}},
				"3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "x"}}}`,
			typ:  "invalid_prompt",
			want: `node 2 (FaceDetailer "Fix faces"): node type FaceDetailer is not installed on this ComfyUI; a custom node pack may be missing`,
		},
		{
			name:   "no output node",
			prompt: `{"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}}}`,
			typ:    "prompt_no_outputs",
			want:   "the workflow has no output node (such as SaveImage or PreviewImage), so ComfyUI has nothing to run",
		},
		{
			name: "no prompt",
			typ:  "no_prompt",
			want: "no workflow was sent to ComfyUI",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Submit(testContext(t), json.RawMessage(tt.prompt), NewPromptID(), nil)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v (%T), want *ValidationError", err, err)
			}
			if ve.Type != tt.typ || err.Error() != tt.want {
				t.Errorf("type %q, text\n%s\nwant type %q, text\n%s", ve.Type, err, tt.typ, tt.want)
			}
			if tt.wantNode.NodeID != "" && (len(ve.Nodes) != 1 || ve.Nodes[0] != tt.wantNode) {
				t.Errorf("nodes %+v, want [%+v]", ve.Nodes, tt.wantNode)
			}
		})
	}
	if n := len(srv.Submitted()); n != 0 {
		t.Errorf("%d refused prompts were queued", n)
	}
}

func TestSubmitRejectsBadPromptIDs(t *testing.T) {
	c := newClient(comfytest.New(t))
	for _, id := range []string{"", "job-1", strings.ToUpper(NewPromptID())} {
		if _, err := c.Submit(testContext(t), workflow(emptyImage, 32), id, nil); err == nil {
			t.Errorf("Submit accepted prompt id %q", id)
		}
	}
}

func TestUnreachableErrorNamesURLWithoutSecrets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := New(Options{BaseURL: "http://user:hunter2@" + addr + "/comfy", Headers: map[string]string{"Authorization": "Bearer s3cret"}})
	_, err = c.SystemStats(testContext(t))
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T), want *UnreachableError", err, err)
	}
	want := "ComfyUI at http://" + addr + "/comfy is not reachable: "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
	for _, secret := range []string{"s3cret", "hunter2"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q leaks %q", err, secret)
		}
	}
}

func TestHTTPErrorAndCallerCancel(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	srv.FailHTTP(1, http.StatusServiceUnavailable)
	_, err := c.Queue(testContext(t))
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable || he.Method != "GET" || he.Path != "/queue" {
		t.Fatalf("error %v, want a 503 *HTTPError for GET /queue", err)
	}
	if _, err := c.Queue(testContext(t)); err != nil {
		t.Fatalf("after the failure: %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = c.Queue(ctx)
	if !errors.Is(err, context.Canceled) || errors.As(err, new(*UnreachableError)) {
		t.Errorf("cancelled call: %v, want context.Canceled and not unreachable", err)
	}
}

func TestTimeoutIsUnreachable(t *testing.T) {
	srv := comfytest.New(t)
	srv.SetLatency(time.Hour)
	c := newClient(srv, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	_, err := c.SystemStats(testContext(t))
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("error %v, want *UnreachableError about the timeout", err)
	}
}

// TestCredentialsOnEveryRequestAndNoOrigin runs against a fake behind an authenticating proxy
// that also rejects foreign origins, as ComfyUI does.
func TestCredentialsOnEveryRequestAndNoOrigin(t *testing.T) {
	tests := []struct {
		name     string
		required string // Authorization value the proxy wants
		opts     func(addr string) Options
	}{
		{"bearer header", "Bearer s3cret", func(addr string) Options {
			return Options{BaseURL: "http://" + addr,
				Headers: map[string]string{"Authorization": "Bearer s3cret", "Origin": "http://evil.example"}}
		}},
		{"basic auth in the URL", "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pw")), func(addr string) Options {
			return Options{BaseURL: "http://user:pw@" + addr + "/"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := comfytest.New(t, comfytest.WithRequiredHeader("Authorization", tt.required))
			c := New(tt.opts(srv.Addr()))
			runClient(t, c)
			ctx := testContext(t)
			tr := c.Track(NewPromptID())
			if _, err := c.Submit(ctx, workflow(emptyImage, 40), tr.PromptID(), nil); err != nil {
				t.Fatal(err)
			}
			out, err := tr.Wait(ctx)
			if err != nil || out.Status != StatusSuccess {
				t.Fatalf("outcome %+v, %v", out, err)
			}
			if _, err := c.View(ctx, out.Files[0]); err != nil {
				t.Errorf("view with credentials: %v", err)
			}
			if strings.Contains(c.URL(), "pw@") {
				t.Errorf("URL() shows credentials: %s", c.URL())
			}

			_, err = newClient(srv).SystemStats(ctx)
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != http.StatusUnauthorized {
				t.Errorf("without credentials: %v, want 401", err)
			}
		})
	}
}

func TestBaseURLForms(t *testing.T) {
	plain := comfytest.New(t)
	prefixed := comfytest.New(t, comfytest.WithBasePath("/comfy"))
	tests := []struct {
		name string
		url  string
	}{
		{"bare", plain.URL()},
		{"trailing slash", plain.URL() + "/"},
		{"api suffix", plain.URL() + "/api"},
		{"api suffix with slash", plain.URL() + "/api/"},
		{"behind a path prefix", "http://" + prefixed.Addr() + "/comfy/"},
		{"path prefix and api", "http://" + prefixed.Addr() + "/comfy/api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{BaseURL: tt.url})
			runClient(t, c)
			ctx := testContext(t)
			tr := c.Track(NewPromptID())
			if _, err := c.Submit(ctx, workflow(emptyImage, 24), tr.PromptID(), nil); err != nil {
				t.Fatal(err)
			}
			out, err := tr.Wait(ctx)
			if err != nil || out.Status != StatusSuccess || len(out.Files) != 1 {
				t.Fatalf("outcome %+v, %v", out, err)
			}
			if _, err := c.View(ctx, out.Files[0]); err != nil {
				t.Errorf("view: %v", err)
			}
		})
	}
	if err := New(Options{BaseURL: "ftp://host"}).Run(t.Context()); err == nil {
		t.Error("Run accepted an ftp:// base URL")
	}
	if _, err := New(Options{BaseURL: "::"}).Queue(t.Context()); err == nil {
		t.Error("Queue worked with an unparsable base URL")
	}
}

func TestInfoEndpoints(t *testing.T) {
	srv := comfytest.New(t, comfytest.WithModels("loras", "a.safetensors", "b.safetensors"))
	c := newClient(srv)
	ctx := testContext(t)

	stats, err := c.SystemStats(ctx)
	if err != nil || stats.ComfyUIVersion != comfytest.Version || len(stats.Devices) != 1 || stats.Devices[0].Type != "cpu" {
		t.Errorf("SystemStats = %+v, %v", stats, err)
	}
	all, err := c.ObjectInfo(ctx)
	var classes map[string]json.RawMessage
	if err != nil || json.Unmarshal(all, &classes) != nil || len(classes) != 383 {
		t.Errorf("ObjectInfo: %d classes, %v", len(classes), err)
	}
	info, found, err := c.ObjectInfoClass(ctx, "CheckpointLoaderSimple")
	if err != nil || !found || !strings.Contains(string(info), "sd15.safetensors") {
		t.Errorf("ObjectInfoClass(CheckpointLoaderSimple) = %s, %v, %v", info, found, err)
	}
	if _, found, err := c.ObjectInfoClass(ctx, "No Such Node/Type"); found || err != nil {
		t.Errorf("unknown class: found %v, %v", found, err)
	}
	loras, err := c.Models(ctx, "loras")
	if err != nil || fmt.Sprint(loras) != "[a.safetensors b.safetensors]" {
		t.Errorf("Models(loras) = %v, %v", loras, err)
	}
	_, err = c.Models(ctx, "nope")
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusNotFound {
		t.Errorf("Models(nope): %v, want 404", err)
	}
}

func TestUploadImageFeedsLoadImage(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	runClient(t, c)
	ctx := testContext(t)

	pic := pngOf(t, 30, 20, color.NRGBA{R: 200, A: 255})
	up, err := c.UploadImage(ctx, "cat.png", pic, false)
	if err != nil || up.Filename != "cat.png" || up.Type != "input" {
		t.Fatalf("upload = %+v, %v", up, err)
	}
	again, err := c.UploadImage(ctx, "cat.png", pic, false)
	if err != nil || again.Filename != "cat.png" {
		t.Errorf("same content again = %+v, %v (want the same name)", again, err)
	}
	other, err := c.UploadImage(ctx, "cat.png", pngOf(t, 10, 10, color.NRGBA{B: 200, A: 255}), false)
	if err != nil || other.Filename != "cat (1).png" {
		t.Errorf("different content = %+v, %v (want a new name)", other, err)
	}

	tr := c.Track(NewPromptID())
	prompt := workflow(`{"1": {"class_type": "LoadImage", "inputs": {"image": %q}},
		"2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}`, up.Filename)
	if _, err := c.Submit(ctx, prompt, tr.PromptID(), nil); err != nil {
		t.Fatal(err)
	}
	out, err := tr.Wait(ctx)
	if err != nil || out.Status != StatusSuccess || len(out.Files) != 1 || out.Files[0].Type != "temp" {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	data, err := c.View(ctx, out.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width != 30 || cfg.Height != 20 {
		t.Errorf("preview of the upload: %+v, %v", cfg, err)
	}
}

func pngOf(t *testing.T, w, h int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
