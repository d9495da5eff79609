package jobs

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.NRGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// addImg2img puts the image-to-image example in the library of server g1.
func addImg2img(t *testing.T, h *harness) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "workflow", "testdata", "sd15_img2img.json"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := workflow.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.opt.Library.Add("g1", workflow.NewEntry("img2img", "", w, nil)); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) submitWith(wf string, inputs ...model.Input) (model.Job, error) {
	job, _, err := h.m.Submit(h.t.Context(), Request{Job: model.Job{UserID: "alice", UserName: "alice", GuildID: "g1", ChannelID: "1",
		WorkflowName: wf, Params: model.Params{Prompt: "a cat"}, Delivery: model.DeliveryChannel, Inputs: inputs}, Limit: 100})
	return job, err
}

func TestInputImageIsUploadedAndBoundEveryAttempt(t *testing.T) {
	h := newHarness(t, withOptions(func(o *Options) { o.MaxRequeues = 2 }))
	addImg2img(t, h)
	fake := h.fakes[0]
	data := pngBytes(t, 64, 48)
	fake.Hold()
	job, err := h.submitWith("img2img", model.Input{Slot: model.InputImage, Filename: "cat.png", MIME: "image/png", Width: 64, Height: 48, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitHeld(t.Context()); err != nil {
		t.Fatal(err)
	}
	// ComfyUI restarts and loses the running prompt: the job goes back in
	// line and is uploaded again, to the same name, since the bytes match.
	sub := fake.Submitted()
	fake.Restart()
	fake.Release()
	done := h.waitStatus(job.ID, model.StatusCompleted)
	sub = append(sub, fake.Submitted()...)
	if len(sub) != 2 || done.Attempts != 1 {
		t.Fatalf("%d submissions and %d re-queues, want one of each after the restart", len(sub), done.Attempts)
	}
	want := "discordsend-job1-image.png"
	for i, s := range sub {
		var graph map[string]struct {
			Inputs map[string]any `json:"inputs"`
		}
		if err := json.Unmarshal(s.Prompt, &graph); err != nil {
			t.Fatal(err)
		}
		if got := graph["10"].Inputs["image"]; got != want {
			t.Errorf("submission %d: LoadImage.image = %v, want %s", i+1, got, want)
		}
	}
	c := comfy.New(comfy.Options{BaseURL: fake.URL()})
	got, err := c.View(t.Context(), comfy.File{Filename: want, Type: "input"})
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the input folder holds %d bytes (%v), not the %d uploaded", len(got), err, len(data))
	}
}

func TestInputImagesMustFitTheWorkflow(t *testing.T) {
	h := newHarness(t)
	addImg2img(t, h)
	img := model.Input{Slot: model.InputImage, Filename: "cat.png", MIME: "image/png", Width: 8, Height: 8, Data: pngBytes(t, 8, 8)}
	second := img
	second.Slot = model.InputImage2
	tests := []struct {
		name     string
		workflow string
		inputs   []model.Input
	}{
		{"an image workflow without an image", "img2img", nil},
		{"an image for a workflow that takes none", "default", []model.Input{img}},
		{"a second image the workflow has no place for", "img2img", []model.Input{img, second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.submitWith(tt.workflow, tt.inputs...)
			if model.ErrorCodeOf(err) != model.CodeInvalid {
				t.Fatalf("Submit = %v, want an invalid-input error for the user", err)
			}
		})
	}
	queued, err := h.store.QueuedJobs(t.Context())
	if err != nil || len(queued) != 0 {
		t.Fatalf("refused jobs were queued: %d (%v)", len(queued), err)
	}
}
