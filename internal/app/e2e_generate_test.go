//go:build !race

package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// generator maps the generator role (as the owner would) and returns a
// member who holds it.
func (w *world) generator(name string) *discordtest.User {
	w.t.Helper()
	w.slash(w.guild.Owner(), "admin setroles", discordtest.RoleArg("generator", w.genRole))
	return w.member(name, w.genRole)
}

// result waits for the message that delivers a job's images in channel.
func (w *world) result(ch *discordtest.Channel, jobID int64) discordtest.Event {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), 60*time.Second)
	defer cancel()
	ev, err := w.discord.WaitFor(ctx, func(e discordtest.Event) bool {
		return e.Kind == discordtest.KindMessage && e.ChannelID == ch.ID && len(e.Files) > 0 &&
			len(e.Embeds) > 0 && strings.Contains(e.Embeds[0].Title, fmt.Sprintf("#%d", jobID))
	})
	if err != nil {
		w.t.Fatalf("no result for job %d in %s: %v; logs:\n%s", jobID, ch.Label(), err, tail(w.logs.String(), 3000))
	}
	return ev
}

// jobOf reads a job from the bot's database.
func (w *world) jobOf(id int64) model.Job {
	w.t.Helper()
	j, err := w.openStore().Job(w.t.Context(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return j
}

// checkEditRate fails when any message was edited more often than once per interval.
func (w *world) checkEditRate(interval time.Duration) {
	w.t.Helper()
	for _, ch := range []*discordtest.Channel{w.general} {
		for _, m := range w.discord.Messages(ch.ID) {
			for i := 1; i < len(m.EditTimes); i++ {
				if gap := m.EditTimes[i].Sub(m.EditTimes[i-1]); gap < interval-50*time.Millisecond {
					w.t.Errorf("message %s edited twice within %v", m.ID, gap)
				}
			}
		}
	}
}

func TestGenerateShowsProgressAndDeliversToTheChannel(t *testing.T) {
	w := newWorld(t)
	w.comfy[0].SetJobDuration(4 * time.Second)
	w.comfy[0].SetPreviews(true)
	w.comfy[0].SetImagesPerOutput(2)
	alice := w.generator("alice")

	reply := w.slash(alice, "generate", discordtest.StringArg("prompt", "a red fox @everyone"), discordtest.IntArg("steps", 12), discordtest.IntArg("width", 512), discordtest.IntArg("height", 384))
	if !reply.Ephemeral || !strings.Contains(reply.Content, "Job **#1**") || !strings.Contains(reply.Content, "Progress: https://discord.com/channels/") {
		t.Fatalf("the reply should be private and point at the progress: %q", reply.Content)
	}
	res := w.result(w.general, 1)
	if len(res.Files) != 2 || res.Files[0].Width != 512 || res.Files[0].Height != 384 {
		t.Fatalf("want two 512x384 images, got %+v", res.Files)
	}
	if !strings.Contains(res.Content, "<@"+alice.ID.String()+">") {
		t.Fatalf("the result should mention its owner: %q", res.Content)
	}
	var labels []string
	for _, b := range res.Buttons {
		labels = append(labels, b.Label)
	}
	for _, want := range []string{"Reroll", "Edit", "Info", "Delete"} {
		if !strings.Contains(strings.Join(labels, ","), want) {
			t.Errorf("result lacks the %s button: %v", want, labels)
		}
	}
	// The status message went queued → running with progress → completed.
	w.eventually("job 1 to complete", func() bool { return w.jobOf(1).Status == model.StatusCompleted })
	job := w.jobOf(1)
	if job.Status != model.StatusCompleted || job.StatusMessageID == "" {
		t.Fatalf("job: %+v", job)
	}
	var sawProgress bool
	for _, e := range w.discord.Events() {
		if e.Kind == discordtest.KindEdit && e.MessageID.String() == job.StatusMessageID && len(e.Embeds) > 0 && strings.Contains(e.Embeds[0].Description, "▰") {
			sawProgress = true
		}
	}
	if !sawProgress {
		t.Error("the status message never showed a progress bar")
	}
	w.eventually("the final status edit, without the Cancel button", func() bool {
		m, ok := w.discord.Message(w.general.ID, mustID(t, job.StatusMessageID))
		return ok && len(m.Embeds) > 0 && strings.Contains(m.Embeds[0].Title, "Done") && len(m.Buttons) == 0
	})
	w.checkEditRate(time.Second)
	w.noViolations()
}

func TestGenerateToDMsAndClosedDMsFallBack(t *testing.T) {
	w := newWorld(t)
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	w.discord.CloseDMs(bob)

	w.slash(alice, "generate", discordtest.StringArg("prompt", "private fox"), discordtest.StringArg("delivery", "dm"))
	w.result(w.discord.DM(alice), 1)

	w.slash(bob, "generate", discordtest.StringArg("prompt", "bob's fox"), discordtest.StringArg("delivery", "dm"))
	res := w.result(w.general, 2)
	if !strings.Contains(strings.ToLower(text(discordtest.Message{Content: res.Content, Embeds: res.Embeds})), "dms are closed") {
		t.Fatalf("a closed-DM fallback should say so: %s", res.Content)
	}
	// Nobody else learns alice's private prompt from the channel.
	for _, m := range w.discord.Messages(w.general.ID) {
		if strings.Contains(text(m), "private fox") {
			t.Fatalf("alice's DM-delivered prompt shows in #general: %s", text(m))
		}
	}
	w.noViolations()
}

func TestCancelQueuedAndRunningJobs(t *testing.T) {
	w := newWorld(t, withEnv("DISCORDBOT_COMFYUI_WINDOW", "1"))
	w.comfy[0].SetJobDuration(20 * time.Second)
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)
	w.slash(alice, "generate", discordtest.StringArg("prompt", "long one"))   // 1: runs
	w.slash(alice, "generate", discordtest.StringArg("prompt", "queued one")) // 2: waits
	w.slash(bob, "generate", discordtest.StringArg("prompt", "bob's"))        // 3
	w.eventually("job 1 to run", func() bool { return w.jobOf(1).Status == model.StatusRunning })

	// bob may not cancel alice's job.
	if r := w.slash(bob, "queue cancel", discordtest.IntArg("id", 1)); !strings.Contains(text(r), "only its owner or an admin") {
		t.Fatalf("bob cancelling alice's job: %s", text(r))
	}
	if r := w.slash(alice, "queue cancel", discordtest.IntArg("id", 2)); !strings.Contains(text(r), "cancelled") {
		t.Fatalf("cancel queued: %s", text(r))
	}
	w.comfy[0].SetJobDuration(0)
	if r := w.slash(alice, "queue cancel", discordtest.IntArg("id", 1)); !strings.Contains(text(r), "cancelled") {
		t.Fatalf("cancel running: %s", text(r))
	}
	w.result(w.general, 3) // bob's job runs on
	w.eventually("job 3 to complete", func() bool { return w.jobOf(3).Status == model.StatusCompleted })
	for id, want := range map[int64]model.JobStatus{1: model.StatusCancelled, 2: model.StatusCancelled, 3: model.StatusCompleted} {
		if got := w.jobOf(id).Status; got != want {
			t.Errorf("job %d is %s, want %s", id, got, want)
		}
	}
	w.noViolations()
}

func TestRefusalsQueueFullOfflineAndFailure(t *testing.T) {
	w := newWorld(t, withEnv("DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER", "2"))
	alice := w.generator("alice")
	carol := w.member("carol") // no role: a plain user

	r := w.slash(carol, "generate", discordtest.StringArg("prompt", "x"))
	if !r.Ephemeral || !strings.Contains(text(r), "generator") || !strings.Contains(text(r), "<@&"+w.genRole.ID.String()+">") {
		t.Fatalf("permission denied should name the level and the role: %s", text(r))
	}

	r = w.slash(alice, "generate", discordtest.StringArg("prompt", "x"), discordtest.IntArg("width", 500))
	if !strings.Contains(text(r), "`width` must be a multiple of 8") {
		t.Fatalf("bad option: %s", text(r))
	}

	w.comfy[0].Hold()
	w.slash(alice, "generate", discordtest.StringArg("prompt", "one"))
	w.slash(alice, "generate", discordtest.StringArg("prompt", "two"))
	r = w.slash(alice, "generate", discordtest.StringArg("prompt", "three"))
	if !strings.Contains(text(r), "Your queue is full (2/2)") {
		t.Fatalf("queue full: %s", text(r))
	}
	w.comfy[0].Release()
	w.result(w.general, 2)

	w.comfy[0].FailNextJob()
	w.slash(alice, "generate", discordtest.StringArg("prompt", "doomed"))
	w.eventually("job 3 to fail", func() bool { return w.jobOf(3).Status == model.StatusFailed })
	job := w.jobOf(3)
	w.eventually("the failure on the status message", func() bool {
		m, ok := w.discord.Message(w.general.ID, mustID(t, job.StatusMessageID))
		return ok && len(m.Embeds) > 0 && strings.Contains(m.Embeds[0].Description, "failed")
	})

	w.comfy[0].Down()
	r = w.slash(alice, "generate", discordtest.StringArg("prompt", "later"))
	if !strings.Contains(text(r), "ComfyUI is offline") || !strings.Contains(text(r), "gpu1") {
		t.Fatalf("offline: %s", text(r))
	}
	if err := w.comfy[0].Up(); err != nil {
		t.Fatal(err)
	}
	w.result(w.general, 4) // queued while offline, done once back
	w.noViolations()
}

func mustID(t *testing.T, s string) snowflake.ID {
	t.Helper()
	id, err := snowflake.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A job that outlives its interaction token (15 minutes on Discord; 2 s
// here) still gets its progress and its delivery: the status message and
// the result are posted with the bot token.
func TestLongJobOutlivesTheInteractionToken(t *testing.T) {
	w := newWorld(t, withDiscord(discordtest.WithTokenTTL(2*time.Second)))
	w.comfy[0].SetJobDuration(5 * time.Second)
	alice := w.generator("alice")
	asked := time.Now()
	w.slash(alice, "generate", discordtest.StringArg("prompt", "a slow fox"))
	res := w.result(w.general, 1)
	expired := asked.Add(2 * time.Second)
	if !res.T.After(expired) {
		t.Fatalf("the result came at %v, before the token expired at %v: the test proves nothing", res.T, expired)
	}
	job := w.jobOf(1)
	m, ok := w.discord.Message(w.general.ID, mustID(t, job.StatusMessageID))
	if !ok || len(m.EditTimes) == 0 || !m.EditTimes[len(m.EditTimes)-1].After(expired) {
		t.Fatalf("the status message should be edited after the token expired: %+v", m.EditTimes)
	}
	w.noViolations()
}

func TestDMPolicies(t *testing.T) {
	cases := []struct {
		name        string
		policy      string
		member, out bool // alice (a generator in the server) allowed; outsider allowed
	}{
		{"owners only by default", "", false, false},
		{"generators of a shared server", "generators", true, false},
		{"everyone", "everyone", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// DMs see global commands only, as on Discord.
			opts := []worldOpt{withEnv("DISCORDBOT_DISCORD_GUILD_IDS", "")}
			if c.policy != "" {
				opts = append(opts, withEnv("DISCORDBOT_DISCORD_DM_POLICY", c.policy))
			}
			w := newWorld(t, opts...)
			alice := w.generator("alice")
			carol := w.discord.AddUser("carol") // shares no server with the bot
			for _, u := range []struct {
				user  *discordtest.User
				allow bool
			}{{alice, c.member}, {carol, c.out}} {
				r := w.answer(w.discord.SlashCommand(t.Context(), u.user, w.discord.DM(u.user), "generate", discordtest.StringArg("prompt", "a fox in a DM")))
				queued := strings.Contains(r.Content, "is queued") || strings.Contains(r.Content, "is starting")
				if queued != u.allow {
					t.Errorf("%s in DMs: allowed=%v, want %v: %s", u.user.Name, queued, u.allow, text(r))
				}
			}
			w.noViolations()
		})
	}
}

// The buttons of a result delivered to its owner's DMs work for that owner
// under the default DM policy (bot owners only), and nobody else is there.
func TestResultButtonsInTheOwnersDMs(t *testing.T) {
	w := newWorld(t)
	alice := w.generator("alice")
	w.slash(alice, "generate", discordtest.StringArg("prompt", "private fox"), discordtest.StringArg("delivery", "dm"))
	res := w.resultMessage(w.discord.DM(alice), 1)
	info := w.click(alice, res, "Info")
	if !strings.Contains(text(info), "private fox") {
		t.Fatalf("Info in alice's DMs should show her job: %s", text(info))
	}
	w.noViolations()
}

func TestResultUploadWaitsOutA429(t *testing.T) {
	w := newWorld(t)
	w.comfy[0].SetJobDuration(2 * time.Second)
	alice := w.generator("alice")

	w.slash(alice, "generate", discordtest.StringArg("prompt", "a patient fox"))
	w.eventually("job 1 to run", func() bool { return w.jobOf(1).Status == model.StatusRunning })
	before := w.discord.Stats().RateLimited
	w.discord.Storm429("POST /channels", 2)
	w.result(w.general, 1)
	if got := w.discord.Stats().RateLimited - before; got != 2 {
		t.Fatalf("%d uploads met a 429, want 2", got)
	}
	w.eventually("job 1 to complete", func() bool { return w.jobOf(1).Status == model.StatusCompleted })

	posted := 0
	for _, e := range w.discord.Events() {
		if e.Kind == discordtest.KindMessage && len(e.Files) > 0 {
			posted++
		}
	}
	if posted != 1 {
		t.Fatalf("the result was posted %d times, want once", posted)
	}
	w.noViolations()
}
