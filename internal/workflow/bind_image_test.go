package workflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// img2img is an SD1.5 image-to-image graph: LoadImage → VAEEncode → KSampler (denoise 0.6).
// Extra LoadImage nodes are added per case.
const img2img = `{
	"1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}, "_meta": {"title": %s}},
	"2": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}},
	"3": {"class_type": "VAEEncode", "inputs": {"pixels": ["1", 0], "vae": ["2", 2]}},
	"4": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["2", 1]}},
	"5": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["2", 1]}},
	"6": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7, "sampler_name": "euler",
		"scheduler": "normal", "denoise": 0.6, "model": ["2", 0], "positive": ["4", 0], "negative": ["5", 0],
		"latent_image": ["3", 0]}},
	"7": {"class_type": "VAEDecode", "inputs": {"samples": ["6", 0], "vae": ["2", 2]}},
	"8": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x", "images": ["7", 0]}}%s
}`

// secondImage adds another LoadImage, feeding an ImageBlend into the saved image so it is not isolated.
func secondImage(id, title string) string {
	return `,
	"` + id + `": {"class_type": "LoadImage", "inputs": {"image": "b.png"}, "_meta": {"title": "` + title + `"}},
	"b` + id + `": {"class_type": "ImageBlend", "inputs": {"image1": ["7", 0], "image2": ["` + id + `", 0],
		"blend_factor": 0.5, "blend_mode": "normal"}},
	"s` + id + `": {"class_type": "SaveImage", "inputs": {"filename_prefix": "y", "images": ["b` + id + `", 0]}}`
}

func TestBindInputImages(t *testing.T) {
	tests := []struct {
		name     string
		title    string // of node 1
		extra    string
		sidecar  string
		image    string
		image2   string
		warnings string // a substring of the joined warnings, "" for none about images
	}{
		{name: "the only LoadImage", title: `"Load Image"`, image: "class 1.image"},
		{name: "titled", title: `"Input Image"`, extra: secondImage("9", "Load Image"), image: "title 1.image", image2: "class 9.image"},
		{name: "two untitled go in node order", title: `"Load Image"`, extra: secondImage("9", "Load Image"),
			image: "class 1.image", image2: "class 9.image", warnings: "two LoadImage nodes (1, 9)"},
		{name: "titled second", title: `"Load Image"`, extra: secondImage("9", "Reference Image"),
			image: "class 1.image", image2: "title 9.image"},
		{name: "three untitled", title: `"Load Image"`, extra: secondImage("9", "Load Image") + secondImage("10", "Load Image"),
			warnings: "several LoadImage nodes could take the input image (nodes 1, 9, 10)"},
		{name: "sidecar", title: `"Load Image"`, extra: secondImage("9", "Load Image"),
			sidecar: "bindings:\n  image: {node: \"9\", input: image}\n  image2: {node: \"1\", input: image}\n", image: "sidecar 9.image", image2: "sidecar 1.image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := mustParse(t, []byte(fmt.Sprintf(img2img, tt.title, tt.extra)))
			var sc *Sidecar
			if tt.sidecar != "" {
				sc = mustSidecar(t, tt.sidecar)
			}
			b := BindWith(w, sc, objectInfo(t))
			if got := describeBinding(b, ParamImage); got != tt.image {
				t.Errorf("image: %q, want %q", got, tt.image)
			}
			if got := describeBinding(b, ParamImage2); got != tt.image2 {
				t.Errorf("image2: %q, want %q", got, tt.image2)
			}
			if got := describeBinding(b, ParamDenoise); got != "trace 6.denoise" {
				t.Errorf("denoise: %q", got)
			}
			joined := strings.Join(b.Warnings, "\n")
			switch {
			case tt.warnings == "" && strings.Contains(joined, "LoadImage"):
				t.Errorf("unexpected warning: %s", joined)
			case tt.warnings != "" && !strings.Contains(joined, tt.warnings):
				t.Errorf("warnings %q lack %q", joined, tt.warnings)
			}
		})
	}
}

func TestInputImageIsWrittenAndNotCheckedAgainstChoices(t *testing.T) {
	w := mustParse(t, []byte(fmt.Sprintf(img2img, `"Load Image"`, "")))
	info := withChoices(objectInfo(t), "CheckpointLoaderSimple", "ckpt_name", "sd15.safetensors")
	info = withChoices(info, "LoadImage", "image", "example.png")
	b := BindWith(w, nil, info)
	name := "discordsend-job7-image.png"
	built, err := Apply(w, b, Params{Image: &name})
	if err != nil {
		t.Fatal(err)
	}
	if got := inputValue(t, built, "1", "image"); got != name {
		t.Fatalf("LoadImage.image = %v", got)
	}
	var invalid *ValidationError
	if err := Validate(built, info); !errors.As(err, &invalid) || !strings.Contains(err.Error(), "node 1") {
		t.Fatalf("a file the server does not list fails validation: %v", err)
	}
	bound, _ := b.Get(ParamImage)
	if err := Validate(built, info, bound.Targets...); err != nil {
		t.Fatalf("the uploaded image is pending, not a problem: %v", err)
	}
}

func TestInputImagesListsBothSlots(t *testing.T) {
	w := mustParse(t, []byte(fmt.Sprintf(img2img, `"Load Image"`, secondImage("9", "Load Image"))))
	got := Bind(w, nil).InputImages()
	if len(got) != 2 || got[0] != (Target{Node: "1", Input: "image"}) || got[1] != (Target{Node: "9", Input: "image"}) {
		t.Fatalf("InputImages = %v, want 1.image and 9.image", got)
	}
}
