package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLibrary(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"lighthouse.json": string(readTestdata(t, "custom_seed.json")),
		"lighthouse.yaml": string(readTestdata(t, "custom_seed.yaml")),
		"flux.json":       string(readTestdata(t, "flux.json")),
		"notes.txt":       "not a workflow",
	})
	if err := os.Mkdir(filepath.Join(dir, "sub.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	lib, err := LoadLibrary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := lib.Names(""); !slices.Equal(got, []string{"default", "flux", "lighthouse"}) {
		t.Errorf("Names = %v", got)
	}
	e, err := lib.Get("", "lighthouse")
	if err != nil {
		t.Fatal(err)
	}
	if e.Sidecar == nil || e.Path != filepath.Join(dir, "lighthouse.json") || e.Source != SourceFolder ||
		e.Description != "Lighthouse scenes with a custom seed node" || describeBinding(e.Bindings, ParamSeed) != "sidecar 30.seed_value" {
		t.Errorf("entry = %+v", e)
	}
	// Build layers the sidecar's defaults under the caller's values and checks its limits.
	w, err := e.Build(Params{Prompt: new("a storm"), Seed: new(uint64(5)), CFG: new(4.0)})
	if err != nil {
		t.Fatal(err)
	}
	for tg, want := range map[Target]any{{"31", "subject"}: "a storm", {"30", "seed_value"}: json.Number("5"),
		{"3", "steps"}: json.Number("30"), {"3", "cfg"}: json.Number("4"), {"7", "text"}: "cartoon, 3d render, blurry"} {
		if got := inputValue(t, w, tg.Node, tg.Input); got != want {
			t.Errorf("%v = %#v, want %#v", tg, got, want)
		}
	}
	if _, err := e.Build(Params{Steps: new(80)}); err == nil || !strings.Contains(err.Error(), "parameter steps") {
		t.Errorf("Build over the limit = %v", err)
	}
	// Entries are copies: changing one does not change the library.
	mustNode(t, e.Workflow, "3").Title = "changed"
	again, _ := lib.Get("", "lighthouse")
	if mustNode(t, again.Workflow, "3").Title != "KSampler" {
		t.Error("Get returned shared state")
	}
	def, err := lib.Get("", "default")
	if err != nil || def.Path != "" || def.Source != SourceBuiltIn || describeBinding(def.Bindings, ParamPrompt) != "title 6.text" {
		t.Errorf("default entry = %+v, %v", def, err)
	}
	if _, err := lib.Get("", "nope"); err == nil || !strings.Contains(err.Error(), `no workflow named "nope" (available: default, flux, lighthouse)`) {
		t.Errorf("Get(nope) = %v", err)
	}
}

func TestLibraryOverridesDefault(t *testing.T) {
	lib, err := LoadLibrary(writeFiles(t, map[string]string{"default.json": string(readTestdata(t, "flux.json"))}))
	if err != nil {
		t.Fatal(err)
	}
	e, _ := lib.Get("", DefaultName)
	if e.Workflow.Len() != 14 {
		t.Errorf("default.json in the directory should replace the built-in; got %d nodes", e.Workflow.Len())
	}
	only, err := LoadLibrary("")
	if err != nil || !slices.Equal(only.Names(""), []string{"default"}) {
		t.Errorf("LoadLibrary(\"\") = %v, %v", only, err)
	}
}

// A server's workflows are its own: other servers and DMs do not see them,
// and they may not take the name of a global (folder or built-in) one.
func TestLibraryServerEntries(t *testing.T) {
	dir := writeFiles(t, map[string]string{"flux.json": string(readTestdata(t, "flux.json"))})
	lib, err := LoadLibrary(dir)
	if err != nil {
		t.Fatal(err)
	}
	const guildA, guildB = "100", "200"
	sdxl := NewEntry("portrait", "SDXL portraits", mustParse(t, readTestdata(t, "sdxl_refiner.json")), nil)
	if replaced, err := lib.Add(guildA, sdxl); err != nil || replaced {
		t.Fatalf("Add = %v, %v", replaced, err)
	}
	// The library keeps its own copy.
	mustNode(t, sdxl.Workflow, sdxl.Workflow.IDs()[0]).Title = "changed by the caller"

	names := map[string][]string{
		guildA: {"default", "flux", "portrait"},
		guildB: {"default", "flux"},
		"":     {"default", "flux"},
	}
	for guild, want := range names {
		if got := lib.Names(guild); !slices.Equal(got, want) {
			t.Errorf("Names(%q) = %v, want %v", guild, got, want)
		}
	}
	e, err := lib.Get(guildA, "portrait")
	if err != nil || e.Source != SourceServer || e.Description != "SDXL portraits" || e.Path != "" || e.Bindings.Main == "" {
		t.Fatalf("Get(A, portrait) = %+v, %v", e, err)
	}
	if mustNode(t, e.Workflow, e.Workflow.IDs()[0]).Title == "changed by the caller" {
		t.Error("Add kept the caller's graph")
	}
	for _, guild := range []string{guildB, ""} {
		if _, err := lib.Get(guild, "portrait"); errorCode(err) != CodeNotFound || !strings.Contains(err.Error(), "(available: default, flux)") {
			t.Errorf("Get(%q, portrait) = %v, want not found", guild, err)
		}
	}
	if _, err := lib.Get(guildA, "flux"); err != nil {
		t.Errorf("a server sees the folder's workflows: %v", err)
	}
	var sources []string
	for _, e := range lib.Entries(guildA) {
		sources = append(sources, e.Name+":"+string(e.Source))
	}
	if !slices.Equal(sources, []string{"default:built-in", "flux:folder", "portrait:server"}) {
		t.Errorf("Entries(A) = %v", sources)
	}

	// Replacing keeps the name; another server may use the same name.
	sd15 := NewEntry("portrait", "", mustParse(t, readTestdata(t, "sd15_basic.json")), nil)
	if replaced, err := lib.Add(guildA, sd15); err != nil || !replaced {
		t.Fatalf("replace = %v, %v", replaced, err)
	}
	if replaced, err := lib.Add(guildB, sd15); err != nil || replaced {
		t.Fatalf("same name in B = %v, %v", replaced, err)
	}
	if e, _ := lib.Get(guildA, "portrait"); e.Workflow.Len() != sd15.Workflow.Len() || e.Description != "" {
		t.Errorf("replaced entry = %+v", e)
	}

	tests := []struct {
		name string
		err  error
		code Code
		want string
	}{
		{"add over a folder name", second(lib.Add(guildA, NewEntry("flux", "", Default(), nil))), CodeNameTaken, "workflows folder (flux.json"},
		{"add over the built-in", second(lib.Add(guildA, NewEntry("default", "", Default(), nil))), CodeNameTaken, "built into the bot"},
		{"add without a server", second(lib.Add("", NewEntry("x", "", Default(), nil))), CodeNotFound, "needs a server"},
		{"check a folder name", lib.CheckServerName("flux"), CodeNameTaken, "choose another name"},
		{"remove a folder workflow", lib.Remove(guildA, "flux"), CodeNotRemovable, "flux.json; remove or rename the file there"},
		{"remove the built-in", lib.Remove(guildA, "default"), CodeNotRemovable, "built into the bot"},
		{"remove another server's", lib.Remove("300", "portrait"), CodeNotFound, `no workflow named "portrait"`},
		{"remove", lib.Remove(guildA, "portrait"), "", ""},
		{"remove twice", lib.Remove(guildA, "portrait"), CodeNotFound, `no workflow named "portrait"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if errorCode(tt.err) != tt.code || !strings.Contains(fmt.Sprint(tt.err), tt.want) {
				t.Fatalf("err = %v, want code %q and %q", tt.err, tt.code, tt.want)
			}
		})
	}
	if err := lib.CheckServerName("portrait"); err != nil {
		t.Errorf("a server name is free for others: %v", err)
	}
	if _, err := lib.Get(guildB, "portrait"); err != nil {
		t.Errorf("removing A's workflow removed B's: %v", err)
	}
}

// Jobs read the library while admins change it.
func TestLibraryConcurrentUse(t *testing.T) {
	lib, err := LoadLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	w := mustParse(t, readTestdata(t, "sd15_basic.json"))
	var wg sync.WaitGroup
	for i := range 4 {
		guild := fmt.Sprint(i % 2)
		wg.Go(func() {
			for j := range 50 {
				name := fmt.Sprintf("w%d", j%5)
				if _, err := lib.Add(guild, NewEntry(name, "", w, nil)); err != nil {
					t.Error(err)
					return
				}
				if e, err := lib.Get(guild, DefaultName); err != nil || e.Source != SourceBuiltIn {
					t.Errorf("Get(default) = %v", err)
				}
				_ = lib.Names(guild)
				_ = lib.Entries(guild)
				_ = lib.Remove(guild, name) // another goroutine may have removed it
			}
		})
	}
	wg.Wait()
}

func second[T any](_ T, err error) error { return err }

func errorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestLibraryErrorsNameTheFile(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"ui format", map[string]string{"saved.json": string(readTestdata(t, "ui_format.json"))},
			"saved.json: this is a UI-format workflow"},
		{"bad json", map[string]string{"broken.json": "{\n  \"3\": {,\n}"}, "broken.json: not valid JSON (line 2"},
		{"bad sidecar", map[string]string{"a.json": string(readTestdata(t, "sd15_basic.json")), "a.yaml": "bindings:\n  sed: {}\n"},
			`a.yaml: line 2: unknown parameter "sed"`},
		{"sidecar for missing node", map[string]string{"a.json": string(readTestdata(t, "sd15_basic.json")),
			"a.yml": "bindings: {seed: {node: '42', input: seed}}"}, "a.yml: parameter seed: node 42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadLibrary(writeFiles(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadLibrary = %v, want %q", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File == "" {
				t.Errorf("error %v does not carry the file", err)
			}
		})
	}
	if _, err := LoadLibrary(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing directory must be an error")
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file must be an error")
	}
}

func TestResolveCheckpoint(t *testing.T) {
	w := Default()
	b := Bind(w, nil)
	tests := []struct {
		name      string
		available []string
		want      string
		logged    bool
		err       string
	}{
		{"available", []string{"x.safetensors", "v1-5-pruned-emaonly-fp16.safetensors"}, "v1-5-pruned-emaonly-fp16.safetensors", false, ""},
		{"swapped for the first", []string{"dreamshaper_8.safetensors", "x.safetensors"}, "dreamshaper_8.safetensors", true, ""},
		{"none", nil, "", false, "ComfyUI has no checkpoints in models/checkpoints; add one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			out, err := ResolveCheckpoint(w, b, tt.available, logger)
			if tt.err != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != CodeNoCheckpoints || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := inputValue(t, out, "4", "ckpt_name"); got != tt.want {
				t.Errorf("ckpt_name = %v, want %s", got, tt.want)
			}
			if got := strings.Contains(logs.String(), "wanted=v1-5-pruned-emaonly-fp16.safetensors"); got != tt.logged {
				t.Errorf("logged = %v, want %v: %s", got, tt.logged, logs.String())
			}
			if inputValue(t, w, "4", "ckpt_name") != "v1-5-pruned-emaonly-fp16.safetensors" {
				t.Error("ResolveCheckpoint changed its argument")
			}
		})
	}
	// A diffusion model is not a checkpoint: a Flux workflow is left as it is.
	flux := mustParse(t, readTestdata(t, "flux.json"))
	out, err := ResolveCheckpoint(flux, Bind(flux, nil), nil, nil)
	if err != nil || inputValue(t, out, "12", "unet_name") != "flux1-dev.safetensors" {
		t.Errorf("flux: %v", err)
	}
}
