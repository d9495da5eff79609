//go:build !race

package app

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

var jobNumber = regexp.MustCompile(`Job \*\*#(\d+)\*\*`)

// jobIDOf is the job number a /generate reply names.
func jobIDOf(t *testing.T, reply discordtest.Message) int64 {
	t.Helper()
	m := jobNumber.FindStringSubmatch(reply.Content)
	if m == nil {
		t.Fatalf("the reply names no job: %s", text(reply))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// /admin config shows the settings back after each change and they take
// effect; /admin cancel and /admin clear act on the server's queue.
func TestAdminConfigCancelClear(t *testing.T) {
	w := newWorld(t, withEnv("DISCORDBOT_COMFYUI_WINDOW", "1"))
	owner := w.guild.Owner()
	alice := w.generator("alice")
	bob := w.member("bob", w.genRole)

	s := w.slash(owner, "admin config")
	if field(s, "Queue limit per user") != "3 (bot default)" || field(s, "Default delivery") != "channel (bot default)" {
		t.Fatalf("the settings before any change: %s", text(s))
	}
	if r := w.slash(alice, "admin config", discordtest.IntArg("max_queue_per_user", 9)); !strings.Contains(text(r), "**admin** level") {
		t.Fatalf("a generator changing settings: %s", text(r))
	}

	// max_queue_per_user 1: a second job is refused; /help says so.
	s = w.slash(owner, "admin config", discordtest.IntArg("max_queue_per_user", 1))
	if field(s, "Queue limit per user") != "1" {
		t.Fatalf("after max_queue_per_user:1: %s", text(s))
	}
	w.comfy[0].SetJobDuration(time.Minute)
	long := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "a long one")))
	if r := w.slash(alice, "generate", discordtest.StringArg("prompt", "one too many")); !strings.Contains(text(r), "Your queue is full (1/1)") {
		t.Fatalf("a second job under a limit of 1: %s", text(r))
	}
	if h := w.slash(alice, "help"); !strings.Contains(field(h, "Limits"), "Up to 1 job in the queue") {
		t.Errorf("help should show this server's queue limit: %s", field(h, "Limits"))
	}

	// /admin cancel: admins only, any member's job.
	if r := w.slash(bob, "admin cancel", discordtest.IntArg("id", long)); !strings.Contains(text(r), "**admin** level") {
		t.Errorf("a generator using /admin cancel: %s", text(r))
	}
	w.waitStatus(long, model.StatusRunning)
	if r := w.slash(owner, "admin cancel", discordtest.IntArg("id", long)); !strings.Contains(r.Content, "is cancelled") {
		t.Fatalf("admin cancel: %s", text(r))
	}
	w.waitStatus(long, model.StatusCancelled)

	// default_delivery dm: a member who chose nothing gets the result in DMs.
	s = w.slash(owner, "admin config", discordtest.StringArg("default_delivery", "dm"), discordtest.IntArg("max_queue_per_user", 5))
	if field(s, "Default delivery") != "dm" || field(s, "Queue limit per user") != "5" || field(s, "Default workflow") != "default (bot default)" {
		t.Fatalf("after default_delivery:dm: %s", text(s))
	}
	w.comfy[0].SetJobDuration(0)
	w.result(w.discord.DM(alice), jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "to my DMs"))))

	if got := w.choices(owner, "admin config", discordtest.StringArg("default_workflow", "DEF")); len(got) != 1 || got[0].Value != "default" {
		t.Errorf("default_workflow autocomplete: %+v", got)
	}
	for _, tc := range []struct {
		name string
		args []discordtest.Arg
		want string
	}{
		{"unknown workflow", []discordtest.Arg{discordtest.StringArg("default_workflow", "nope")}, `There is no workflow named "nope"`},
		{"dm policy", []discordtest.Arg{discordtest.StringArg("dm_policy", "nobody")}, "DM policy: nobody"},
		{"channel", []discordtest.Arg{discordtest.ChannelArg("channel", w.general)}, "Result channel: <#" + w.general.ID.String() + ">"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.slash(owner, "admin config", tc.args...); !strings.Contains(text(r), tc.want) {
				t.Errorf("want %q in %s", tc.want, text(r))
			}
		})
	}
	// dm_policy nobody: an explicit DM is refused, the dm default falls back to the channel.
	if r := w.slash(alice, "generate", discordtest.StringArg("prompt", "x"), discordtest.StringArg("delivery", "dm")); !strings.Contains(text(r), "does not allow results in DMs") {
		t.Errorf("delivery:dm under dm_policy nobody: %s", text(r))
	}
	w.result(w.general, jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "here then"))))

	// /admin clear: asks, then cancels every queued job of the server.
	if r := w.slash(owner, "admin clear"); !strings.Contains(r.Content, "queue of this server is empty") {
		t.Errorf("clearing an empty queue: %s", text(r))
	}
	w.comfy[0].SetJobDuration(time.Minute)
	running := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "runs on")))
	w.waitStatus(running, model.StatusRunning)
	queued := []int64{
		jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", "waits"))),
		jobIDOf(t, w.slash(bob, "generate", discordtest.StringArg("prompt", "bob waits"))),
	}
	confirm := w.slash(owner, "admin clear")
	if !strings.Contains(text(confirm), "This cancels 2 queued jobs") {
		t.Fatalf("confirmation: %s", text(confirm))
	}
	for _, id := range queued {
		if st := w.jobOf(id).Status; st != model.StatusQueued {
			t.Fatalf("job %d is %s before the confirmation", id, st)
		}
	}
	w.click(owner, confirm, "Clear the queue")
	// The confirmation turns into the outcome, without its button.
	w.eventually("the confirmation to show the outcome", func() bool {
		m, _ := w.discord.Message(confirm.ChannelID, confirm.ID)
		return strings.Contains(m.Content, "Cancelled 2 queued job(s)") && len(m.Buttons) == 0 && len(m.Embeds) == 0
	})
	for _, id := range queued {
		w.waitStatus(id, model.StatusCancelled)
	}
	if st := w.jobOf(running).Status; st != model.StatusRunning {
		t.Errorf("the running job is %s; clear keeps it running", st)
	}
	w.slash(owner, "admin cancel", discordtest.IntArg("id", running))
	w.waitStatus(running, model.StatusCancelled)
	w.noViolations()
}

// /help lists the commands of the caller's level and no others.
func TestHelpListsCommandsByLevel(t *testing.T) {
	w := newWorld(t)
	carol := w.member("carol")
	alice := w.generator("alice")
	for _, tc := range []struct {
		who      *discordtest.User
		level    string
		has, not []string
	}{
		{carol, "user", []string{"`/history list`", "`/queue view`", "`/help`"}, []string{"`/generate`", "`/template save`", "`/admin"}},
		{alice, "generator", []string{"`/generate`", "`/template save`", "`/history rerun`"}, []string{"`/admin"}},
		{w.guild.Owner(), "admin", []string{"`/generate`", "`/admin config`", "`/admin clear`", "`/admin cancel`"}, nil},
	} {
		t.Run(tc.level, func(t *testing.T) {
			h := w.slash(tc.who, "help")
			desc := text(h)
			if !h.Ephemeral || !strings.Contains(desc, "Your level here: **"+tc.level+"**") {
				t.Errorf("help for a %s: %s", tc.level, desc)
			}
			for _, s := range tc.has {
				if !strings.Contains(desc, s) {
					t.Errorf("a %s should see %s", tc.level, s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(desc, s) {
					t.Errorf("a %s should not see %s", tc.level, s)
				}
			}
			if !strings.Contains(field(h, "Limits"), "Up to 3 jobs in the queue") {
				t.Errorf("help should show the limits: %s", field(h, "Limits"))
			}
		})
	}
	w.noViolations()
}
