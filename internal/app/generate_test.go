package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// testdataPath returns a file of testdata as an absolute path, usable after t.Chdir.
func testdataPath(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// decodeJSON decodes data keeping numbers exact.
func decodeJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value in %s", data)
	}
}

type submittedNode struct {
	ClassType string         `json:"class_type"`
	Inputs    map[string]any `json:"inputs"`
}

// onlySubmitted returns the one graph the fake received.
func onlySubmitted(t *testing.T, fake *comfytest.Server) (string, map[string]submittedNode) {
	t.Helper()
	subs := fake.Submitted()
	if len(subs) != 1 {
		t.Fatalf("the fake received %d prompts, want 1", len(subs))
	}
	var graph map[string]submittedNode
	decodeJSON(t, subs[0].Prompt, &graph)
	return subs[0].PromptID, graph
}

type generateJSON struct {
	PromptID string         `json:"prompt_id"`
	Seed     json.Number    `json:"seed"`
	Params   map[string]any `json:"params"`
	Images   []struct {
		Path   string `json:"path"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
		Bytes  int    `json:"bytes"`
	} `json:"images"`
	DurationMS *int64 `json:"duration_ms"`
}

func TestGenerateWritesSidecarBoundValuesAndSavesImages(t *testing.T) {
	wf := testdataPath(t, "lucky.json")
	dir := inTempDir(t)
	fake := comfytest.New(t)
	fake.SetImagesPerOutput(2)
	out := filepath.Join(dir, "renders")
	const seed = "9007199254740993" // 2^53+1: lost if it passes through a float64
	r := runApp(t, t.Context(), nil, "generate", "--prompt", "a red fox", "--seed", seed, "--steps", "12",
		"--width", "320", "--height", "192", "--workflow", wf, "--comfyui", fake.URL(), "--out", out, "--json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var rep generateJSON
	decodeJSON(t, []byte(r.stdout), &rep)

	promptID, graph := onlySubmitted(t, fake)
	for _, c := range []struct {
		node, input string
		want        any
	}{
		{"20", "value", json.Number(seed)}, // the sidecar's seed: a primitive's "value"
		{"21", "value", json.Number("12")}, // the sidecar's steps: a primitive titled otherwise
		{"22", "value", json.Number("7")},  // the decoy titled "Seed" is left alone
		{"6", "text", "a red fox"},
		{"5", "width", json.Number("320")},
		{"5", "height", json.Number("192")},
	} {
		if got := graph[c.node].Inputs[c.input]; got != c.want {
			t.Errorf("node %s input %s = %#v, want %#v", c.node, c.input, got, c.want)
		}
	}
	if link, _ := json.Marshal(graph["3"].Inputs["seed"]); string(link) != `["20",0]` {
		t.Errorf("the sampler's seed must stay linked to the primitive, got %s", link)
	}

	if rep.PromptID != promptID || rep.Seed != seed || rep.DurationMS == nil {
		t.Errorf("report: prompt_id %q (submitted %q), seed %q, duration %v", rep.PromptID, promptID, rep.Seed, rep.DurationMS)
	}
	for param, want := range map[string]any{"seed": json.Number(seed), "steps": json.Number("12"), "prompt": "a red fox",
		"negative": "blurry", "cfg": json.Number("7"), "width": json.Number("320"), "checkpoint": "sd15.safetensors"} {
		if got := rep.Params[param]; got != want {
			t.Errorf("params.%s = %#v, want %#v", param, got, want)
		}
	}
	if len(rep.Images) != 2 {
		t.Fatalf("images: %+v, want 2", rep.Images)
	}
	for _, im := range rep.Images {
		data, err := os.ReadFile(im.Path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", im.Path, err)
		}
		if format != "png" || cfg.Width != 320 || cfg.Height != 192 || filepath.Dir(im.Path) != out {
			t.Errorf("%s: %s %dx%d, want a 320x192 png in %s", im.Path, format, cfg.Width, cfg.Height, out)
		}
		if im.Width != cfg.Width || im.Height != cfg.Height || im.Bytes != len(data) {
			t.Errorf("report %+v disagrees with the file (%dx%d, %d bytes)", im, cfg.Width, cfg.Height, len(data))
		}
	}
	if !strings.Contains(r.stderr, "KSampler: step") {
		t.Errorf("--json sends progress to stderr; got %q", r.stderr)
	}
}

func TestGenerateDefaultWorkflowShowsPlainProgress(t *testing.T) {
	inTempDir(t)
	fake := comfytest.New(t)
	r := runApp(t, t.Context(), nil, "generate", "--prompt", "a red fox", "--comfyui", fake.URL())
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "\r") {
		t.Errorf("not a terminal: no bar redraws expected:\n%q", r.stdout)
	}
	steps := strings.Count(r.stdout, "KSampler: step ")
	if steps != 4 || !strings.Contains(r.stdout, "node 3 KSampler: step 20/20 (") {
		t.Errorf("want one line per quarter of the sampler's 20 steps, got %d:\n%s", steps, r.stdout)
	}
	if !strings.Contains(r.stdout, "saved 1 file(s)") || !strings.Contains(r.stdout, filepath.Join("outputs", "discordsend_")) {
		t.Errorf("where the image went is not printed:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "checkpoint not on backend") {
		t.Errorf("the swapped checkpoint should be noted on stderr:\n%s", r.stderr)
	}
	_, graph := onlySubmitted(t, fake)
	if graph["4"].Inputs["ckpt_name"] != "sd15.safetensors" {
		t.Errorf("checkpoint not resolved to one the server has: %v", graph["4"].Inputs)
	}
}

func TestGenerateRandomSeedStaysInTheBoundInputsRange(t *testing.T) {
	wf := testdataPath(t, "lucky.json")
	inTempDir(t)
	fake := comfytest.New(t)
	r := runApp(t, t.Context(), nil, "generate", "--prompt", "a red fox", "--workflow", wf, "--comfyui", fake.URL(), "--json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep generateJSON
	decodeJSON(t, []byte(r.stdout), &rep)
	seed, err := strconv.ParseUint(rep.Seed.String(), 10, 64)
	if err != nil || seed > math.MaxInt64 {
		t.Fatalf("seed %q must fit PrimitiveInt's range 0..2^63-1 (err %v)", rep.Seed, err)
	}
	_, graph := onlySubmitted(t, fake)
	if got := graph["20"].Inputs["value"]; got != rep.Seed {
		t.Errorf("submitted seed %v, reported %v", got, rep.Seed)
	}
}

func TestGenerateFailures(t *testing.T) {
	wf := testdataPath(t, "lucky.json")
	cases := []struct {
		name     string
		setup    func(fake *comfytest.Server)
		args     []string
		code     int
		want     []string
		noSubmit bool
	}{
		{
			name:     "value out of the input's range",
			args:     []string{"--seed", "18446744073709551615"},
			code:     ExitUsage,
			want:     []string{`node 20 "Lucky number" (PrimitiveInt) input value`, "above the maximum"},
			noSubmit: true,
		},
		{
			name:     "sidecar-free workflow without a prompt",
			args:     []string{"--workflow", testdataPath(t, "no_prompt.json")},
			code:     ExitUsage,
			want:     []string{"has no prompt input"},
			noSubmit: true,
		},
		{
			name:  "runtime error in a node",
			setup: func(fake *comfytest.Server) { fake.FailClass("KSampler") },
			code:  ExitFailure,
			want:  []string{"node 3 (KSampler) failed", "injected failure"},
		},
		{
			name:     "missing prompt flag",
			args:     []string{"--prompt", " "},
			code:     ExitUsage,
			want:     []string{"--prompt is required"},
			noSubmit: true,
		},
		{
			name:     "stray argument",
			args:     []string{"a", "red", "fox"},
			code:     ExitUsage,
			want:     []string{`unexpected argument "a"`, "generate --help"},
			noSubmit: true,
		},
		{
			name:     "bad URL",
			args:     []string{"--comfyui", "localhost:8188"},
			code:     ExitUsage,
			want:     []string{"--comfyui", "localhost:8188"},
			noSubmit: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inTempDir(t)
			fake := comfytest.New(t)
			if c.setup != nil {
				c.setup(fake)
			}
			args := append([]string{"generate", "--prompt", "a red fox", "--workflow", wf, "--comfyui", fake.URL()}, c.args...)
			r := runApp(t, t.Context(), nil, args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if n := len(fake.Submitted()); c.noSubmit && n != 0 {
				t.Errorf("%d prompts reached ComfyUI", n)
			}
		})
	}
}

func TestGenerateUnreachableComfyUINamesTheURL(t *testing.T) {
	inTempDir(t)
	url := closedPort(t)
	r := runApp(t, t.Context(), nil, "generate", "--prompt", "a red fox", "--comfyui", url)
	if r.code != ExitFailure || !strings.Contains(r.stderr, url) || !strings.Contains(r.stderr, "not reachable") {
		t.Fatalf("exit %d, want 1 naming %s:\n%s", r.code, url, r.stderr)
	}
	r = runApp(t, t.Context(), map[string]string{"DISCORDBOT_COMFYUI_URL": url}, "generate", "--prompt", "a red fox")
	if r.code != ExitFailure || !strings.Contains(r.stderr, url) {
		t.Fatalf("configured URL: exit %d, want 1 naming %s:\n%s", r.code, url, r.stderr)
	}
}

func TestGenerateCancelInterruptsItsPrompt(t *testing.T) {
	wf := testdataPath(t, "lucky.json")
	inTempDir(t)
	fake := comfytest.New(t)
	fake.Hold()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan result, 1)
	go func() {
		done <- runApp(t, ctx, nil, "generate", "--prompt", "a red fox", "--workflow", wf, "--comfyui", fake.URL())
	}()
	for {
		at, err := fake.WaitHeld(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if at.Stage == comfytest.StageNode && at.Node == "3" {
			break
		}
		fake.Step()
	}
	cancel()
	r := <-done
	fake.Release()
	if err := fake.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	promptID, _ := onlySubmitted(t, fake)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "interrupted prompt "+promptID) {
		t.Fatalf("exit %d, want 1 naming the interrupted prompt %s:\n%s", r.code, promptID, r.stderr)
	}
	h, found, err := comfy.New(comfy.Options{BaseURL: fake.URL()}).History(t.Context(), promptID)
	if err != nil || !found {
		t.Fatalf("history of %s: found %v, err %v", promptID, found, err)
	}
	if o := h.Outcome(); o.Status != comfy.StatusInterrupted || o.Interrupted == nil || o.Interrupted.NodeID != "3" {
		t.Fatalf("prompt ended %q (%+v), want interrupted at node 3", o.Status, o.Interrupted)
	}
}

// health is a connection that comes up when told to.
type health struct {
	mu      sync.Mutex
	up      bool
	changed chan struct{}
}

func (h *health) Health() (bool, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.up, h.changed
}

func (h *health) comeUp() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.up = true
	close(h.changed)
}

func TestWaitConnected(t *testing.T) {
	cases := []struct {
		name    string
		upAfter time.Duration // 0: never
		wantErr string
	}{
		{name: "comes up", upAfter: 3 * time.Second},
		{name: "never comes up", wantErr: "did not connect within 10s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := &health{changed: make(chan struct{})}
				if c.upAfter > 0 {
					time.AfterFunc(c.upAfter, h.comeUp)
				}
				err := waitConnected(t.Context(), h, "http://comfy.test", 10*time.Second)
				switch {
				case c.wantErr == "" && err != nil:
					t.Fatalf("unexpected error: %v", err)
				case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "http://comfy.test")):
					t.Fatalf("error %v, want one naming the URL and %q", err, c.wantErr)
				}
			})
		})
	}
}

func TestProgressOutput(t *testing.T) {
	w, err := workflow.Parse([]byte(`{
		"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
		"2": {"class_type": "KSampler", "inputs": {"latent_image": ["1", 0]}, "_meta": {"title": "Main pass"}},
		"3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0]}},
		"4": {"class_type": "PrimitiveInt", "inputs": {"value": 1}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	info := workflow.ObjectInfo{"SaveImage": {Name: "SaveImage", OutputNode: true}}
	events := []comfy.Event{
		comfy.ExecutionStart{PromptID: "p"},
		comfy.ExecutionCached{PromptID: "p", Nodes: []string{"1"}},
		comfy.Executing{PromptID: "p", Node: "2"},
	}
	for step := 1; step <= 8; step++ {
		events = append(events, comfy.Progress{PromptID: "p", Node: "2", Value: float64(step), Max: 8})
	}
	events = append(events, comfy.Executing{PromptID: "p", Node: "3"}, comfy.Executed{PromptID: "p", Node: "3"},
		comfy.Executing{PromptID: "p", Done: true})

	cases := []struct {
		name  string
		bar   bool
		check func(t *testing.T, out string)
	}{
		{name: "plain lines", check: func(t *testing.T, out string) {
			// Node 4 never runs (nothing needs it): of 3 nodes, 1 is cached, then the
			// sampler adds its share step by step.
			want := `node 2 KSampler "Main pass": step 2/8 (41%)
node 2 KSampler "Main pass": step 4/8 (50%)
node 2 KSampler "Main pass": step 6/8 (58%)
node 2 KSampler "Main pass": step 8/8 (66%)
`
			if out != want {
				t.Errorf("got\n%s\nwant\n%s", out, want)
			}
		}},
		{name: "bar", bar: true, check: func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "\r[") || !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
				t.Errorf("want one line redrawn with \\r, got %q", out)
			}
			last := out[strings.LastIndex(out, "\r")+1:]
			if !strings.Contains(last, "100%  node 3 SaveImage") {
				t.Errorf("last frame %q, want 100%% at node 3", last)
			}
			if !strings.Contains(out, "[############............]  50%  node 2 KSampler \"Main pass\": step 4/8") {
				t.Errorf("no half-way frame in %q", out)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newProgress(&buf, c.bar, w, info)
			for _, ev := range events {
				p.show(ev)
			}
			p.end()
			c.check(t, buf.String())
		})
	}
}

func TestWriteNewNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, file, want string
	}{
		{"plain name", "a_00001_.png", "a_00001_.png"},
		{"same name again", "a_00001_.png", "a_00001_-1.png"},
		{"and again", "a_00001_.png", "a_00001_-2.png"},
		{"path escapes are dropped", "../../etc/b.png", "b.png"},
		{"windows separators too", `sub\c.png`, "c.png"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, err := writeNew(dir, c.file, []byte(c.name))
			if err != nil {
				t.Fatal(err)
			}
			if path != filepath.Join(dir, c.want) {
				t.Fatalf("wrote %s, want %s", path, filepath.Join(dir, c.want))
			}
			if data, err := os.ReadFile(path); err != nil || string(data) != c.name {
				t.Fatalf("content %q, err %v", data, err)
			}
		})
	}
	if _, err := writeNew(filepath.Join(dir, "missing"), "x.png", nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing folder must fail, got %v", err)
	}
}

func TestGenerateBackendKeepsCredentialsForTheirServerOnly(t *testing.T) {
	cfg := config.Default()
	cfg.ComfyUI.Backends = []config.Backend{
		{Name: "gpu1", URL: "http://gpu1:8188"},
		{Name: "gpu2", URL: "https://gpu2.example/comfy/", Headers: map[string]config.Secret{"Authorization": "Bearer x"}},
	}
	cases := []struct {
		name, override, wantName string
		wantHeaders              bool
	}{
		{"no override: the first backend", "", "gpu1", false},
		{"a configured backend's URL", "https://gpu2.example/comfy", "gpu2", true},
		{"another server", "https://elsewhere.example/comfy", "cli", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := generateBackend(cfg, c.override)
			if err != nil {
				t.Fatal(err)
			}
			if b.Name != c.wantName || (len(b.Headers) > 0) != c.wantHeaders {
				t.Fatalf("got %s with headers %v", b.Name, b.Headers)
			}
		})
	}
}
