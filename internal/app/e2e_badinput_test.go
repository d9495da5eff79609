//go:build !race

// Bad input (issue 14): mentions, scripts and lengths in prompts, markdown
// and paths in names, and job numbers that are not the caller's. Each is
// answered clearly, and nothing the user gave is lost or turned into
// something else.

package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

// shownTexts is every text users were shown: message contents, embed
// parts and prefilled modal values, with where each was.
func (w *world) shownTexts() map[string][]string {
	out := map[string][]string{}
	for _, e := range w.discord.Events() {
		where := fmt.Sprintf("%s %s (message %d)", e.Kind, e.Channel, e.MessageID)
		add := func(part, s string) {
			if s != "" {
				out[where+" "+part] = append(out[where+" "+part], s)
			}
		}
		add("content", e.Content)
		for i, em := range e.Embeds {
			p := fmt.Sprintf("embed %d ", i)
			add(p+"title", em.Title)
			add(p+"description", em.Description)
			add(p+"footer", em.Footer)
			add(p+"author", em.Author)
			for j, f := range em.Fields {
				add(fmt.Sprintf("%sfield %d name", p, j), f.Name)
				add(fmt.Sprintf("%sfield %d value", p, j), f.Value)
			}
		}
		if e.Modal != nil {
			add("modal title", e.Modal.Title)
			for _, f := range e.Modal.Fields {
				add("modal field "+f.CustomID, f.Value)
			}
		}
	}
	return out
}

// Prompts, negative prompts and templates that hold @everyone, @here, a
// role and a member's mention reach ComfyUI as typed and are echoed in
// every view of the job, and none of the messages that echo them pings
// anyone: the only ping the bot ever sends is a result's to its owner.
func TestPromptMentionsNeverPing(t *testing.T) {
	w := newWorld(t)
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	owner := w.guild.Owner()
	pings := "@everyone @here <@&" + w.genRole.ID.String() + "> <@" + bob.ID.String() + "> <@!" + bob.ID.String() + ">"
	prompt := "a red fox " + pings

	id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", prompt), discordtest.StringArg("negative", "blurry "+pings)))
	if got := w.graphOf(id).text("Positive Prompt"); got != prompt {
		t.Errorf("ComfyUI received %q, want the prompt as typed %q", got, prompt)
	}
	res := w.resultMessage(w.general, id)
	w.waitStatus(id, model.StatusCompleted)
	if !strings.Contains(text(res), render.Escape(pings)) {
		t.Errorf("the result should show the prompt's mentions as typed: %s", text(res))
	}

	// A shared template holding them, used by another member, in a DM too.
	w.slash(alice, "template save", discordtest.StringArg("name", "pings @everyone"), discordtest.StringArg("prompt", pings+" {prompt}"),
		discordtest.StringArg("negative", pings), discordtest.BoolArg("shared", true))
	w.slash(alice, "template load", discordtest.StringArg("name", "pings @everyone"))
	w.slash(bob, "template list")
	fromTemplate := jobIDOf(t, w.slash(bob, "generate", discordtest.StringArg("prompt", pings), discordtest.StringArg("template", "pings @everyone")))
	inDM := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", prompt), discordtest.StringArg("delivery", "dm")))
	// Each result may ping its owner, no one else.
	owners := map[snowflake.ID]snowflake.ID{
		res.ID: alice.ID,
		w.result(w.general, fromTemplate).MessageID:   bob.ID,
		w.result(w.discord.DM(alice), inDM).MessageID: alice.ID,
	}

	// Every view of a job, and refusals that repeat what was typed.
	w.slash(alice, "history view", discordtest.IntArg("id", id))
	w.slash(alice, "history list")
	w.slash(alice, "queue view")
	w.slash(alice, "queue status", discordtest.IntArg("id", id))
	w.slash(owner, "history view", discordtest.IntArg("id", id))
	w.slash(owner, "history list", discordtest.UserArg("user", alice))
	w.click(alice, res, "Info")
	w.click(alice, res, "Send to DM")
	w.slash(alice, "template load", discordtest.StringArg("name", "@here <@&"+w.genRole.ID.String()+">"))
	w.slash(alice, "generate", discordtest.StringArg("prompt", prompt), discordtest.StringArg("workflow", "@everyone"))
	w.slash(alice, "generate", discordtest.StringArg("prompt", prompt), discordtest.StringArg("template", "<@"+bob.ID.String()+">"))

	for _, v := range w.discord.MentionViolations() {
		t.Errorf("a message could ping: %s", v)
	}
	for _, m := range w.discord.Messages(w.discord.DM(alice).ID) {
		if len(m.Files) > 0 && owners[m.ID] == 0 {
			owners[m.ID] = alice.ID // the copy Send to DM made
		}
	}
	var pingedOwner bool
	for _, p := range w.discord.Pings() {
		switch {
		case p.Everyone || len(p.Roles) > 0:
			t.Errorf("%v: @everyone, @here and roles must never be pinged", p)
		case len(p.Users) != 1 || owners[p.MessageID] != p.Users[0]:
			t.Errorf("%v: a message may ping only the owner of the result it delivers", p)
		case p.MessageID == res.ID:
			pingedOwner = true
		}
	}
	if !pingedOwner {
		t.Errorf("alice's result should ping alice; pings: %v", w.discord.Pings())
	}
	w.noViolations()
}

// grapheme clusters of the prompts below, each written as one string so a
// test knows where a character ends: a cut inside one changes a letter
// (é to e), breaks a family emoji into people or a flag into letters.
var (
	rtlClusters = []string{
		"م\u064e", "ر\u0652", "ح\u064e", "ب\u064b", "ا", " ", "ب", "ا", "ل", "ع\u064e", "ا", "ل\u064e", "م\u0650", " ",
		"\u200f", "ש\u05c1\u05b8", "ל", "ו\u05b9", "ם", " ", "\u202b", "ע", "ו", "ל", "ם", "\u202c", " ",
	}
	zeroWidthClusters = []string{"a\u200d", "b", "\u200b", "c\u200c", "d", "\u2060", "e", " ", "ف\u200d", "ي", " "}
	combiningClusters = []string{"e\u0301", "a\u0308\u0304", "n\u0303", " ", "Z\u0351\u036b\u0343\u036a", "a\u0310", "l\u0328\u0306", "g\u0327", "o\u035b", " "}
	emojiClusters     = []string{
		"👩🏽\u200d🚀", "👨\u200d👩\u200d👧\u200d👦", " ", "🏳\ufe0f\u200d🌈", "🇫🇷", "🇯🇵", " ", "❤\ufe0f", "1\ufe0f\u20e3", "🧑🏿\u200d🤝\u200d🧑🏻", " ",
	}
)

// clusterPrompt repeats clusters (after a marker that starts the prompt)
// up to n characters without cutting one, pads with "x" to exactly n, and
// returns the prompt's clusters.
func clusterPrompt(marker string, clusters []string, n int) []string {
	out := []string{marker, " "}
	size := utf8.RuneCountInString(marker) + 1
	for done := false; !done; {
		for _, c := range clusters {
			if size+utf8.RuneCountInString(c) > n {
				done = true
				break
			}
			out = append(out, c)
			size += utf8.RuneCountInString(c)
		}
	}
	for ; size < n; size++ {
		out = append(out, "x")
	}
	// A prompt is trimmed: it must not end in a space.
	if out[len(out)-1] == " " {
		out[len(out)-1] = "x"
	}
	return out
}

// checkShown checks one text that may show the prompt made of clusters:
// valid UTF-8 without replacement characters, and where it shows the
// prompt, the prompt whole or its first clusters whole and then "…".
// It reports whether the text showed the prompt, and whether cut.
func checkShown(t *testing.T, where, s string, clusters []string) (shown, cut bool) {
	t.Helper()
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		t.Errorf("%s: invalid UTF-8 or a replacement character: %q", where, s)
	}
	i := strings.Index(s, clusters[0]+clusters[1]+clusters[2])
	if i < 0 {
		return false, false
	}
	rest := s[i:]
	for n, c := range clusters {
		if strings.HasPrefix(rest, c) {
			rest = rest[len(c):]
			continue
		}
		if !strings.HasPrefix(rest, "…") {
			t.Errorf("%s: the prompt is cut or changed inside %q (its character %d): shown %q", where, c, n, firstRunes(rest, 12))
		}
		return true, true
	}
	return true, false
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

// Prompts in right-to-left scripts, with zero-width characters, combining
// marks, emoji sequences, and 6000 characters long run as typed; every
// message and modal that shows one stays within Discord's limits (the fake
// refuses any that does not), is valid UTF-8, and cuts a prompt only
// between characters, never inside one.
func TestUnicodeAndLongPromptsRunWholeAndAreCutBetweenCharacters(t *testing.T) {
	w := newWorld(t, withEnv("DISCORDBOT_LIMITS_MAX_PROMPT_LENGTH", "6000"))
	alice := w.generator("alice")
	cases := []struct {
		name     string
		clusters []string
	}{
		{"right to left", clusterPrompt("rtl", rtlClusters, 300)},
		{"zero width", clusterPrompt("zw", zeroWidthClusters, 300)},
		{"combining marks", clusterPrompt("marks", combiningClusters, 300)},
		{"emoji sequences", clusterPrompt("emoji", emojiClusters, 300)},
		{"6000 characters", clusterPrompt("long", slices.Concat(rtlClusters, zeroWidthClusters, combiningClusters, emojiClusters), 6000)},
	}
	long := strings.Join(cases[len(cases)-1].clusters, "")
	if n := utf8.RuneCountInString(long); n != 6000 {
		t.Fatalf("the long prompt is %d characters", n)
	}
	ids := map[string]int64{}
	for _, tc := range cases {
		prompt := strings.Join(tc.clusters, "")
		id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", prompt), discordtest.StringArg("negative", prompt)))
		ids[tc.name] = id
		g := w.graphOf(id)
		if got := g.text("Positive Prompt"); got != prompt {
			t.Errorf("%s: ComfyUI received a prompt of %d characters, want the %d typed", tc.name, utf8.RuneCountInString(got), utf8.RuneCountInString(prompt))
		}
		if got := g.text("Negative Prompt"); got != prompt {
			t.Errorf("%s: ComfyUI received a negative prompt of %d characters, want the %d typed", tc.name, utf8.RuneCountInString(got), utf8.RuneCountInString(prompt))
		}
		res := w.resultMessage(w.general, id)
		w.waitStatus(id, model.StatusCompleted)
		w.slash(alice, "history view", discordtest.IntArg("id", id))
		w.slash(alice, "queue status", discordtest.IntArg("id", id))
		w.click(alice, res, "Info")
		w.openModal(alice, res, "Edit")
	}
	w.slash(alice, "history list", discordtest.IntArg("limit", 10))

	// Edit on the 6000-character job, changing only the steps, runs the
	// whole prompt again: a modal holds 4000 characters, which must not
	// cut the prompt the new job runs.
	longID := ids["6000 characters"]
	res := w.resultMessage(w.general, longID)
	md := w.openModal(alice, res, "Edit")
	values := map[string]string{"steps": "7"}
	edited := jobIDOf(t, w.submitModal(alice, w.general, md, values))
	g := w.graphOf(edited)
	if got := g.text("Positive Prompt"); got != long {
		t.Errorf("Edit with the steps changed ran a prompt of %d characters ending %q, want the job's %d",
			utf8.RuneCountInString(got), lastRunes(got, 10), utf8.RuneCountInString(long))
	}
	if got := g.text("Negative Prompt"); got != long {
		t.Errorf("Edit with the steps changed ran a negative prompt of %d characters, want the job's %d", utf8.RuneCountInString(got), utf8.RuneCountInString(long))
	}
	w.result(w.general, edited)

	texts := w.shownTexts()
	for _, tc := range cases {
		var shown, cut int
		for where, ss := range texts {
			for _, s := range ss {
				sh, c := checkShown(t, tc.name+": "+where, s, tc.clusters)
				if sh {
					shown++
				}
				if c {
					cut++
				}
			}
		}
		// Results, statuses, views and modals show each prompt; list lines
		// and the long prompt's views cut it.
		if shown < 5 || cut == 0 {
			t.Errorf("%s: the prompt showed in %d texts, cut in %d; want it in every view and cut somewhere", tc.name, shown, cut)
		}
	}
	w.noViolations()
}

func lastRunes(s string, n int) string {
	r := []rune(s)
	return string(r[max(0, len(r)-n):])
}

// treeOf maps every file under dir to its contents, to tell that a
// command wrote nothing.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[path] = "dir"
			return nil
		}
		b, err := os.ReadFile(path)
		out[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A template's name may hold markdown and slashes: it is a name, never a
// path, and shows as typed wherever the bot repeats it (titles, lists,
// confirmations and refusals). A name over 32 characters cannot be sent.
func TestTemplateNamesShowAsTypedAndAreNeverPaths(t *testing.T) {
	w := newWorld(t, withDiscord(discordtest.WithRecordedViolations()))
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	cwd, _ := os.Getwd()
	before := treeOf(t, cwd)

	for _, name := range []string{"../x", "../../etc/passwd", `a\b`, "**bold**", "`code`", "||spoiler||", "~~gone~~", "[link](https://x.y)"} {
		t.Run(name, func(t *testing.T) {
			shown := render.Escape(name)
			check := func(what string, m discordtest.Message, want string) {
				t.Helper()
				raw := text(m)
				if !m.Ephemeral || !strings.Contains(raw, want) {
					t.Errorf("%s: want a private answer with %q, got %s", what, want, raw)
				}
				if !strings.Contains(raw, shown) || (shown != name && strings.Contains(raw, name)) {
					t.Errorf("%s: the name should show as typed (escaped as %q), got %s", what, shown, raw)
				}
			}
			check("save", w.slash(alice, "template save", discordtest.StringArg("name", name), discordtest.StringArg("prompt", "a fox"), discordtest.BoolArg("shared", true)), "Template: ")
			check("save again", w.slash(alice, "template save", discordtest.StringArg("name", name), discordtest.StringArg("prompt", "a fox"), discordtest.BoolArg("shared", true)), "already has a shared template named")
			check("load", w.slash(bob, "template load", discordtest.StringArg("name", name)), "Template: ")
			check("list", w.slash(bob, "template list"), "Shared in this server")
			check("delete by another member", w.slash(bob, "template delete", discordtest.StringArg("name", name)), "only they or an admin may delete it")
			check("delete", w.slash(alice, "template delete", discordtest.StringArg("name", name)), "Deleted template")
			check("load after delete", w.slash(alice, "template load", discordtest.StringArg("name", name)), "No template named")
		})
	}

	// A name typed where no length is enforced (/generate template:) is
	// refused showing it as typed, whatever its length.
	for _, name := range []string{"**bold**", "||" + strings.Repeat("n", 196) + "||"} {
		r := w.slash(alice, "generate", discordtest.StringArg("prompt", "a fox"), discordtest.StringArg("template", name))
		if !r.Ephemeral || !strings.Contains(text(r), "No template named "+model.Quote(name)) {
			t.Errorf("/generate template:%s: %s", name, text(r))
		}
	}
	// Discord's client refuses names longer than the option or the text box
	// allows, so neither the bot nor its database ever sees one: the fake
	// records the attempts as actions no user could make.
	long := strings.Repeat("n", 200)
	ia := w.discord.SlashCommand(t.Context(), alice, w.general, "template save", discordtest.StringArg("name", long), discordtest.StringArg("prompt", "a fox"))
	if _, err := ia.Wait(t.Context()); !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), `wrong length for option "name"`) {
		t.Errorf("/template save with a 200-character name: %v, want Discord to refuse it", err)
	}
	id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a fox")))
	md := w.openModal(alice, w.resultMessage(w.general, id), "Save as template")
	sub := w.discord.SubmitModal(t.Context(), alice, w.general, md.CustomID, map[string]string{"name": long})
	if _, err := sub.Wait(t.Context()); !errors.Is(err, discordtest.ErrInvalidInteraction) || !strings.Contains(err.Error(), `text input "name" is too long`) {
		t.Errorf("Save as template with a 200-character name: %v, want Discord to refuse it", err)
	}
	if v := w.discord.Violations(); len(v) != 2 {
		t.Errorf("want the two refused attempts and nothing else, got %q", v)
	}
	if ts, err := w.openStore().ListTemplates(t.Context(), store.TemplateFilter{UserID: alice.ID.String(), GuildID: w.guild.ID.String(), Scope: store.ScopeAll}); err != nil || len(ts) != 0 {
		t.Errorf("templates left: %+v, %v", ts, err)
	}
	if after := treeOf(t, cwd); !mapsEqual(before, after) {
		t.Errorf("saving templates wrote files: before %v, after %v", keys(before), keys(after))
	}
}

// /admin workflow add refuses names with path separators or markdown,
// naming the rule and showing the name as typed; nothing is written, on
// disk or in the database.
func TestWorkflowNamesWithPathsAreRefused(t *testing.T) {
	basic := readFile(t, workflowTestdata(t, "sd15_basic.json"))
	w := newWorld(t)
	owner := w.guild.Owner()
	cwd, _ := os.Getwd()
	if err := os.MkdirAll(filepath.Join(cwd, "workflows"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := treeOf(t, cwd)
	for _, name := range []string{"../x", "a/b", `a\b`, "..", "/etc/passwd", "x/../../y", "**x**", "`x`", "Portrait"} {
		t.Run(name, func(t *testing.T) {
			r := w.addWorkflow(owner, name, "sd15_basic.json", basic)
			raw := text(r)
			if !r.Ephemeral || !strings.Contains(raw, "A workflow name is 1–32 characters of a-z, 0-9, `-` and `_`") {
				t.Errorf("want a private refusal naming the rule, got %s", raw)
			}
			if shown := render.Escape(name); !strings.Contains(raw, shown) || (shown != name && strings.Contains(raw, name)) {
				t.Errorf("the name should show as typed (escaped as %q): %s", shown, raw)
			}
			if _, err := w.openStore().Workflow(t.Context(), w.guild.ID.String(), name); model.ErrorCodeOf(err) != model.CodeNotFound {
				t.Errorf("the database holds a workflow %q: %v", name, err)
			}
		})
	}
	// Names given where a workflow is chosen are refused the same way.
	for _, tc := range []struct {
		cmd  string
		args []discordtest.Arg
	}{
		{"generate", []discordtest.Arg{discordtest.StringArg("prompt", "a fox"), discordtest.StringArg("workflow", "**x**/../y")}},
		{"template save", []discordtest.Arg{discordtest.StringArg("name", "t"), discordtest.StringArg("prompt", "a fox"), discordtest.StringArg("workflow", "**x**/../y")}},
		{"admin config", []discordtest.Arg{discordtest.StringArg("default_workflow", "**x**/../y")}},
		{"admin workflow remove", []discordtest.Arg{discordtest.StringArg("name", "**x**/../y")}},
	} {
		r := w.slash(owner, tc.cmd, tc.args...)
		if raw := text(r); !r.Ephemeral || !strings.Contains(strings.ToLower(raw), "no workflow named "+model.Quote("**x**/../y")) {
			t.Errorf("/%s with workflow **x**/../y: want a private refusal showing the name as typed, got %s", tc.cmd, raw)
		}
	}
	if list := text(w.slash(owner, "admin workflow list")); strings.Contains(list, "passwd") || strings.Contains(list, "a/b") {
		t.Errorf("a refused workflow is listed: %s", list)
	}
	if after := treeOf(t, cwd); !mapsEqual(before, after) {
		t.Errorf("refused workflows wrote files: before %v, after %v", keys(before), keys(after))
	}
	w.noViolations()
}

// Cancelling a job that does not exist, another member's job (by command
// or by its Cancel button), or a job of another server is refused
// privately, saying why, and the job runs on to its result.
func TestCancelOfMissingAndOthersJobsIsRefusedAndLosesNothing(t *testing.T) {
	w := newWorld(t, withoutBot())
	other := w.discord.AddGuild("Elsewhere")
	otherCh := other.AddChannel("general", false)
	w.env["DISCORDBOT_DISCORD_GUILD_IDS"] = w.guild.ID.String() + "," + other.ID.String()
	w.start()
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	w.comfy[0].Hold()
	id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a patient fox")))
	var status discordtest.Message
	w.eventually("the status message's Cancel button", func() bool {
		m, ok := w.discord.Message(w.general.ID, mustID(t, w.jobOf(id).StatusMessageID))
		status = m
		return ok && slices.ContainsFunc(m.Buttons, func(b discordtest.Button) bool { return b.Label == "Cancel" })
	})

	for _, tc := range []struct {
		name string
		do   func() discordtest.Message
		want string
	}{
		{"a job that does not exist", func() discordtest.Message {
			return w.slash(bob, "queue cancel", discordtest.IntArg("id", 9999))
		}, "That job does not exist"},
		{"another member's job", func() discordtest.Message {
			return w.slash(bob, "queue cancel", discordtest.IntArg("id", id))
		}, "only its owner or an admin may cancel it"},
		{"another member's Cancel button", func() discordtest.Message {
			return w.click(bob, status, "Cancel")
		}, "only its owner or an admin may cancel it"},
		{"the owner of another server", func() discordtest.Message {
			return w.in(otherCh, other.Owner(), "queue cancel", discordtest.IntArg("id", id))
		}, fmt.Sprintf("There is no job #%d in this server", id)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			if !r.Ephemeral {
				t.Errorf("the refusal should be private: %s", text(r))
			}
			if !strings.Contains(text(r), tc.want) {
				t.Errorf("want %q, got %s", tc.want, text(r))
			}
			if strings.Contains(text(r), "fox") {
				t.Errorf("a refusal must not show the job's prompt: %s", text(r))
			}
		})
	}
	if st := w.jobOf(id).Status; st.Final() {
		t.Fatalf("after the refused cancels job %d is %s, want it still on its way", id, st)
	}
	w.comfy[0].Release()
	w.result(w.general, id)
	w.waitStatus(id, model.StatusCompleted)
	if r := w.slash(alice, "queue cancel", discordtest.IntArg("id", id)); !strings.Contains(text(r), fmt.Sprintf("Job #%d is already completed", id)) {
		t.Errorf("cancelling a finished job: %s", text(r))
	}
	w.noViolations()
}

// A database URL naming a directory that does not exist yet: run creates
// it, migrates the new database and serves.
func TestRunCreatesAMissingDatabaseDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	path := filepath.Join(dir, "bot.db")
	w := newWorld(t, withEnv("DISCORDBOT_DATABASE_URL", "sqlite:"+path))
	w.dbURL = "sqlite:" + path
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		t.Fatalf("the database directory: %v", err)
	}
	if err := w.openStore().CheckCurrent(t.Context()); err != nil {
		t.Fatalf("the new database is not migrated: %v", err)
	}
	alice := w.generator("alice")
	id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a fox")))
	w.result(w.general, id)
	w.noViolations()
}
