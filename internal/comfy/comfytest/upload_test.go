package comfytest_test

import (
	"net/http"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// TestUploadFollowsComfyUI walks through image_upload in ComfyUI's server.py: a name clash with
// other content is renamed "name (n).ext", identical content reuses the file, overwrite replaces
// it, and the type, subfolder and file name are taken as sent.
func TestUploadFollowsComfyUI(t *testing.T) {
	srv := comfytest.New(t)
	steps := []struct {
		name   string
		file   string
		data   string
		fields []string
		status int
		answer string
		view   string // the /view query that must now serve data
	}{
		{"a new file", "cat.png", "one", nil, 200, `{"name":"cat.png","subfolder":"","type":"input"}`, "filename=cat.png&type=input"},
		{"the same content again is reused", "cat.png", "one", nil, 200, `{"name":"cat.png","subfolder":"","type":"input"}`, ""},
		{"other content is renamed", "cat.png", "two", nil, 200, `{"name":"cat (1).png","subfolder":"","type":"input"}`, "filename=cat%20(1).png&type=input"},
		{"and again", "cat.png", "three", nil, 200, `{"name":"cat (2).png","subfolder":"","type":"input"}`, "filename=cat%20(2).png&type=input"},
		{"content of a renamed one finds it", "cat.png", "two", nil, 200, `{"name":"cat (1).png","subfolder":"","type":"input"}`, ""},
		{"overwrite true", "cat.png", "four", []string{"overwrite", "true"}, 200, `{"name":"cat.png","subfolder":"","type":"input"}`, "filename=cat.png&type=input"},
		{"overwrite 1", "cat.png", "five", []string{"overwrite", "1"}, 200, `{"name":"cat.png","subfolder":"","type":"input"}`, "filename=cat.png&type=input"},
		{"overwrite yes is no", "cat.png", "six", []string{"overwrite", "yes"}, 200, `{"name":"cat (3).png","subfolder":"","type":"input"}`, ""},
		{"a dotfile has no extension", ".png", "a", nil, 200, `{"name":".png","subfolder":"","type":"input"}`, ""},
		{"so its copy is named after it", ".png", "b", nil, 200, `{"name":".png (1)","subfolder":"","type":"input"}`, "filename=.png%20(1)&type=input"},
		{"into output", "out.png", "o", []string{"type", "output"}, 200, `{"name":"out.png","subfolder":"","type":"output"}`, "filename=out.png&type=output"},
		{"into temp", "tmp.png", "t", []string{"type", "temp"}, 200, `{"name":"tmp.png","subfolder":"","type":"temp"}`, "filename=tmp.png&type=temp"},
		{"an empty type is unknown too", "x.png", "x", []string{"type", ""}, 500, "", ""},
		{"the subfolder is echoed as sent", "dog.png", "d", []string{"subfolder", "bot/"}, 200, `{"name":"dog.png","subfolder":"bot/","type":"input"}`, "filename=dog.png&subfolder=bot&type=input"},
		{"a subfolder outside", "dog.png", "d", []string{"subfolder", "../up"}, 400, "", ""},
		{"a name climbing out", "../evil.png", "e", nil, 400, "", ""},
		{"a name in a folder that does not exist", "nowhere/x.png", "n", nil, 500, "", ""},
		{"a name in a folder that exists", "bot/sub.png", "s", nil, 200, `{"name":"bot/sub.png","subfolder":"","type":"input"}`, "filename=sub.png&subfolder=bot&type=input"},
	}
	for _, st := range steps {
		status, answer := upload(t, srv, st.file, []byte(st.data), st.fields...)
		if status != st.status || (st.answer != "" && answer != st.answer) {
			t.Errorf("%s: %d %s, want %d %s", st.name, status, answer, st.status, st.answer)
			continue
		}
		if st.view != "" {
			if status, data := do(t, srv, http.MethodGet, "/view?"+st.view, "", nil); status != 200 || string(data) != st.data {
				t.Errorf("%s: /view?%s gives %d %q, want %q", st.name, st.view, status, data, st.data)
			}
		}
	}
	if status, data := do(t, srv, http.MethodGet, "/view?filename=cat.png&type=input", "", nil); status != 200 || string(data) != "five" {
		t.Errorf("cat.png holds %q after all, want the last overwrite", data)
	}
	// A file in a subfolder is not in LoadImage's list but LoadImage takes it.
	status, out := postPrompt(t, srv, `{"prompt": {"1": {"class_type": "LoadImage", "inputs": {"image": "bot/dog.png"}},
		"2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}}`)
	if status != http.StatusOK {
		t.Errorf("LoadImage of bot/dog.png: %d %v", status, out)
	}
	if err := srv.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
}
