package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

type generateFilesJSON struct {
	Files []struct {
		Path      string `json:"path"`
		Kind      string `json:"kind"`
		MediaType string `json:"media_type"`
		Bytes     int    `json:"bytes"`
	} `json:"files"`
	Images []struct {
		Path string `json:"path"`
	} `json:"images"`
	Texts []struct {
		Node string `json:"node"`
		Text string `json:"text"`
	} `json:"texts"`
}

// generate saves every result file under its own name, whatever its kind,
// prints the text outputs and never saves a preview.
func TestGenerateSavesEveryOutputKindButNoPreview(t *testing.T) {
	cases := []struct {
		workflow string
		files    []string // base name, kind and media type of each saved file
		images   int
		texts    []string
	}{
		{"save_and_preview.json", []string{"saved_00001_.png image image/png"}, 1, nil},
		{"core_video.json", []string{"ComfyUI_00001_.mp4 video video/mp4", "anim_00001_.webp animation image/webp"}, 1, nil},
		{"vhs_video.json", []string{"AnimateDiff_00001.mp4 video video/mp4"}, 0, nil},
		{"caption.json", []string{"captioned_00001_.png image image/png"}, 1, []string{"13: a red fox"}},
	}
	for _, c := range cases {
		t.Run(c.workflow, func(t *testing.T) {
			wf := testdataPath(t, filepath.Join("outputs", c.workflow))
			dir := inTempDir(t)
			fake := comfytest.New(t, comfytest.WithVideoCombine())
			out := filepath.Join(dir, "renders")
			r := runApp(t, t.Context(), nil, "generate", "--prompt", "a red fox", "--workflow", wf,
				"--comfyui", fake.URL(), "--out", out, "--json")
			if r.code != ExitOK {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			var rep generateFilesJSON
			decodeJSON(t, []byte(r.stdout), &rep)
			var got []string
			for _, f := range rep.Files {
				got = append(got, filepath.Base(f.Path)+" "+f.Kind+" "+f.MediaType)
				data, err := os.ReadFile(f.Path)
				if err != nil || len(data) != f.Bytes || filepath.Dir(f.Path) != out {
					t.Errorf("%s: %d bytes on disk (%v), report says %d", f.Path, len(data), err, f.Bytes)
				}
			}
			if strings.Join(got, ", ") != strings.Join(c.files, ", ") || len(rep.Images) != c.images {
				t.Fatalf("saved %q (%d images), want %q (%d)", got, len(rep.Images), c.files, c.images)
			}
			var texts []string
			for _, tx := range rep.Texts {
				texts = append(texts, tx.Node+": "+tx.Text)
			}
			if strings.Join(texts, "|") != strings.Join(c.texts, "|") {
				t.Errorf("texts %q, want %q", texts, c.texts)
			}
			entries, err := os.ReadDir(out)
			if err != nil || len(entries) != len(c.files) {
				t.Errorf("%s holds %d files (%v), want only the results", out, len(entries), err)
			}
		})
	}
	t.Run("plain output prints the texts", func(t *testing.T) {
		wf := testdataPath(t, filepath.Join("outputs", "caption.json"))
		inTempDir(t)
		fake := comfytest.New(t)
		r := runApp(t, t.Context(), nil, "generate", "--prompt", "a fox\nin snow", "--workflow", wf, "--comfyui", fake.URL())
		if r.code != ExitOK {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"saved 1 file(s)", "captioned_00001_.png  image  64x64", "text from node 13:\n  a fox\n  in snow\n"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
	})
}
