//go:build !race

package app

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

// History: 25 jobs in three pages, the status filter, every parameter in
// view, reruns that reproduce the workflow but the seed, and privacy.
func TestHistoryPagesViewsAndReruns(t *testing.T) {
	w := newWorld(t, withEnv("DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER", "100"),
		// Rate limits are proven elsewhere; here they would only slow 25 jobs down.
		withDiscord(discordtest.WithRateLimits(discordtest.RateLimits{Disabled: true})))
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	owner := w.guild.Owner()
	st := w.openStore()

	// Job 1 sets everything; 2–22 complete; 23 fails; 24 is cancelled; 25 goes to DMs.
	w.slash(alice, "generate", discordtest.StringArg("prompt", "a red fox"), discordtest.StringArg("negative", "blurry"),
		discordtest.IntArg("steps", 12), discordtest.NumberArg("cfg", 6.5), discordtest.IntArg("width", 512), discordtest.IntArg("height", 384),
		discordtest.IntArg("seed", 42))
	for i := 2; i <= 22; i++ {
		w.slash(alice, "generate", discordtest.StringArg("prompt", fmt.Sprintf("fox number %d", i)))
	}
	w.waitStatus(22, model.StatusCompleted)
	w.comfy[0].FailNextJob()
	w.slash(alice, "generate", discordtest.StringArg("prompt", "doomed fox"))
	w.waitStatus(23, model.StatusFailed)
	w.comfy[0].SetJobDuration(time.Minute)
	w.slash(alice, "generate", discordtest.StringArg("prompt", "fox to cancel"))
	w.waitStatus(24, model.StatusRunning)
	w.slash(alice, "queue cancel", discordtest.IntArg("id", 24))
	w.waitStatus(24, model.StatusCancelled)
	w.comfy[0].SetJobDuration(0)
	w.slash(alice, "generate", discordtest.StringArg("prompt", "secret fox"), discordtest.StringArg("delivery", "dm"))
	w.result(w.discord.DM(alice), 25)
	w.slash(bob, "generate", discordtest.StringArg("prompt", "bob's fox"))
	w.eventually("alice's 25 jobs to end", func() bool {
		n, err := st.CountJobs(t.Context(), store.JobFilter{UserID: alice.ID.String(), Statuses: model.FinalStatuses()})
		return err == nil && n == 25
	})

	// Three pages, newest first; only alice sees (and so pages) hers.
	p := w.slash(alice, "history list")
	if !p.Ephemeral || p.VisibleTo != alice.Name {
		t.Fatalf("history should be private to alice: ephemeral %v, visible to %q", p.Ephemeral, p.VisibleTo)
	}
	for _, step := range []struct {
		press   string
		footer  string
		first   string
		n       int
		nextOff bool
	}{
		{"", "Page 1/3 · 25 jobs · status: all", "Job #25", 10, false},
		{"Next", "Page 2/3 · 25 jobs", "Job #15", 10, false},
		{"Next", "Page 3/3 · 25 jobs", "Job #5", 5, true},
		{"Previous", "Page 2/3 · 25 jobs", "Job #15", 10, false},
	} {
		if step.press != "" {
			p = w.click(alice, p, step.press)
		}
		checkHistoryPage(t, p, step.footer, step.first, step.n, step.nextOff)
	}
	if strings.Contains(text(p), "bob's fox") {
		t.Errorf("alice's history lists bob's job: %s", text(p))
	}

	for _, tc := range []struct {
		args   []discordtest.Arg
		footer string
		first  string
		n      int
	}{
		{[]discordtest.Arg{discordtest.StringArg("status", "failed")}, "Page 1/1 · 1 job · status: failed", "Job #23", 1},
		{[]discordtest.Arg{discordtest.StringArg("status", "cancelled")}, "Page 1/1 · 1 job · status: cancelled", "Job #24", 1},
		{[]discordtest.Arg{discordtest.StringArg("status", "completed")}, "Page 1/3 · 23 jobs · status: completed", "Job #25", 10},
		{[]discordtest.Arg{discordtest.IntArg("limit", 5)}, "Page 1/5 · 25 jobs", "Job #25", 5},
	} {
		t.Run(tc.footer, func(t *testing.T) {
			checkHistoryPage(t, w.slash(alice, "history list", tc.args...), tc.footer, tc.first, tc.n, tc.n < 5)
		})
	}
	checkHistoryPage(t, w.click(alice, w.slash(alice, "history list", discordtest.IntArg("limit", 5)), "Next"), "Page 2/5 · 25 jobs", "Job #20", 5, false)

	// user: is for admins.
	if r := w.slash(bob, "history list", discordtest.UserArg("user", alice)); !strings.Contains(text(r), "Only admins") {
		t.Errorf("bob listing alice's jobs: %s", text(r))
	}
	if r := w.slash(owner, "history list", discordtest.UserArg("user", alice)); !strings.Contains(text(r), "Jobs of <@"+alice.ID.String()+">") || !strings.Contains(text(r), "25 jobs") {
		t.Errorf("an admin listing alice's jobs: %s", text(r))
	}

	// view shows every parameter, and the image.
	v := w.slash(alice, "history view", discordtest.IntArg("id", 1))
	for name, want := range map[string]string{
		"Negative": "blurry", "Seed": "42", "Steps": "12", "CFG": "6.5", "Size": "512×384",
		"Workflow": "default", "Backend": "gpu1", "Delivery": "channel", "Images": "1",
	} {
		if got := field(v, name); got != want {
			t.Errorf("view: %s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"Queued", "Started", "Finished", "Ran"} {
		if got := field(v, name); got == "" || got == "—" {
			t.Errorf("view: %s = %q", name, got)
		}
	}
	if !strings.Contains(text(v), "a red fox") || len(v.Files) != 1 || v.Files[0].Width != 512 || v.Embeds[0].Image == "" {
		t.Errorf("view should show the prompt and the image, fetched again from ComfyUI: %s (files %+v)", text(v), v.Files)
	}
	if got := field(w.slash(alice, "history view", discordtest.IntArg("id", 23)), "Error"); got == "" {
		t.Error("view of a failed job should show the error")
	}

	// A member sees and re-runs only their own jobs, delivered in the
	// channel (1) or by DM (25), and is told so privately; nor can a job's
	// number be probed for its prompt. Admins see every job of the server.
	for _, tc := range []struct {
		who *discordtest.User
		cmd string
		id  int64
	}{
		{bob, "history view", 1}, {bob, "history view", 25},
		{bob, "history rerun", 1}, {bob, "history rerun", 25},
		{bob, "queue status", 1}, {bob, "queue status", 25},
	} {
		t.Run(fmt.Sprintf("%s %s %d", tc.who.Name, tc.cmd, tc.id), func(t *testing.T) {
			r := w.slash(tc.who, tc.cmd, discordtest.IntArg("id", tc.id))
			if !r.Ephemeral || !strings.Contains(text(r), "another member's") || strings.Contains(text(r), "fox") {
				t.Errorf("want a private refusal without the prompt, got %s", text(r))
			}
		})
	}
	if r := w.slash(bob, "history view", discordtest.IntArg("id", 999)); !r.Ephemeral || !strings.Contains(text(r), "does not exist") {
		t.Errorf("a job that does not exist: %s", text(r))
	}
	if r := w.slash(owner, "history view", discordtest.IntArg("id", 1)); field(r, "Seed") != "42" {
		t.Errorf("an admin may look at alice's job: %s", text(r))
	}
	if r := w.slash(owner, "history view", discordtest.IntArg("id", 25)); field(r, "Delivery") != "dm" {
		t.Errorf("an admin may look at alice's DM job: %s", text(r))
	}
	if n, err := w.openStore().CountJobs(t.Context(), store.JobFilter{UserID: bob.ID.String()}); err != nil || n != 1 {
		t.Errorf("bob has %d jobs (%v), want only the one he generated: a refused rerun queues nothing", n, err)
	}

	// rerun reproduces the workflow, with a new seed unless one is given.
	first := w.graphOf(1)
	w.slash(alice, "history rerun", discordtest.IntArg("id", 1))
	w.slash(alice, "history rerun", discordtest.IntArg("id", 1), discordtest.IntArg("seed", 42))
	w.slash(owner, "history rerun", discordtest.IntArg("id", 1), discordtest.StringArg("prompt", "a blue fox"))
	again, same, edited := w.graphOf(27), w.graphOf(28), w.graphOf(29)
	if !reflect.DeepEqual(first.withoutSeed(), again.withoutSeed()) {
		t.Errorf("rerun changed the workflow:\nfirst %+v\nagain %+v", first, again)
	}
	if first.input("KSampler", "seed") == again.input("KSampler", "seed") {
		t.Errorf("rerun kept the seed %v", again.input("KSampler", "seed"))
	}
	if !reflect.DeepEqual(first, same) {
		t.Errorf("rerun with seed:42 should be the same workflow:\nfirst %+v\nsame  %+v", first, same)
	}
	if got := edited.text("Positive Prompt"); got != "a blue fox" || edited.text("Negative Prompt") != "blurry" {
		t.Errorf("rerun with a prompt: %q / %q", got, edited.text("Negative Prompt"))
	}
	if j := w.jobOf(29); j.UserID != owner.ID.String() {
		t.Errorf("an admin's rerun belongs to the admin, not to %s", j.UserID)
	}
	// A DM job rerun without delivery: stays in the owner's DMs.
	w.slash(alice, "history rerun", discordtest.IntArg("id", 25))
	if d := w.jobOf(30).Delivery; d != model.DeliveryDM {
		t.Fatalf("the rerun of a DM job goes to %q", d)
	}
	w.result(w.discord.DM(alice), 30)

	// With ComfyUI gone, view shows the delivered attachment instead.
	delivered := w.resultMessage(w.general, 1).Files[0].URL
	w.comfy[0].Down()
	if v := w.slash(alice, "history view", discordtest.IntArg("id", 1)); len(v.Files) != 0 || len(v.Embeds) == 0 || v.Embeds[0].Image != delivered {
		t.Errorf("view without ComfyUI should link the delivered image %q: files %d, image %q", delivered, len(v.Files), v.Embeds[0].Image)
	}
	if err := w.comfy[0].Up(); err != nil {
		t.Fatal(err)
	}
	w.noViolations()
}

// checkHistoryPage checks a history page's footer, its first job, how many
// it lists and whether Next is disabled.
func checkHistoryPage(t *testing.T, p discordtest.Message, footer, first string, n int, nextOff bool) {
	t.Helper()
	if len(p.Embeds) == 0 {
		t.Fatalf("no history embed: %s", text(p))
	}
	e := p.Embeds[0]
	if !strings.HasPrefix(e.Footer, footer) {
		t.Errorf("footer %q, want %q…", e.Footer, footer)
	}
	if got := strings.Count(e.Description, "**Job #"); got != n {
		t.Errorf("%s: %d jobs listed, want %d:\n%s", footer, got, n, e.Description)
	}
	if i := strings.Index(e.Description, "**Job #"); i < 0 || !strings.HasPrefix(e.Description[i+2:], first+"**") {
		t.Errorf("%s: the first job should be %s:\n%s", footer, first, e.Description)
	}
	for _, b := range p.Buttons {
		if strings.Contains(b.Label, "Next") && b.Disabled != nextOff {
			t.Errorf("%s: Next disabled = %v, want %v", footer, b.Disabled, nextOff)
		}
	}
}
