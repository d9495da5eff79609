//go:build !race

package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// addWorkflow makes u upload data as a workflow named name in #general.
func (w *world) addWorkflow(u *discordtest.User, name, filename string, data []byte, args ...discordtest.Arg) discordtest.Message {
	w.t.Helper()
	args = append([]discordtest.Arg{discordtest.StringArg("name", name), discordtest.AttachmentArg("file", filename, data)}, args...)
	return w.slash(u, "admin workflow add", args...)
}

// in runs a slash command as u in channel ch (of any guild).
func (w *world) in(ch *discordtest.Channel, u *discordtest.User, path string, args ...discordtest.Arg) discordtest.Message {
	w.t.Helper()
	return w.answer(w.discord.SlashCommand(w.t.Context(), u, ch, path, args...))
}

// classesOf maps node ids to classes of an API-format file or prompt.
func classesOf(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var g map[string]promptNode
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for id, n := range g {
		out[id] = n.ClassType
	}
	return out
}

func graphClasses(g promptGraph) map[string]string {
	out := map[string]string{}
	for id, n := range g {
		out[id] = n.ClassType
	}
	return out
}

func sameClasses(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Admins add workflows from Discord; a good one is stored and runs by name,
// a broken one is refused with its problems and changes nothing, and only
// admins may add them.
func TestAdminWorkflowAdd(t *testing.T) {
	basic := readFile(t, workflowTestdata(t, "sd15_basic.json"))
	ui := readFile(t, workflowTestdata(t, filepath.Join("ui", "sdxl_inpaint.json")))
	w := newWorld(t)
	owner := w.guild.Owner()
	alice := w.generator("alice")

	r := w.addWorkflow(owner, "basic", "sd15_basic.json", basic, discordtest.StringArg("description", "Plain SD 1.5"))
	got := text(r)
	if !r.Ephemeral || !strings.Contains(got, "Workflow basic saved") || !strings.Contains(got, "checked against **gpu1**") {
		t.Fatalf("the reply should confirm the saved workflow: %s", got)
	}
	if warn := field(r, "Warnings (1)"); !strings.Contains(warn, "checkpoint v1-5-pruned-emaonly-fp16.safetensors (node 4) is not installed on gpu1") {
		t.Errorf("the reply should warn that the checkpoint is missing: %s", got)
	}
	table := field(r, "Bindings")
	for _, row := range []string{"prompt     6      text", "seed       3      seed", "checkpoint 4      ckpt_name"} {
		if !strings.Contains(table, row) {
			t.Errorf("the binding table should have the row %q:\n%s", row, table)
		}
	}
	stored, err := w.openStore().Workflow(t.Context(), w.guild.ID.String(), "basic")
	if err != nil || stored.Description != "Plain SD 1.5" || !sameClasses(classesOf(t, stored.Graph), classesOf(t, basic)) {
		t.Fatalf("stored = %+v, %v", stored, err)
	}

	// /generate workflow:basic runs that graph.
	id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a red fox"), discordtest.StringArg("workflow", "basic")))
	g := w.graphOf(id)
	if !sameClasses(graphClasses(g), classesOf(t, basic)) || g["6"].Inputs["text"] != "a red fox" {
		t.Fatalf("ComfyUI received %+v, want the uploaded graph with the prompt", g)
	}
	w.result(w.general, id)

	// Broken files are refused, naming the problem; "basic" stays as it was.
	dangling := strings.Replace(string(basic), `"model": ["4", 0]`, `"model": ["99", 0]`, 1)
	unknown := strings.Replace(string(basic), `"class_type": "VAEDecode"`, `"class_type": "FancyUpscaleNode"`, 1)
	outOfRange := strings.Replace(string(basic), `"steps": 20`, `"steps": 100000`, 1)
	for _, changed := range []string{dangling, unknown, outOfRange} {
		if changed == string(basic) {
			t.Fatal("a broken test file is the same as the good one")
		}
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       []string
	}{
		{"bad json", "broken.json", []byte("{\n  \"3\": {,\n}"), []string{"not valid JSON (line 2", "stays as it was"}},
		{"dangling link", "dangling.json", []byte(dangling), []string{"links to node 99", "stays as it was"}},
		{"class the server lacks", "unknown.json", []byte(unknown), []string{"FancyUpscaleNode is not installed", "node 8", "stays as it was"}},
		{"value out of range", "steps.json", []byte(outOfRange), []string{"node 3", "input steps", "above the maximum", "stays as it was"}},
		{"not json at all", "picture.png", png, []string{"is not a JSON workflow", "image/png"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.addWorkflow(owner, "basic", tc.file, tc.data)
			got := text(r)
			for _, want := range tc.want {
				if !r.Ephemeral || !strings.Contains(got, want) {
					t.Errorf("the refusal should say %q: %s", want, got)
				}
			}
			after, err := w.openStore().Workflow(t.Context(), w.guild.ID.String(), "basic")
			if err != nil || !slices.Equal(after.Graph, stored.Graph) || after.Description != stored.Description {
				t.Errorf("a refused file changed the stored workflow: %+v, %v", after, err)
			}
		})
	}
	again := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a blue fox"), discordtest.StringArg("workflow", "basic")))
	if !sameClasses(graphClasses(w.graphOf(again)), classesOf(t, basic)) {
		t.Fatal("after refused uploads, basic should still run the first graph")
	}

	// A UI-format file (the frontend's Save) is converted to the API graph
	// and validated too, except for its LoadImage's file, which this
	// ComfyUI lacks: each job uploads its own image there.
	broken := strings.Replace(string(ui), `"KSampler"`, `"KSamplerNotInstalled"`, 1)
	r = w.addWorkflow(owner, "from-ui", "saved.json", []byte(broken))
	if got := text(r); !strings.Contains(got, "KSamplerNotInstalled") || !strings.Contains(got, "stays as it was") {
		t.Fatalf("a converted workflow is validated too: %s", got)
	}
	r = w.addWorkflow(owner, "from-ui", "saved.json", ui)
	if !strings.Contains(text(r), "Workflow from-ui saved") || !strings.Contains(text(r), "Converted from the UI format") {
		t.Fatalf("a UI-format file should be converted and saved, its LoadImage left to each job: %s", text(r))
	}
	conv, err := w.openStore().Workflow(t.Context(), w.guild.ID.String(), "from-ui")
	if err != nil || strings.Contains(string(conv.Graph), `"links"`) || !strings.Contains(string(conv.Graph), `"class_type"`) {
		t.Fatalf("the stored graph should be API format: %s, %v", conv.Graph, err)
	}
	id = jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a green fox"), discordtest.StringArg("workflow", "from-ui"),
		discordtest.AttachmentArg("image", "fox.png", testPNG(t, 64, 64))))
	if !sameClasses(graphClasses(w.graphOf(id)), classesOf(t, conv.Graph)) {
		t.Fatal("the converted workflow should run as stored")
	}

	// Replacing is allowed and said; names are checked; admins only.
	r = w.addWorkflow(owner, "basic", "sd15_basic.json", basic, discordtest.StringArg("description", "Second version"))
	if !strings.Contains(text(r), "Workflow basic replaced") {
		t.Fatalf("replacing should say so: %s", text(r))
	}
	for _, tc := range []struct{ name, want string }{
		{"default", "built into the bot"},
		{"Bad Name", "a-z, 0-9"},
	} {
		if r := w.addWorkflow(owner, tc.name, "sd15_basic.json", basic); !strings.Contains(text(r), tc.want) {
			t.Errorf("name %q: the refusal should say %q: %s", tc.name, tc.want, text(r))
		}
	}
	if r := w.addWorkflow(alice, "mine", "sd15_basic.json", basic); !r.Ephemeral || !strings.Contains(text(r), "admin") {
		t.Fatalf("a generator must be refused: %s", text(r))
	}
	if _, err := w.openStore().Workflow(t.Context(), w.guild.ID.String(), "mine"); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Fatalf("a refused member's workflow was stored: %v", err)
	}

	// The workflow option of /generate and /template save offers it.
	for _, path := range []string{"generate", "template save"} {
		var names []string
		for _, c := range w.choices(alice, path, discordtest.StringArg("workflow", "")) {
			names = append(names, c.Value.(string))
		}
		if !slices.Contains(names, "basic") || !slices.Contains(names, "default") {
			t.Errorf("/%s workflow choices = %v", path, names)
		}
	}
	w.noViolations()
}

// Server workflows survive a restart and stay in their server; remove and
// default work; folder and built-in workflows are not removed from Discord.
func TestServerWorkflowsRestartScopeRemoveDefault(t *testing.T) {
	basic := readFile(t, workflowTestdata(t, "sd15_basic.json"))
	hires := readFile(t, workflowTestdata(t, "sd15_hires.json"))
	lucky := readFile(t, testdataPath(t, "lucky.json"))
	w := newWorld(t)
	owner := w.guild.Owner()
	alice := w.generator("alice")
	if r := w.addWorkflow(owner, "basic", "sd15_basic.json", basic); !strings.Contains(text(r), "saved") {
		t.Fatalf("add: %s", text(r))
	}

	// Before the restart: a folder workflow appears, a second server joins,
	// and a stored workflow that no longer reads is planted.
	if err := os.MkdirAll("workflows", 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("workflows", "lucky.json"), lucky, 0o600); err != nil {
		t.Fatal(err)
	}
	other := w.discord.AddGuild("Other server")
	otherCh := other.AddChannel("general", false)
	w.env["DISCORDBOT_DISCORD_GUILD_IDS"] = w.guild.ID.String() + "," + other.ID.String()
	if _, _, err := w.openStore().SaveWorkflow(t.Context(), w.guild.ID.String(), model.Workflow{Name: "rotten",
		Graph: []byte(`{"1": {"class_type": "SaveImage", "inputs": {"images": ["9", 0]}}}`)}); err != nil {
		t.Fatal(err)
	}
	w.restart()
	if logs := w.logs.String(); !strings.Contains(logs, "stored workflow skipped") || !strings.Contains(logs, "workflow=rotten") ||
		!strings.Contains(logs, "guild_id="+w.guild.ID.String()) {
		t.Fatalf("a stored workflow that no longer reads should be logged and skipped; logs:\n%s", tail(logs, 3000))
	}

	id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a fox"), discordtest.StringArg("workflow", "basic")))
	if !sameClasses(graphClasses(w.graphOf(id)), classesOf(t, basic)) {
		t.Fatal("the stored workflow should run after a restart")
	}
	list := text(w.slash(owner, "admin workflow list"))
	for _, want := range []string{"**basic** · server", "**lucky** · folder", "**default** · built-in · default", "binds: prompt, negative, seed"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list should show %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "rotten") {
		t.Errorf("a workflow that did not load is listed:\n%s", list)
	}

	// The other server sees none of it, cannot remove it, and may have its
	// own workflow of the same name.
	boss := other.Owner()
	if l := text(w.in(otherCh, boss, "admin workflow list")); strings.Contains(l, "basic") || !strings.Contains(l, "lucky") {
		t.Errorf("the other server's list: %s", l)
	}
	if r := text(w.in(otherCh, boss, "admin workflow remove", discordtest.StringArg("name", "basic"))); !strings.Contains(r, `no workflow named "basic"`) {
		t.Errorf("removing another server's workflow: %s", r)
	}
	if r := text(w.in(otherCh, boss, "admin workflow add", discordtest.StringArg("name", "basic"), discordtest.AttachmentArg("file", "hires.json", hires))); !strings.Contains(r, "Workflow basic saved") {
		t.Fatalf("the other server's own basic: %s", r)
	}
	mine, _ := w.openStore().Workflow(t.Context(), w.guild.ID.String(), "basic")
	if !sameClasses(classesOf(t, mine.Graph), classesOf(t, basic)) {
		t.Fatal("the other server replaced this server's workflow")
	}
	resp, err := w.discord.Autocomplete(t.Context(), boss, otherCh, "admin workflow remove", discordtest.StringArg("name", "")).Wait(t.Context())
	if err != nil || len(resp.Choices) != 1 || resp.Choices[0].Value != "basic" {
		t.Fatalf("the other server's remove choices = %+v, %v", resp.Choices, err)
	}

	// default sets the server's default workflow, which /generate then runs.
	if r := text(w.slash(owner, "admin workflow default", discordtest.StringArg("name", "basic"))); !strings.Contains(r, "**basic** is now this server's default") {
		t.Fatalf("default: %s", r)
	}
	if s := w.slash(owner, "admin config"); field(s, "Default workflow") != "basic" {
		t.Errorf("/admin config should show the default: %s", text(s))
	}
	id = jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a fox")))
	if w.jobOf(id).WorkflowName != "basic" {
		t.Errorf("a job without a workflow ran %q", w.jobOf(id).WorkflowName)
	}

	// remove: only this server's, and the default setting goes with it.
	if got := w.choices(owner, "admin workflow remove", discordtest.StringArg("name", "")); len(got) != 1 || got[0].Value != "basic" {
		t.Errorf("remove choices = %+v", got)
	}
	for _, tc := range []struct{ name, want string }{
		{"lucky", "workflows folder (lucky.json"},
		{"default", "built into the bot"},
	} {
		if r := text(w.slash(owner, "admin workflow remove", discordtest.StringArg("name", tc.name))); !strings.Contains(r, tc.want) {
			t.Errorf("remove %s: %s", tc.name, r)
		}
	}
	if r := text(w.slash(owner, "admin workflow remove", discordtest.StringArg("name", "basic"))); !strings.Contains(r, "Removed the workflow **basic**") ||
		!strings.Contains(r, "default workflow") {
		t.Fatalf("remove basic: %s", r)
	}
	if srv, err := w.openStore().Server(t.Context(), w.guild.ID.String()); err != nil || srv.DefaultWorkflow != "" {
		t.Fatalf("removing the default should clear it: %+v, %v", srv, err)
	}
	if r := text(w.slash(alice, "generate", discordtest.StringArg("prompt", "x"), discordtest.StringArg("workflow", "basic"))); !strings.Contains(r, `no workflow named "basic"`) {
		t.Errorf("a removed workflow should be gone: %s", r)
	}
	if _, err := w.openStore().Workflow(t.Context(), other.ID.String(), "basic"); err != nil {
		t.Errorf("removing this server's basic removed the other's: %v", err)
	}
	w.noViolations()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
