//go:build !race

package app

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// longText is exactly n characters of markdown, mentions and non-ASCII, the
// worst a prompt can hold for the messages that echo it.
func longText(start string, n int) string {
	var b strings.Builder
	b.WriteString(start)
	for utf8.RuneCountInString(b.String()) < n {
		b.WriteString(" *bold* _under_ @everyone <@1> ~ 狐狸 `x`")
	}
	r := []rune(b.String())[:n]
	r[n-1] = '.' // a prompt is trimmed: it must not end in a space
	return string(r)
}

// Every result button does what it says, for its owner, for others and
// after a restart, with 4000-character prompts in every message and modal.
func TestResultButtonsWorkAndSurviveRestarts(t *testing.T) {
	w := newWorld(t, withEnv("DISCORDBOT_LIMITS_MAX_PROMPT_LENGTH", "4000"))
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	owner := w.guild.Owner()
	prompt, negative := longText("a red fox", 4000), longText("blurry", 4000)

	w.slash(alice, "generate", discordtest.StringArg("prompt", prompt), discordtest.StringArg("negative", negative),
		discordtest.IntArg("steps", 9), discordtest.NumberArg("cfg", 6.5), discordtest.IntArg("width", 512), discordtest.IntArg("height", 512))
	res := w.resultMessage(w.general, 1)
	job := w.jobOf(1)
	seed := strconv.FormatUint(job.Seed, 10)

	// Info: the parameters, privately, for the job's owner and admins.
	for _, u := range []*discordtest.User{alice, owner} {
		info := w.click(u, res, "Info")
		if !info.Ephemeral || info.VisibleTo != u.Name || field(info, "Steps") != "9" || field(info, "Seed") != seed || field(info, "CFG") != "6.5" {
			t.Errorf("Info for %s: ephemeral %v, %s", u.Name, info.Ephemeral, text(info))
		}
	}

	// Reroll: the same workflow with a new seed.
	if r := w.click(alice, res, "Reroll"); !strings.Contains(r.Content, "Job **#2**") {
		t.Fatalf("Reroll: %s", text(r))
	}
	g1, g2 := w.graphOf(1), w.graphOf(2)
	if !reflect.DeepEqual(g1.withoutSeed(), g2.withoutSeed()) || g1.input("KSampler", "seed") == g2.input("KSampler", "seed") {
		t.Errorf("Reroll should change the seed and nothing else:\n%+v\n%+v", g1, g2)
	}

	// Edit: prefilled with what the job used; the new job runs the changes.
	md := w.openModal(alice, res, "Edit")
	prefilled := map[string]string{}
	for _, f := range md.Fields {
		prefilled[f.CustomID] = f.Value
	}
	if prefilled["prompt"] != prompt || prefilled["negative"] != negative {
		t.Errorf("Edit modal should be prefilled with the whole prompts: %d and %d characters",
			utf8.RuneCountInString(prefilled["prompt"]), utf8.RuneCountInString(prefilled["negative"]))
	}
	delete(prefilled, "prompt")
	delete(prefilled, "negative")
	if want := map[string]string{"steps": "9", "cfg": "6.5", "seed": seed}; !reflect.DeepEqual(prefilled, want) {
		t.Errorf("Edit modal prefilled with %q, want %q", prefilled, want)
	}
	if r := w.submitModal(alice, w.general, md, map[string]string{"prompt": "a blue fox", "steps": "14", "seed": "1234"}); !strings.Contains(r.Content, "Job **#3**") {
		t.Fatalf("Edit submit: %s", text(r))
	}
	g3 := w.graphOf(3)
	if g3.text("Positive Prompt") != "a blue fox" || g3.text("Negative Prompt") != negative ||
		g3.input("KSampler", "steps") != 14.0 || g3.input("KSampler", "seed") != 1234.0 || g3.input("KSampler", "cfg") != 6.5 {
		t.Errorf("Edit should run the edited values: %+v", g3["3"])
	}
	md = w.openModal(alice, res, "Edit")
	if r := w.submitModal(alice, w.general, md, map[string]string{"steps": "many"}); !strings.Contains(text(r), `Steps "many" is not a whole number`) {
		t.Errorf("Edit with bad steps: %s", text(r))
	}

	// Save as template: the modal asks the name; the template has the job's settings.
	md = w.openModal(alice, res, "Save as template")
	if len(md.Fields) != 1 || md.Fields[0].CustomID != "name" || !md.Fields[0].Required {
		t.Fatalf("Save as template should ask for a name: %+v", md.Fields)
	}
	saved := w.submitModal(alice, w.general, md, map[string]string{"name": "Long fox"})
	if !strings.Contains(text(saved), "Template: Long fox") || field(saved, "Steps") != "9" || field(saved, "Seed") != "" {
		t.Errorf("saved template (no seed, the job's steps): %s", text(saved))
	}
	md = w.openModal(alice, res, "Save as template")
	if r := w.submitModal(alice, w.general, md, map[string]string{"name": "long FOX"}); !strings.Contains(text(r), "already have a template") {
		t.Errorf("saving under a taken name: %s", text(r))
	}

	// Send to DM: a copy with the image, in the clicker's DMs.
	if r := w.click(alice, res, "Send to DM"); !strings.Contains(r.Content, "Sent job **#1** to your DMs") {
		t.Fatalf("Send to DM: %s", text(r))
	}
	if dms := w.discord.Messages(w.discord.DM(alice).ID); len(dms) != 1 || len(dms[0].Embeds) == 0 || dms[0].Embeds[0].Image == "" {
		t.Errorf("alice's DMs should hold the result with its image: %+v", dms)
	}

	// Another member sees the result in the channel, but its settings and
	// every action on it are its owner's: each button refuses, privately.
	for label, want := range map[string]string{
		"Delete": "another member's", "Reroll": "another member's", "Info": "another member's",
		"Send to DM": "another member's", "Edit": "another member's", "Save as template": "another member's",
	} {
		if r := w.click(bob, res, label); !r.Ephemeral || r.VisibleTo != bob.Name || !strings.Contains(text(r), want) {
			t.Errorf("bob pressing %s on alice's result: want a private %q, got %s", label, want, text(r))
		}
	}
	if dms := w.discord.Messages(w.discord.DM(bob).ID); len(dms) != 0 {
		t.Errorf("bob's DMs received alice's result: %+v", dms)
	}
	if r, _ := w.discord.Message(w.general.ID, res.ID); r.Deleted {
		t.Fatal("bob deleted alice's result")
	}

	// After a restart the buttons resolve the job from the store.
	w.restart()
	if info := w.click(alice, res, "Info"); field(info, "Seed") != seed {
		t.Errorf("Info after a restart: %s", text(info))
	}
	w.comfy[0].SetImagesPerOutput(11) // more than one message holds
	if r := w.click(alice, res, "Reroll"); !strings.Contains(r.Content, "Job **#4**") {
		t.Fatalf("Reroll after a restart: %s", text(r))
	}
	if md := w.openModal(alice, res, "Edit"); len(md.Fields) != 5 || md.Fields[0].Value != prompt {
		t.Errorf("Edit after a restart: %+v", md.Fields)
	}
	// Delete: the owner, or an admin, removes the result message.
	second := w.resultMessage(w.general, 2)
	if r := w.click(owner, second, "Delete"); !strings.Contains(r.Content, "Deleted the result of job **#2**") {
		t.Errorf("an admin deleting: %s", text(r))
	}
	if r := w.click(alice, res, "Delete"); !strings.Contains(r.Content, "Deleted the result of job **#1**") {
		t.Errorf("the owner deleting: %s", text(r))
	}
	for _, m := range []discordtest.Message{res, second} {
		if got, _ := w.discord.Message(w.general.ID, m.ID); !got.Deleted {
			t.Errorf("result message %s is still there", m.ID)
		}
	}
	// A result in two messages goes as a whole.
	w.waitStatus(4, model.StatusCompleted)
	var parts []discordtest.Message
	for _, m := range w.discord.Messages(w.general.ID) {
		if len(m.Embeds) > 0 && strings.HasPrefix(m.Embeds[0].Title, "✅ Job #4") {
			parts = append(parts, m)
		}
	}
	if len(parts) != 2 {
		t.Fatalf("job 4 should be delivered in two messages, got %d", len(parts))
	}
	w.click(alice, parts[0], "Delete")
	for _, m := range parts {
		if got, _ := w.discord.Message(w.general.ID, m.ID); !got.Deleted {
			t.Errorf("part %s of job 4 is still there", m.ID)
		}
	}
	w.noViolations()
}
