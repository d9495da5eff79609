package comfytest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestJobDurationIsSpreadOverNodesAndSteps runs the worker on the bubble's fake clock.
func TestJobDurationIsSpreadOverNodesAndSteps(t *testing.T) {
	const plain = `{"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
		"2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
		"3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "d"}}}`
	const sampler = `{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}},
		"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
		"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "fox", "clip": ["4", 1]}},
		"7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
		"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 4, "cfg": 7, "sampler_name": "euler", "scheduler": "normal",
			"denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
		"8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
		"9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "d"}}}`
	tests := []struct {
		name     string
		prompt   string
		duration time.Duration
	}{
		{"zero runs without waiting", plain, 0},
		{"one unit per node", plain, 3 * time.Second},
		{"sampler steps are units too (7 nodes + 4 steps)", sampler, 11 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, err := newServer(WithJobDuration(tt.duration))
				if err != nil {
					t.Fatal(err)
				}
				s.wg.Go(s.work)
				defer s.Close()
				rec := httptest.NewRecorder()
				s.handlePostPrompt(rec, httptest.NewRequest(http.MethodPost, "/prompt", strings.NewReader(`{"prompt": `+tt.prompt+`}`)))
				if rec.Code != http.StatusOK {
					t.Fatalf("POST /prompt: %d %s", rec.Code, rec.Body)
				}
				start := time.Now()
				if tt.duration > 0 {
					time.Sleep(tt.duration - time.Millisecond)
					synctest.Wait()
					s.mu.Lock()
					running := s.st.running != nil
					s.mu.Unlock()
					if !running {
						t.Fatal("the job finished early")
					}
				}
				if err := s.WaitIdle(t.Context()); err != nil {
					t.Fatal(err)
				}
				if got := time.Since(start); got != tt.duration {
					t.Errorf("job took %v, want %v", got, tt.duration)
				}
			})
		})
	}
}
