package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// A dangling link no longer hides the workflow's other problems.
func TestWorkflowInspectListsEveryProblemDespiteADanglingLink(t *testing.T) {
	data, err := os.ReadFile(testdataPath(t, "unfit.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := inTempDir(t)
	broken := strings.Replace(strings.Replace(string(data), `"latent_image": ["5", 0]`, `"latent_image": ["50", 0]`, 1),
		`"text": "blurry", "clip": ["4", 1]`, `"text": "blurry", "clip": ["40", 1]`, 1)
	if broken == string(data) || strings.Count(broken, `"50"`)+strings.Count(broken, `"40"`) != 2 {
		t.Fatal("testdata/unfit.json changed: the links to break are not there")
	}
	file := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(file, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	dangling := []string{"node 3 (KSampler) input latent_image: links to node 50, which is not in the workflow",
		`node 7 "Negative Prompt" (CLIPTextEncode) input clip: links to node 40, which is not in the workflow`}
	fake := comfytest.New(t)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"without a server", nil, append([]string{"Problems (2):", "PARAMETER"}, dangling...)},
		{"with a server", []string{"--comfyui", fake.URL()}, append([]string{"Problems (2):",
			"Does not fit " + fake.URL() + " (3 more problems):", "input cfg: 500 is above the maximum",
			"input sampler_name", "class FancyUpscaler is not installed"}, dangling...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runApp(t, t.Context(), nil, append([]string{"workflow", "inspect", file}, c.args...)...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, want := range c.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			r = runApp(t, t.Context(), nil, append([]string{"workflow", "inspect", file, "--json"}, c.args...)...)
			var rep struct {
				Problems []struct{ Code, Node, Input string } `json:"problems"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Problems) != 2 ||
				rep.Problems[0].Node != "3" || rep.Problems[1].Input != "clip" || rep.Problems[0].Code != "bad_linked_input" {
				t.Fatalf("--json problems %+v (%v):\n%s", rep.Problems, err, r.stdout)
			}
		})
	}
}
