package comfytest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/coder/websocket"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// do sends a request to the fake and returns the status and body.
func do(t *testing.T, srv *comfytest.Server, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

func postPrompt(t *testing.T, srv *comfytest.Server, body string) (int, map[string]any) {
	t.Helper()
	status, data := do(t, srv, http.MethodPost, "/prompt", "application/json", []byte(body))
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("POST /prompt answered %d %q", status, data)
	}
	return status, out
}

// run queues a prompt, waits for the worker and returns the images of its history.
func run(t *testing.T, srv *comfytest.Server, prompt string) []map[string]any {
	t.Helper()
	status, out := postPrompt(t, srv, `{"prompt": `+prompt+`}`)
	if status != http.StatusOK {
		t.Fatalf("POST /prompt: %d %v", status, out)
	}
	if err := srv.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	id := out["prompt_id"].(string)
	_, data := do(t, srv, http.MethodGet, "/history/"+id, "", nil)
	var hist map[string]struct {
		Outputs map[string]struct {
			Images []map[string]any `json:"images"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(data, &hist); err != nil {
		t.Fatal(err)
	}
	var images []map[string]any
	for _, o := range hist[id].Outputs {
		images = append(images, o.Images...)
	}
	return images
}

func view(t *testing.T, srv *comfytest.Server, img map[string]any) []byte {
	t.Helper()
	path := fmt.Sprintf("/view?filename=%s&subfolder=%s&type=%s", img["filename"], img["subfolder"], img["type"])
	status, data := do(t, srv, http.MethodGet, path, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, status)
	}
	return data
}

const saveImage = `{"1": {"class_type": "EmptyImage", "inputs": {"width": %d, "height": 24, "batch_size": 2, "color": 0}},
	"2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "%s"}}}`

func TestImageKnobs(t *testing.T) {
	tests := []struct {
		name           string
		set            func(*comfytest.Server)
		wantN          int
		wantW, wantH   int
		wantAtLeastLen int
	}{
		{"size and count from the workflow", func(*comfytest.Server) {}, 2, 40, 24, 0},
		{"forced size and count", func(s *comfytest.Server) { s.SetImageSize(300, 200); s.SetImagesPerOutput(3) }, 3, 300, 200, 0},
		{"padded to 1.5 MB", func(s *comfytest.Server) { s.SetExtraBytes(1_500_000) }, 2, 40, 24, 1_500_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := comfytest.New(t)
			tt.set(srv)
			images := run(t, srv, fmt.Sprintf(saveImage, 40, "sub/knob"))
			if len(images) != tt.wantN {
				t.Fatalf("%d images, want %d", len(images), tt.wantN)
			}
			for i, img := range images {
				if want := fmt.Sprintf("knob_%05d_.png", i+1); img["filename"] != want || img["subfolder"] != "sub" {
					t.Errorf("image %v, want %s in sub", img, want)
				}
				data := view(t, srv, img)
				decoded, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("not a PNG: %v", err)
				}
				if b := decoded.Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
					t.Errorf("size %v, want %dx%d", b, tt.wantW, tt.wantH)
				}
				if len(data) < tt.wantAtLeastLen {
					t.Errorf("%d bytes, want at least %d", len(data), tt.wantAtLeastLen)
				}
				if !bytes.Contains(data, []byte("tEXtprompt\x00{")) {
					t.Error("PNG lacks the prompt text chunk")
				}
			}
		})
	}
}

func TestValidationBeyondTranscripts(t *testing.T) {
	srv := comfytest.New(t)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantType   string // error.type, or for a 200 the type of the first node error
		wantDetail string
	}{
		{"choice not in list",
			`{"prompt": {"1": {"class_type": "ImageToMask", "inputs": {"image": ["2", 0], "channel": "purple"}},
			"2": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
			"3": {"class_type": "MaskPreview", "inputs": {"mask": ["1", 0]}}}}`,
			400, "value_not_in_list", "channel: 'purple' not in ['red', 'green', 'blue', 'alpha']"},
		{"LoadImage of a missing file",
			`{"prompt": {"1": {"class_type": "LoadImage", "inputs": {"image": "nope.png"}},
			"2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}}`,
			400, "custom_validation_failed", "image - Invalid image file: nope.png"},
		{"bad link",
			`{"prompt": {"2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0, 5]}}}}`,
			400, "bad_linked_input", "images"},
		{"one output fails, the other runs",
			`{"prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
			"2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
			"3": {"class_type": "ImageBlur", "inputs": {"image": ["1", 0], "blur_radius": 0, "sigma": 1}},
			"4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "x"}}}}`,
			200, "value_smaller_than_min", "blur_radius"},
		{"node without class_type",
			`{"prompt": {"1": {"inputs": {}}}}`,
			400, "invalid_prompt", "Node ID '#1'"},
		{"old UI format is not a prompt",
			`{"prompt": {"nodes": [], "links": []}}`,
			500, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, data := do(t, srv, http.MethodPost, "/prompt", "application/json", []byte(tt.body))
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, data)
			}
			if status == http.StatusInternalServerError {
				return
			}
			var out struct {
				Error struct {
					Type    string `json:"type"`
					Details string `json:"details"`
				} `json:"error"`
				NodeErrors map[string]struct {
					Errors []struct {
						Type    string `json:"type"`
						Details string `json:"details"`
					} `json:"errors"`
				} `json:"node_errors"`
			}
			if err := json.Unmarshal(data, &out); err != nil {
				t.Fatal(err)
			}
			gotType, gotDetail := out.Error.Type, out.Error.Details
			if tt.wantType != "invalid_prompt" {
				for _, ne := range out.NodeErrors {
					gotType, gotDetail = ne.Errors[0].Type, ne.Errors[0].Details
				}
			}
			if gotType != tt.wantType || gotDetail != tt.wantDetail {
				t.Errorf("got %s %q, want %s %q (%s)", gotType, gotDetail, tt.wantType, tt.wantDetail, data)
			}
		})
	}
	if err := srv.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
}

func TestDownUpKeepsAddressAndState(t *testing.T) {
	srv := comfytest.New(t)
	addr := srv.Addr()
	images := run(t, srv, fmt.Sprintf(saveImage, 8, "a"))
	srv.Down()
	if _, err := http.Get(srv.URL() + "/queue"); err == nil {
		t.Fatal("the fake answered while down")
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	if srv.Addr() != addr {
		t.Errorf("address changed from %s to %s", addr, srv.Addr())
	}
	view(t, srv, images[0])
}

func TestRestartForgetsQueueHistoryAndNumbers(t *testing.T) {
	srv := comfytest.New(t)
	run(t, srv, fmt.Sprintf(saveImage, 8, "a"))
	srv.Restart()
	if _, data := do(t, srv, http.MethodGet, "/history", "", nil); string(data) != "{}" {
		t.Errorf("history after restart: %s", data)
	}
	if n := len(srv.Submitted()); n != 0 {
		t.Errorf("%d submitted prompts remembered", n)
	}
	_, out := postPrompt(t, srv, `{"prompt": `+fmt.Sprintf(saveImage, 8, "b")+`}`)
	if out["number"] != 0.0 {
		t.Errorf("first number after restart = %v", out["number"])
	}
}

func TestFailHTTPAndLatency(t *testing.T) {
	srv := comfytest.New(t)
	srv.FailHTTP(2, http.StatusBadGateway)
	for i, want := range []int{http.StatusBadGateway, http.StatusBadGateway, http.StatusOK} {
		if status, _ := do(t, srv, http.MethodGet, "/queue", "", nil); status != want {
			t.Errorf("call %d: %d, want %d", i+1, status, want)
		}
	}
	srv.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/queue", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("a request returned although the fake was told to be slow")
	}
}

func TestViewAndUploadErrors(t *testing.T) {
	srv := comfytest.New(t)
	images := run(t, srv, fmt.Sprintf(saveImage, 8, "v"))
	name := images[0]["filename"].(string)
	tests := []struct {
		path string
		want int
	}{
		{"/view?filename=" + name, 200},
		{"/view?filename=" + name + "%20%5Boutput%5D&type=temp", 200},
		{"/view?filename=" + name + "&type=secret", 400},
		{"/view?filename=" + name + "&subfolder=../..", 403},
		{"/api/view?filename=" + name, 200},
		{"/view?filename=example.png&type=input", 200},
	}
	for _, tt := range tests {
		if status, _ := do(t, srv, http.MethodGet, tt.path, "", nil); status != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.path, status, tt.want)
		}
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("image", "x.png")
	part.Write([]byte("not really a png"))
	w.WriteField("type", "elsewhere")
	w.Close()
	if status, _ := do(t, srv, http.MethodPost, "/upload/image", w.FormDataContentType(), body.Bytes()); status != 500 {
		t.Errorf("upload with a bad type: %d, want 500 like ComfyUI", status)
	}
}

func TestOriginCheck(t *testing.T) {
	srv := comfytest.New(t)
	for origin, want := range map[string]int{"": 200, "http://" + srv.Addr(): 200, "http://evil.example": 403} {
		req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, srv.URL()+"/queue", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Origin %q: %d, want %d", origin, resp.StatusCode, want)
		}
	}
}

// TestReconnectDuringOwnPrompt: a client reconnecting with the same id while its prompt runs is
// told which node is executing (no prompt id in that message), as ComfyUI does.
func TestReconnectDuringOwnPrompt(t *testing.T) {
	srv := comfytest.New(t)
	srv.Hold()
	ctx := testContext(t)
	status, out := postPrompt(t, srv, `{"client_id": "me", "prompt": `+fmt.Sprintf(saveImage, 8, "r")+`}`)
	if status != http.StatusOK {
		t.Fatal(out)
	}
	for {
		at, err := srv.WaitHeld(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if at.Stage == comfytest.StageNode {
			break
		}
		srv.Step()
	}
	conn, _, err := websocket.Dial(ctx, "ws://"+srv.Addr()+"/ws?clientId=me", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	var got []string
	for range 2 {
		_, data, err := conn.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(data))
	}
	if !strings.Contains(got[0], `"sid":"me"`) || got[1] != `{"type":"executing","data":{"node":"1"}}` {
		t.Errorf("first messages %q", got)
	}
	srv.Release()
	if err := srv.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestStrayInterruptDoesNotLeak: an interrupt while idle must not stop the next prompt.
func TestStrayInterruptDoesNotLeak(t *testing.T) {
	srv := comfytest.New(t)
	if status, _ := do(t, srv, http.MethodPost, "/interrupt", "", nil); status != http.StatusOK {
		t.Fatalf("interrupt: %d", status)
	}
	if images := run(t, srv, fmt.Sprintf(saveImage, 8, "s")); len(images) != 2 {
		t.Errorf("%d images after a stray interrupt, want 2", len(images))
	}
}
