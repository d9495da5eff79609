package app

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// workflowTestdata is a file of the workflow package's testdata, as an absolute path.
func workflowTestdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "workflow", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type inspectJSON struct {
	Format   string `json:"format"`
	File     string `json:"file"`
	Bindings map[string]*struct {
		Node  string `json:"node"`
		Input string `json:"input"`
		Via   string `json:"via"`
	} `json:"bindings"`
	Outputs    []struct{ Node, Class string } `json:"outputs"`
	Classes    []string                       `json:"classes"`
	Models     []struct{ Kind, Name string }  `json:"models"`
	Warnings   []string                       `json:"warnings"`
	Validation *struct {
		URL      string `json:"url"`
		OK       bool   `json:"ok"`
		Problems []struct {
			Code, Node, Input, Message string
		} `json:"problems"`
	} `json:"validation"`
	Error string `json:"error"`
}

func TestWorkflowInspectFindsTheParametersOfCommonWorkflows(t *testing.T) {
	cases := []struct {
		file    string
		unbound []string // of prompt, negative, seed, steps, cfg, width, height
		model   string   // a kind of model the workflow loads
	}{
		{file: "sd15_basic.json", model: "checkpoint"},
		{file: "sdxl_refiner.json", model: "checkpoint"},
		{file: "sd3.json", model: "checkpoint"},
		{file: "flux.json", unbound: []string{"negative"}, model: "unet"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := workflowTestdata(t, c.file)
			inTempDir(t)
			r := runApp(t, t.Context(), nil, "workflow", "inspect", "--json", path)
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			var rep inspectJSON
			decodeJSON(t, []byte(r.stdout), &rep)
			if rep.Format != "api" || rep.File != path {
				t.Errorf("format %q file %q", rep.Format, rep.File)
			}
			for _, p := range []string{"prompt", "negative", "seed", "steps", "cfg", "width", "height"} {
				b, listed := rep.Bindings[p]
				if !listed {
					t.Errorf("%s is not listed (unbound parameters are null)", p)
				}
				wantBound := !strings.Contains(strings.Join(c.unbound, ","), p)
				if wantBound && (b == nil || b.Node == "" || b.Input == "" || b.Via == "") {
					t.Errorf("%s: %+v, want a binding", p, b)
				}
				if !wantBound && b != nil {
					t.Errorf("%s: %+v, want null", p, b)
				}
			}
			if len(rep.Outputs) == 0 || len(rep.Classes) == 0 {
				t.Errorf("outputs %v classes %v", rep.Outputs, rep.Classes)
			}
			if !hasModelKind(rep, c.model) {
				t.Errorf("models %+v lack a %s", rep.Models, c.model)
			}
		})
	}
}

func hasModelKind(rep inspectJSON, kind string) bool {
	for _, m := range rep.Models {
		if m.Kind == kind && m.Name != "" {
			return true
		}
	}
	return false
}

func TestWorkflowInspectTable(t *testing.T) {
	path := testdataPath(t, "lucky.json")
	inTempDir(t)
	r := runApp(t, t.Context(), nil, "workflow", "inspect", path)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, re := range []string{
		`(?m)^Format:\s+api$`,
		`(?m)^Description:\s+Seed and steps come from primitives`,
		`(?m)^PARAMETER\s+NODE\s+INPUT\s+VIA\s+VALUE$`,
		`(?m)^seed\s+20\s+value\s+sidecar\s+1$`,
		`(?m)^steps\s+21\s+value\s+sidecar\s+20$`,
		`(?m)^prompt\s+6\s+text\s+title\s+"a lighthouse"$`,
		`(?m)^9\s+SaveImage\s+Save Image$`,
		`(?m)^sd15\.safetensors\s+checkpoint\s+4\s+ckpt_name$`,
	} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("output lacks %s:\n%s", re, r.stdout)
		}
	}
	// Columns are aligned: the NODE column starts at the same offset on every table line.
	lines := strings.Split(r.stdout, "\n")
	col := strings.Index(lines[slicesIndex(lines, "PARAMETER")], "NODE")
	for _, l := range lines {
		if strings.HasPrefix(l, "seed ") || strings.HasPrefix(l, "batch_size ") {
			if l[col-2:col] != "  " || l[col] == ' ' {
				t.Errorf("misaligned row %q (NODE at %d)", l, col)
			}
		}
	}
}

func slicesIndex(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return 0
}

func TestWorkflowInspectFormats(t *testing.T) {
	lucky, err := os.ReadFile(testdataPath(t, "lucky.json"))
	if err != nil {
		t.Fatal(err)
	}
	ui := workflowTestdata(t, "ui_format.json")
	dir := inTempDir(t)
	request := filepath.Join(dir, "request.json")
	garbage := filepath.Join(dir, "garbage.json")
	writeFile(t, request, `{"client_id": "x", "prompt": `+string(lucky)+`}`)
	writeFile(t, garbage, `{"nodes": 3`)

	cases := []struct {
		name, file, format string
		code               int
		want               string
	}{
		{"API request body", request, "api_request", ExitOK, ""},
		{"UI format", ui, "ui", ExitUsage, "Export (API)"},
		{"not JSON", garbage, "unknown", ExitUsage, "not valid JSON"},
		{"missing file", filepath.Join(dir, "nope.json"), "unknown", ExitUsage, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runApp(t, t.Context(), nil, "workflow", "inspect", c.file, "--json")
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, c.code, r.stdout, r.stderr)
			}
			var rep inspectJSON
			decodeJSON(t, []byte(r.stdout), &rep)
			if rep.Format != c.format || !strings.Contains(rep.Error, c.want) || !strings.Contains(r.stderr, c.want) {
				t.Errorf("format %q error %q stderr %q; want %s and %q", rep.Format, rep.Error, r.stderr, c.format, c.want)
			}
			if c.code == ExitOK {
				return
			}
			r = runApp(t, t.Context(), nil, "workflow", "inspect", c.file)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
				t.Errorf("without --json: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWorkflowInspectByLibraryName(t *testing.T) {
	lucky, err := os.ReadFile(testdataPath(t, "lucky.json"))
	if err != nil {
		t.Fatal(err)
	}
	sidecar, err := os.ReadFile(testdataPath(t, "lucky.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := inTempDir(t)
	writeFile(t, filepath.Join(dir, "workflows", "lucky.json"), string(lucky))
	writeFile(t, filepath.Join(dir, "workflows", "lucky.yaml"), string(sidecar))
	cases := []struct {
		name, target, seedVia string
		code                  int
	}{
		{"library entry with its sidecar", "lucky", "sidecar", ExitOK},
		{"built-in default", "default", "trace", ExitOK},
		{"unknown name", "portrait", "", ExitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runApp(t, t.Context(), nil, "workflow", "inspect", "--json", c.target)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, c.code, r.stdout, r.stderr)
			}
			var rep inspectJSON
			decodeJSON(t, []byte(r.stdout), &rep)
			if c.code != ExitOK {
				if !strings.Contains(rep.Error, `no workflow named "portrait"`) || !strings.Contains(rep.Error, "lucky") {
					t.Errorf("error %q should name the workflow and list those available", rep.Error)
				}
				return
			}
			if b := rep.Bindings["seed"]; rep.Format != "api" || b == nil || b.Via != c.seedVia {
				t.Errorf("format %q seed %+v, want via %s", rep.Format, b, c.seedVia)
			}
		})
	}
}

func TestWorkflowInspectValidatesAgainstComfyUI(t *testing.T) {
	unfit := testdataPath(t, "unfit.json")
	lucky := testdataPath(t, "lucky.json")
	inTempDir(t)
	fake := comfytest.New(t)

	r := runApp(t, t.Context(), nil, "workflow", "inspect", "--comfyui", fake.URL(), unfit, "--json")
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep inspectJSON
	decodeJSON(t, []byte(r.stdout), &rep)
	if rep.Validation == nil || rep.Validation.OK || rep.Validation.URL != fake.URL() {
		t.Fatalf("validation %+v", rep.Validation)
	}
	got := map[string]bool{}
	for _, p := range rep.Validation.Problems {
		got[p.Code+" "+p.Node+" "+p.Input] = true
	}
	for _, want := range []string{"value_bigger_than_max 3 cfg", "value_not_in_list 3 sampler_name", "missing_node_type 9 "} {
		if !got[want] {
			t.Errorf("problems %v lack %q", got, want)
		}
	}
	if len(rep.Validation.Problems) != 3 {
		t.Errorf("the missing checkpoint is swapped, not a problem: %+v", rep.Validation.Problems)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), `checkpoint "not_installed.safetensors" is not on`) {
		t.Errorf("warnings %q should note the checkpoint swap", rep.Warnings)
	}

	r = runApp(t, t.Context(), nil, "workflow", "inspect", unfit, "--comfyui", fake.URL())
	if r.code != ExitUsage {
		t.Fatalf("table: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Does not fit " + fake.URL() + " (3 problems):", "  - node 3 (KSampler) input cfg: 500 is above the maximum",
		`  - node 9 "Upscale x4" (FancyUpscaler): class FancyUpscaler is not installed`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}

	r = runApp(t, t.Context(), nil, "workflow", "inspect", lucky, "--comfyui", fake.URL())
	if r.code != ExitOK || !strings.Contains(r.stdout, "Valid on "+fake.URL()) {
		t.Fatalf("a fitting workflow: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	url := closedPort(t)
	r = runApp(t, t.Context(), nil, "workflow", "inspect", lucky, "--comfyui", url)
	if r.code != ExitFailure || !strings.Contains(r.stderr, url) {
		t.Fatalf("unreachable server: exit %d, want 1 naming %s\n%s", r.code, url, r.stderr)
	}
}

func TestWorkflowUsage(t *testing.T) {
	inTempDir(t)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", []string{"workflow"}, ExitUsage, "workflow needs a subcommand: inspect"},
		{"other subcommand", []string{"workflow", "list"}, ExitUsage, "workflow needs a subcommand: inspect"},
		{"no file", []string{"workflow", "inspect"}, ExitUsage, "exactly one FILE or NAME"},
		{"two files", []string{"workflow", "inspect", "a.json", "b.json"}, ExitUsage, "exactly one FILE or NAME"},
		{"bad flag", []string{"workflow", "inspect", "a.json", "--frob"}, ExitUsage, "frob"},
		{"bad URL", []string{"workflow", "inspect", "a.json", "--comfyui", "ftp://x"}, ExitUsage, "--comfyui"},
		{"help", []string{"workflow", "inspect", "--help"}, ExitOK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runApp(t, t.Context(), nil, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, c.code, r.stdout, r.stderr)
			}
			if c.code == ExitOK {
				if !strings.Contains(r.stdout, "Usage: discordsend-bot workflow") || !strings.Contains(r.stdout, "-comfyui URL") {
					t.Errorf("help:\n%s", r.stdout)
				}
				return
			}
			if !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "discordsend-bot workflow --help") {
				t.Errorf("stderr lacks %q and the help hint:\n%s", c.want, r.stderr)
			}
		})
	}
}

// A UI-format file is converted through the catalogue of the server --comfyui names and
// then bound like an API file; without a server the error says how to convert it.
func TestWorkflowInspectConvertsUIFiles(t *testing.T) {
	ui := workflowTestdata(t, filepath.Join("ui", "sdxl_inpaint.json"))
	inTempDir(t)
	fake := comfytest.New(t)

	r := runApp(t, t.Context(), nil, "workflow", "inspect", ui, "--comfyui", fake.URL(), "--json")
	var rep inspectJSON
	decodeJSON(t, []byte(r.stdout), &rep)
	if rep.Format != "ui" || rep.Validation == nil {
		t.Fatalf("format %q validation %+v\n%s", rep.Format, rep.Validation, r.stderr)
	}
	for param, want := range map[string]string{"prompt": "6 text", "negative": "7 text", "steps": "3 steps", "cfg": "3 cfg"} {
		b := rep.Bindings[param]
		if b == nil || b.Node+" "+b.Input != want || b.Via != "trace" {
			t.Errorf("%s bound to %+v, want %s via trace", param, b, want)
		}
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "Note") {
		t.Errorf("warnings %q should say the Notes were dropped", rep.Warnings)
	}

	r = runApp(t, t.Context(), nil, "workflow", "inspect", ui)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--comfyui") {
		t.Errorf("without a server: exit %d, stderr %q; want 2 and how to convert", r.code, r.stderr)
	}
}

// On Flux graphs cfg sets the guidance, and the table says so.
func TestWorkflowInspectNotesFluxGuidance(t *testing.T) {
	flux := workflowTestdata(t, "flux.json")
	inTempDir(t)
	r := runApp(t, t.Context(), nil, "workflow", "inspect", flux)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^cfg +26 +guidance +trace +3\.5 +Flux guidance: the cfg option sets it`).MatchString(r.stdout) {
		t.Errorf("the cfg line should name FluxGuidance's guidance and say why:\n%s", r.stdout)
	}
}
