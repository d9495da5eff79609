//go:build !race

package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

// /queue clear says plainly what it did, and Cancel on the private copy
// of a job's status (from /queue status) replaces that copy with the
// job's status now, so a button of a job that is over does not linger.
func TestQueueClearAndCancelOnAPrivateStatus(t *testing.T) {
	w := newWorld(t, withEnv("DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER", "10"), withEnv("DISCORDBOT_COMFYUI_WINDOW", "1"))
	alice := w.generator("alice")
	if r := w.slash(alice, "queue clear"); !strings.Contains(r.Content, "you have no job waiting in the queue") {
		t.Errorf("clearing nothing: %s", text(r))
	}

	w.comfy[0].SetJobDuration(time.Minute)
	running := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "runs on")))
	w.waitStatus(running, model.StatusRunning)
	var queued []int64
	for i := range 4 {
		queued = append(queued, jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", fmt.Sprintf("waits %d", i)))))
	}
	// Cancel on a waiting job's private status: it is cancelled, and the
	// copy shows so, without the button.
	status := w.slash(alice, "queue status", discordtest.IntArg("id", queued[0]))
	if !status.Ephemeral || len(status.Buttons) != 1 {
		t.Fatalf("/queue status of a waiting job: %s, buttons %+v", text(status), status.Buttons)
	}
	w.click(alice, status, "Cancel")
	w.waitStatus(queued[0], model.StatusCancelled)
	w.eventually("the private status to show the job cancelled, without its button", func() bool {
		m, _ := w.discord.Message(status.ChannelID, status.ID)
		return len(m.Buttons) == 0 && strings.Contains(text(m), "Cancelled") && m.Content == ""
	})

	// Cancel on the copy of a job that ended meanwhile: nothing to cancel,
	// and the copy shows the job as it is.
	old := w.slash(alice, "queue status", discordtest.IntArg("id", queued[1]))
	w.slash(alice, "queue cancel", discordtest.IntArg("id", queued[1]))
	w.click(alice, old, "Cancel")
	w.eventually("the old copy to say there was nothing to cancel", func() bool {
		m, _ := w.discord.Message(old.ChannelID, old.ID)
		return len(m.Buttons) == 0 && strings.Contains(m.Content, "is already cancelled: nothing to cancel")
	})

	st := w.openStore()
	waiting, err := st.ListJobs(t.Context(), store.JobFilter{UserID: alice.ID.String(), Statuses: []model.JobStatus{model.StatusQueued}})
	if err != nil || len(waiting) < 2 {
		t.Fatalf("alice's waiting jobs: %d, %v; want the two left", len(waiting), err)
	}
	r := w.slash(alice, "queue clear")
	if want := fmt.Sprintf("Cancelled %d queued jobs: #", len(waiting)); !strings.HasPrefix(r.Content, want) || strings.Contains(r.Content, "[") {
		t.Errorf("clearing: %q, want it to start %q", r.Content, want)
	}
	for _, j := range waiting {
		if !strings.Contains(r.Content, fmt.Sprintf("#%d", j.ID)) {
			t.Errorf("clearing: %q does not name job #%d", r.Content, j.ID)
		}
	}
	for _, j := range waiting {
		w.waitStatus(j.ID, model.StatusCancelled)
	}
	if st := w.jobOf(running).Status; st != model.StatusRunning {
		t.Errorf("the running job is %s; clear keeps it running", st)
	}
	w.noViolations()
}

// A job started in a DM is its owner's alone: another member cancelling it
// from their own DMs learns nothing, not even whose it is.
func TestCancelOfAnotherMembersDMJobRevealsNothing(t *testing.T) {
	w := newWorld(t, withEnv("DISCORDBOT_DISCORD_GUILD_IDS", ""), withEnv("DISCORDBOT_DISCORD_DM_POLICY", "everyone"))
	alice := w.generator("alice")
	bob := w.generator("bob")
	w.comfy[0].SetJobDuration(time.Minute)
	id := jobIDOf(t, w.answer(w.discord.SlashCommand(t.Context(), alice, w.discord.DM(alice), "generate", discordtest.StringArg("prompt", "a secret fox"))))
	r := w.answer(w.discord.SlashCommand(t.Context(), bob, w.discord.DM(bob), "queue cancel", discordtest.IntArg("id", id)))
	if !strings.Contains(text(r), fmt.Sprintf("There is no job #%d", id)) || strings.Contains(text(r), alice.ID.String()) {
		t.Errorf("bob cancelling alice's DM job: %s", text(r))
	}
	if st := w.jobOf(id).Status; st.Final() {
		t.Errorf("alice's job is %s after bob's attempt", st)
	}
	w.noViolations()
}
