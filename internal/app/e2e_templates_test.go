//go:build !race

package app

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Templates from save to delete, private and shared: the {prompt} rule and
// the append rule as ComfyUI receives them, the name rules, and who may
// delete what.
func TestTemplatesSaveListLoadGenerateDelete(t *testing.T) {
	w := newWorld(t)
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	carol := w.member("carol") // a plain user
	owner := w.guild.Owner()

	r := w.slash(alice, "template save", discordtest.StringArg("name", "Portrait"),
		discordtest.StringArg("prompt", "portrait of {prompt}, studio light"), discordtest.StringArg("negative", "blurry"),
		discordtest.IntArg("steps", 12), discordtest.NumberArg("cfg", 5.5), discordtest.IntArg("width", 512), discordtest.IntArg("height", 768))
	if !r.Ephemeral || !strings.Contains(text(r), "Template: Portrait") || field(r, "Visibility") != "Private" {
		t.Fatalf("saving a private template should show it back: %s", text(r))
	}
	r = w.slash(alice, "template save", discordtest.StringArg("name", "Watercolor"),
		discordtest.StringArg("prompt", "watercolor, soft edges"), discordtest.StringArg("negative", "muddy"), discordtest.BoolArg("shared", true))
	if !strings.Contains(field(r, "Visibility"), "Shared by you") {
		t.Fatalf("saving a shared template should say so: %s", text(r))
	}

	// Names: unique per owner and scope, ignoring case; each refusal names its rule.
	for _, tc := range []struct {
		name string
		who  *discordtest.User
		args []discordtest.Arg
		want string
	}{
		{"same private name in another case", alice, []discordtest.Arg{discordtest.StringArg("name", "PORTRAIT")}, "You already have a template named"},
		{"same shared name in another case", bob, []discordtest.Arg{discordtest.StringArg("name", "watercolor"), discordtest.BoolArg("shared", true)}, "already has a shared template named"},
		{"blank name", alice, []discordtest.Arg{discordtest.StringArg("name", "   ")}, "name is empty"},
		{"plain users save nothing", carol, []discordtest.Arg{discordtest.StringArg("name", "mine")}, "**generator** level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, discordtest.StringArg("prompt", "anything"))
			if r := w.slash(tc.who, "template save", args...); !strings.Contains(text(r), tc.want) {
				t.Errorf("want %q, got %s", tc.want, text(r))
			}
		})
	}
	// A private name may repeat a shared one, and another owner's.
	if r := w.slash(bob, "template save", discordtest.StringArg("name", "watercolor"), discordtest.StringArg("prompt", "bob's own")); field(r, "Visibility") != "Private" {
		t.Fatalf("bob's private watercolor: %s", text(r))
	}

	lists := map[string]string{
		"alice": text(w.slash(alice, "template list")),
		"bob":   text(w.slash(bob, "template list")),
		"mine":  text(w.slash(bob, "template list", discordtest.StringArg("scope", "mine"))),
	}
	if !strings.Contains(lists["alice"], "**Portrait**") || !strings.Contains(lists["alice"], "**Watercolor** by you") {
		t.Errorf("alice's list: %s", lists["alice"])
	}
	if strings.Contains(lists["bob"], "Portrait") || !strings.Contains(lists["bob"], "**watercolor** — bob") ||
		!strings.Contains(lists["bob"], "**Watercolor** by <@"+alice.ID.String()+">") {
		t.Errorf("bob sees his own and the shared ones, never alice's private ones: %s", lists["bob"])
	}
	if strings.Contains(lists["mine"], "by <@") {
		t.Errorf("scope:mine lists shared ones of others: %s", lists["mine"])
	}

	// Load → Generate → the modal asks for the prompt, which goes where {prompt} is.
	loaded := w.slash(alice, "template load", discordtest.StringArg("name", "portrait"))
	md := w.openModal(alice, loaded, "Generate")
	if len(md.Fields) != 1 || md.Fields[0].Value != "" {
		t.Fatalf("the modal should ask for the user's prompt, empty: %+v", md.Fields)
	}
	if r := w.submitModal(alice, w.general, md, map[string]string{md.Fields[0].CustomID: "an old sailor"}); !strings.Contains(r.Content, "Job **#1**") {
		t.Fatalf("generate from the modal: %s", text(r))
	}
	g := w.graphOf(1)
	if got := g.text("Positive Prompt"); got != "portrait of an old sailor, studio light" {
		t.Errorf("{prompt} rule: ComfyUI got %q", got)
	}
	if got := g.text("Negative Prompt"); got != "blurry" {
		t.Errorf("template negative: ComfyUI got %q", got)
	}
	for _, in := range []struct {
		class, name string
		want        any
	}{{"KSampler", "steps", 12.0}, {"KSampler", "cfg", 5.5}, {"EmptyLatentImage", "width", 512.0}, {"EmptyLatentImage", "height", 768.0}} {
		if got := g.input(in.class, in.name); got != in.want {
			t.Errorf("%s.%s = %v, want the template's %v", in.class, in.name, got, in.want)
		}
	}

	// /generate template: with the shared one: the user's prompt first, the
	// template's appended; negatives merge the same way; options still win.
	r = w.slash(carol, "generate", discordtest.StringArg("prompt", "x"), discordtest.StringArg("template", "Watercolor"))
	if !strings.Contains(text(r), "generator") {
		t.Fatalf("a plain user generating from a template: %s", text(r))
	}
	dave := w.member("dave", w.genRole)
	w.slash(dave, "generate", discordtest.StringArg("prompt", "a lighthouse"), discordtest.StringArg("negative", "people"),
		discordtest.StringArg("template", "watercolor"), discordtest.IntArg("steps", 7))
	g = w.graphOf(2)
	if got, want := g.text("Positive Prompt"), "a lighthouse, watercolor, soft edges"; got != want {
		t.Errorf("append rule: ComfyUI got %q, want %q", got, want)
	}
	if got, want := g.text("Negative Prompt"), "people, muddy"; got != want {
		t.Errorf("negative append rule: ComfyUI got %q, want %q", got, want)
	}
	if got := g.input("KSampler", "steps"); got != 7.0 {
		t.Errorf("an explicit option should beat the template: steps %v", got)
	}
	// The shared template's own Generate button, for someone else.
	md = w.openModal(dave, w.slash(dave, "template load", discordtest.StringArg("name", "Watercolor")), "Generate")
	w.submitModal(dave, w.general, md, map[string]string{md.Fields[0].CustomID: "a harbour"})
	if got, want := w.graphOf(3).text("Positive Prompt"), "a harbour, watercolor, soft edges"; got != want {
		t.Errorf("append rule from the modal: ComfyUI got %q, want %q", got, want)
	}

	// Deleting: one's own private; someone else's shared only as an admin.
	if r := w.slash(bob, "template delete", discordtest.StringArg("name", "watercolor")); !strings.Contains(r.Content, "Deleted template **watercolor**") {
		t.Fatalf("bob deletes his private one: %s", text(r))
	}
	if r := w.slash(bob, "template delete", discordtest.StringArg("name", "watercolor")); !strings.Contains(text(r), "only they or an admin") {
		t.Fatalf("bob deleting alice's shared one: %s", text(r))
	}
	if r := w.slash(owner, "template delete", discordtest.StringArg("name", "Watercolor")); !strings.Contains(r.Content, "Deleted") {
		t.Fatalf("an admin deletes a shared one: %s", text(r))
	}
	if r := w.slash(alice, "template delete", discordtest.StringArg("name", "Portrait")); !strings.Contains(r.Content, "Deleted") {
		t.Fatalf("alice deletes her private one: %s", text(r))
	}
	if l := text(w.slash(alice, "template list")); !strings.Contains(l, "None yet") || !strings.Contains(l, "Shared in this server**\nNone.") {
		t.Errorf("after deleting, alice's list: %s", l)
	}
	if r := w.slash(alice, "generate", discordtest.StringArg("prompt", "x"), discordtest.StringArg("template", "Portrait")); !strings.Contains(text(r), `No template named "Portrait"`) {
		t.Errorf("a deleted template: %s", text(r))
	}
	w.noViolations()
}

// Autocomplete on template names: at most 25, the caller's private ones
// first, then the server's shared ones, never another user's private ones.
func TestTemplateAutocompleteNeverLeaksPrivateTemplates(t *testing.T) {
	w := newWorld(t)
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	st := w.openStore()
	save := func(owner *discordtest.User, name string, shared bool) {
		t.Helper()
		_, err := st.CreateTemplate(t.Context(), model.Template{OwnerID: owner.ID.String(), GuildID: w.guild.ID.String(), Shared: shared, Name: name, Prompt: "p"})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Shared names sort before alice's private ones, so only an order that
	// puts private ones first shows hers.
	for i := range 30 {
		save(bob, fmt.Sprintf("a shared %02d", i), true)
	}
	save(bob, "a bob secret", false)
	save(alice, "zz mine", false)
	save(alice, "zz portrait", false)

	for _, tc := range []struct {
		path    string
		focused string
		typed   string
		want    []string // leading choices, in order
		n       int
	}{
		{"template load", "name", "", []string{"zz mine", "zz portrait", "a shared 00"}, 25},
		{"template delete", "name", "ZZ", []string{"zz mine", "zz portrait"}, 2},
		{"template load", "name", "a s", []string{"a shared 00"}, 25},
		{"template load", "name", "a b", nil, 0},
		{"generate", "template", "a", nil, 25},
	} {
		t.Run(tc.path+" "+tc.typed, func(t *testing.T) {
			var args []discordtest.Arg
			if tc.path == "generate" {
				args = append(args, discordtest.StringArg("prompt", "x"))
			}
			got := w.choices(alice, tc.path, discordtest.StringArg(tc.focused, tc.typed), args...)
			var names []string
			for _, c := range got {
				names = append(names, fmt.Sprint(c.Value))
			}
			if len(got) != tc.n {
				t.Errorf("%d choices, want %d: %q", len(got), tc.n, names)
			}
			if len(names) < len(tc.want) || !slices.Equal(names[:len(tc.want)], tc.want) {
				t.Errorf("choices %q should start with %q", names, tc.want)
			}
			if slices.Contains(names, "a bob secret") {
				t.Errorf("bob's private template leaked to alice: %q", names)
			}
		})
	}
	if got := w.choices(bob, "template load", discordtest.StringArg("name", "zz")); len(got) != 0 {
		t.Errorf("alice's private templates leaked to bob: %+v", got)
	}
	w.noViolations()
}

// promptNode is one node of the prompt graph ComfyUI received.
type promptNode struct {
	ClassType string         `json:"class_type"`
	Inputs    map[string]any `json:"inputs"`
	Meta      struct {
		Title string `json:"title"`
	} `json:"_meta"`
}

// promptGraph is the API-format workflow of one submitted prompt.
type promptGraph map[string]promptNode

// text is the text input of the node titled title ("Positive Prompt").
func (g promptGraph) text(title string) string {
	for _, n := range g {
		if n.Meta.Title == title {
			s, _ := n.Inputs["text"].(string)
			return s
		}
	}
	return ""
}

// input is the input named name of the first node of class class.
func (g promptGraph) input(class, name string) any {
	for _, n := range g {
		if n.ClassType == class {
			return n.Inputs[name]
		}
	}
	return nil
}

// withoutSeed is a copy of g with every sampler seed left out.
func (g promptGraph) withoutSeed() promptGraph {
	out := promptGraph{}
	for id, n := range g {
		in := map[string]any{}
		for k, v := range n.Inputs {
			if k != "seed" && k != "noise_seed" {
				in[k] = v
			}
		}
		n.Inputs = in
		out[id] = n
	}
	return out
}

// graphOf waits until ComfyUI received job id's prompt and returns its graph.
func (w *world) graphOf(id int64) promptGraph {
	w.t.Helper()
	st := w.openStore()
	var raw json.RawMessage
	w.eventually(fmt.Sprintf("ComfyUI to receive job %d", id), func() bool {
		job, err := st.Job(w.t.Context(), id)
		if err != nil || job.PromptID == "" {
			return false
		}
		for _, f := range w.comfy {
			for _, p := range f.Submitted() {
				if p.PromptID == job.PromptID {
					raw = p.Prompt
					return true
				}
			}
		}
		return false
	})
	var g promptGraph
	if err := json.Unmarshal(raw, &g); err != nil {
		w.t.Fatalf("job %d's prompt: %v", id, err)
	}
	return g
}

// waitStatus waits until job id has status st.
func (w *world) waitStatus(id int64, want model.JobStatus) {
	w.t.Helper()
	st := w.openStore()
	w.eventually(fmt.Sprintf("job %d to be %s", id, want), func() bool {
		job, err := st.Job(w.t.Context(), id)
		return err == nil && job.Status == want
	})
}
