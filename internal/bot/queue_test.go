package bot

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// hasLine reports whether one line of s holds every part, in order.
func hasLine(s string, parts ...string) bool {
	for line := range strings.SplitSeq(s, "\n") {
		rest, ok := line, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}

func mention(u *discordtest.User) string { return "<@" + u.ID.String() + ">" }

// cancelID is the custom id of job id's Cancel button.
func cancelID(id int64) string { return fmt.Sprintf("/job/%d/cancel", id) }

// wantPrivate fails unless a is a private answer without buttons, after a
// deferral (slash commands and the Cancel button of a public message).
func wantPrivate(t *testing.T, a answer) {
	t.Helper()
	if a.Type != discordtest.ResponseDeferredMessage || !a.Message.Ephemeral {
		t.Errorf("answer type %d, ephemeral %v; want a deferred private reply", a.Type, a.Message.Ephemeral)
	}
}

// /queue view shows every member the whole line, their own jobs first:
// the running one at ▶, the waiting ones by their place in the fair order
// (bob's job goes before alice's second, since alice was served last),
// and a DM-delivered job's prompt to its owner only.
func TestQueueView(t *testing.T) {
	h := newHarness(t)
	alice, bob, carol := h.generator("alice"), h.generator("bob"), h.member("carol")
	running := h.startRunning(alice, "a running fox")
	waiting := h.generate(alice, "a waiting fox")
	bobs := h.generate(bob, "a secret owl", discordtest.StringArg("delivery", "dm"))

	everyone := [][]string{
		{"`▶`", mention(alice), "a running fox"},
		{"`#2`", mention(alice), "a waiting fox"},
	}
	for _, tt := range []struct {
		name    string
		who     *discordtest.User
		heading string
		lines   [][]string // lines the description must have (parts in order)
		hidden  []string   // text it must not show
	}{
		{"alice, with a running and a waiting job", alice, "**Your jobs** (2/10)", append([][]string{
			{"`▶`", fmt.Sprintf("**Job #%d**", running), "a running fox"},
			{"`#2`", fmt.Sprintf("**Job #%d**", waiting), "a waiting fox"},
			{"`#1`", mention(bob), "(private)"},
		}, everyone...), []string{"a secret owl"}},
		{"bob, whose job goes to his DMs", bob, "**Your jobs** (1/10)", append([][]string{
			{"`#1`", fmt.Sprintf("**Job #%d**", bobs), "a secret owl"},
		}, everyone...), nil},
		{"carol, a plain member without jobs", carol, "**Your jobs** (0/10)", append([][]string{
			{"You have no jobs in the queue."},
			{"`#1`", mention(bob), "(private)"},
		}, everyone...), []string{"a secret owl", "**Job #"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			a := h.slash(tt.who, h.general, "queue view")
			wantPrivate(t, a)
			if len(a.Message.Buttons) != 0 || len(a.Message.Embeds) != 1 {
				t.Fatalf("/queue view: %d embeds, buttons %v; want one embed, no buttons", len(a.Message.Embeds), buttonIDs(a.Message))
			}
			e := a.Message.Embeds[0]
			if e.Title != "Queue · 3 jobs" || e.Footer != "1 running · 2 waiting" || !strings.HasPrefix(e.Description, tt.heading+"\n") {
				t.Errorf("/queue view: title %q, footer %q, heading %q; want \"Queue · 3 jobs\", \"1 running · 2 waiting\", %q",
					e.Title, e.Footer, strings.SplitN(e.Description, "\n", 2)[0], tt.heading)
			}
			for _, parts := range tt.lines {
				if !hasLine(e.Description, parts...) {
					t.Errorf("/queue view has no line with %q:\n%s", parts, e.Description)
				}
			}
			for _, s := range tt.hidden {
				if strings.Contains(text(a.Message), s) {
					t.Errorf("/queue view for %s shows %q:\n%s", tt.who.Name, s, text(a.Message))
				}
			}
		})
	}
	h.noViolations()
}

// /queue status shows a job to its owner (and admins), privately, with
// its Cancel button while it is active; another member is refused without
// learning the prompt, and a job that does not exist is not found.
func TestQueueStatus(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.generator("alice"), h.generator("bob")
	owner := h.guild.Owner()
	running := h.startRunning(alice, "a running fox")
	waiting := h.generate(alice, "a waiting fox")

	for _, tt := range []struct {
		name    string
		who     *discordtest.User
		id      int64
		title   string // the embed's title starts so; "" for refusals
		buttons []string
		want    string // in what the answer shows
	}{
		{"own running job", alice, running, "🎨 Generating", []string{cancelID(running)}, "a running fox"},
		{"own waiting job", alice, waiting, "⏳ Queued — #1 of 1", []string{cancelID(waiting)}, "a waiting fox"},
		{"an admin sees a member's job", owner, waiting, "⏳ Queued", []string{cancelID(waiting)}, "Requested by " + mention(alice)},
		{"another member's job", bob, waiting, "", nil,
			fmt.Sprintf("Job #%d is another member's: you can see and re-run only your own jobs", waiting)},
		{"a job that does not exist", alice, 99, "", nil, "That job does not exist."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			a := h.slash(tt.who, h.general, "queue status", discordtest.IntArg("id", tt.id))
			wantPrivate(t, a)
			shown := text(a.Message)
			if !slices.Equal(buttonIDs(a.Message), tt.buttons) {
				t.Errorf("buttons %v, want %v", buttonIDs(a.Message), tt.buttons)
			}
			if !strings.Contains(shown, tt.want) {
				t.Errorf("/queue status shows:\n%s\nwant %q in it", shown, tt.want)
			}
			if tt.title == "" {
				if strings.Contains(shown, "a waiting fox") || strings.Contains(shown, "a running fox") {
					t.Errorf("a refusal shows the prompt:\n%s", shown)
				}
				return
			}
			if len(a.Message.Embeds) != 1 || !strings.HasPrefix(a.Message.Embeds[0].Title, tt.title) {
				t.Errorf("/queue status shows:\n%s\nwant a title starting %q", shown, tt.title)
			}
		})
	}
	if j := h.job(waiting); j.Status != model.StatusQueued {
		t.Errorf("looking at job %d left it %s", waiting, j.Status)
	}
	h.noViolations()
}

// /queue clear cancels the caller's waiting jobs, or with scope:all (admins
// only) the server's, says which in plain words, and leaves running jobs
// and others' jobs alone. The steps run in order on one queue.
func TestQueueClear(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.generator("alice"), h.generator("bob")
	owner := h.guild.Owner()
	const nothingMine = "Nothing to clear: you have no job waiting in the queue. Running jobs are cancelled one by one with `/queue cancel`."

	if a := h.slash(alice, h.general, "queue clear"); a.Message.Content != nothingMine {
		t.Errorf("clearing an empty queue: %q, want %q", a.Message.Content, nothingMine)
	}
	running := h.startRunning(alice, "runs on")
	first, second := h.generate(alice, "waits 1"), h.generate(alice, "waits 2")
	bobs := h.generate(bob, "bob's")
	statusOf := map[int64]discordtest.Message{first: h.statusMessage(first), second: h.statusMessage(second)}

	for _, tt := range []struct {
		name string
		who  *discordtest.User
		args []discordtest.Arg
		want string // the reply's whole content, or a refusal's text
		// refused: the reply is a refusal (an embed) saying want.
		refused bool
		after   map[int64]model.JobStatus
	}{
		{"a member may not clear everyone's", bob, []discordtest.Arg{discordtest.StringArg("scope", "all")},
			"Only admins may clear everyone's jobs (`scope:all`); `/queue clear` clears yours.", true,
			map[int64]model.JobStatus{first: model.StatusQueued, second: model.StatusQueued, bobs: model.StatusQueued}},
		{"alice clears hers", alice, nil,
			fmt.Sprintf("Cancelled 2 queued jobs: #%d, #%d.", first, second), false,
			map[int64]model.JobStatus{running: model.StatusRunning, first: model.StatusCancelled, second: model.StatusCancelled, bobs: model.StatusQueued}},
		{"nothing left of alice's", alice, []discordtest.Arg{discordtest.StringArg("scope", "mine")}, nothingMine, false,
			map[int64]model.JobStatus{running: model.StatusRunning, bobs: model.StatusQueued}},
		{"an admin clears the server's", owner, []discordtest.Arg{discordtest.StringArg("scope", "all")},
			fmt.Sprintf("Cancelled 1 queued job: #%d.", bobs), false,
			map[int64]model.JobStatus{running: model.StatusRunning, bobs: model.StatusCancelled}},
		{"nothing left in the server", owner, []discordtest.Arg{discordtest.StringArg("scope", "all")},
			"Nothing to clear: no job of this server is waiting in the queue.", false,
			map[int64]model.JobStatus{running: model.StatusRunning}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			a := h.slash(tt.who, h.general, "queue clear", tt.args...)
			wantPrivate(t, a)
			m := a.Message
			switch {
			case len(m.Buttons) != 0:
				t.Errorf("/queue clear answered with buttons %v", buttonIDs(m))
			case tt.refused && (len(m.Embeds) != 1 || m.Embeds[0].Title != "❌ Not allowed" || m.Embeds[0].Description != tt.want):
				t.Errorf("/queue clear answered:\n%s\nwant the refusal %q", text(m), tt.want)
			case !tt.refused && (m.Content != tt.want || len(m.Embeds) != 0):
				t.Errorf("/queue clear answered:\n%s\nwant exactly %q", text(m), tt.want)
			}
			for id, want := range tt.after {
				if got := h.job(id).Status; got != want {
					t.Errorf("job %d is %s, want %s", id, got, want)
				}
			}
		})
	}
	// The public status messages of the cleared jobs show it, without
	// their Cancel buttons.
	for id, m := range statusOf {
		h.eventually(fmt.Sprintf("job %d's status message to show it cancelled", id), func() bool {
			m := h.message(m)
			return len(m.Buttons) == 0 && len(m.Embeds) == 1 && strings.Contains(m.Embeds[0].Title, "Cancelled")
		})
	}
	h.noViolations()
}

// /queue cancel cancels a job its owner or an admin names, waiting or
// running (ComfyUI is told to stop that prompt), and refuses the rest.
// The steps run in order on one queue.
func TestQueueCancel(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.generator("alice"), h.generator("bob")
	owner := h.guild.Owner()
	running := h.startRunning(alice, "runs on")
	waiting := h.generate(alice, "waits")
	bobs := h.generate(bob, "bob's")

	for _, tt := range []struct {
		name string
		who  *discordtest.User
		id   int64
		want string // the whole reply
		// status is what the job is afterwards.
		status model.JobStatus
	}{
		{"another member's job", bob, waiting,
			fmt.Sprintf("Job #%d belongs to %s; only its owner or an admin may cancel it.", waiting, mention(alice)), model.StatusQueued},
		{"own waiting job", alice, waiting, fmt.Sprintf("Job **#%d** is cancelled.", waiting), model.StatusCancelled},
		{"a job already cancelled", alice, waiting, fmt.Sprintf("Job #%d is already cancelled.", waiting), model.StatusCancelled},
		{"an admin cancels a member's job", owner, bobs, fmt.Sprintf("Job **#%d** is cancelled.", bobs), model.StatusCancelled},
		{"own running job", alice, running, fmt.Sprintf("Job **#%d** is cancelled.", running), model.StatusCancelled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			a := h.slash(tt.who, h.general, "queue cancel", discordtest.IntArg("id", tt.id))
			wantPrivate(t, a)
			if got := strings.TrimSpace(text(a.Message)); !strings.Contains(got, tt.want) || len(a.Message.Buttons) != 0 {
				t.Errorf("/queue cancel %d by %s answered:\n%s\nwant %q", tt.id, tt.who.Name, got, tt.want)
			}
			if got := h.job(tt.id).Status; got != tt.status {
				t.Errorf("job %d is %s, want %s", tt.id, got, tt.status)
			}
		})
	}
	if a := h.slash(alice, h.general, "queue cancel", discordtest.IntArg("id", 99)); !strings.Contains(text(a.Message), "That job does not exist.") {
		t.Errorf("cancelling a job that does not exist: %s", text(a.Message))
	}
	h.noViolations()
}

// Cancel on a job's public status message answers privately, like
// /queue cancel; the status message then shows the job cancelled, without
// the button. Someone else's click is refused and changes nothing.
func TestCancelButtonOnAPublicStatusMessage(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.generator("alice"), h.generator("bob")
	owner := h.guild.Owner()
	h.startRunning(alice, "runs on")
	waiting := h.generate(alice, "waits")
	bobs := h.generate(bob, "bob's")

	for _, tt := range []struct {
		name      string
		who       *discordtest.User
		id        int64
		want      string
		cancelled bool
	}{
		{"another member", bob, waiting, "only its owner or an admin may cancel it", false},
		{"the owner", alice, waiting, fmt.Sprintf("Job **#%d** is cancelled.", waiting), true},
		{"an admin", owner, bobs, fmt.Sprintf("Job **#%d** is cancelled.", bobs), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			status := h.statusMessage(tt.id)
			if status.Ephemeral || status.ChannelID != h.general.ID || !slices.Equal(buttonIDs(status), []string{cancelID(tt.id)}) {
				t.Fatalf("job %d's status message: ephemeral %v in %d, buttons %v; want a public one in #general with Cancel",
					tt.id, status.Ephemeral, status.ChannelID, buttonIDs(status))
			}
			a := h.click(tt.who, status, "Cancel")
			wantPrivate(t, a)
			if a.Message.ID == status.ID || !strings.Contains(text(a.Message), tt.want) {
				t.Errorf("Cancel by %s answered in message %d:\n%s\nwant a reply of its own with %q", tt.who.Name, a.Message.ID, text(a.Message), tt.want)
			}
			if !tt.cancelled {
				if j := h.job(tt.id); j.Status != model.StatusQueued {
					t.Errorf("job %d is %s after a refused Cancel", tt.id, j.Status)
				}
				// (The queue may still edit it, to show a new place in line.)
				if now := h.message(status); !slices.Equal(buttonIDs(now), []string{cancelID(tt.id)}) ||
					len(now.Embeds) != 1 || !strings.Contains(now.Embeds[0].Title, "Queued") {
					t.Errorf("after a refused Cancel the status message shows:\n%s\nbuttons %v; want the job queued, with Cancel", text(now), buttonIDs(now))
				}
				return
			}
			h.waitStatus(tt.id, model.StatusCancelled)
			h.eventually("the status message to show the job cancelled, without its button", func() bool {
				m := h.message(status)
				return len(m.Buttons) == 0 && len(m.Embeds) == 1 && strings.Contains(m.Embeds[0].Title, "Cancelled") && !m.Ephemeral
			})
		})
	}
	h.noViolations()
}

// Cancel on the private copy of a job's status (from /queue status),
// which nothing else edits, updates that copy in place: the job's status
// now, without the button, and a note when there was nothing to cancel.
func TestCancelButtonOnAPrivateStatusCopy(t *testing.T) {
	h := newHarness(t)
	alice := h.generator("alice")
	h.startRunning(alice, "runs on")
	waiting, gone := h.generate(alice, "waits"), h.generate(alice, "cancelled meanwhile")

	for _, tt := range []struct {
		name    string
		id      int64
		between func() // what happens after the copy was taken
		content string
	}{
		{"a waiting job", waiting, func() {}, ""},
		{"a job cancelled meanwhile", gone, func() {
			h.slash(alice, h.general, "queue cancel", discordtest.IntArg("id", gone))
		}, fmt.Sprintf("Job **#%d** is already cancelled: nothing to cancel.", gone)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			cp := h.slash(alice, h.general, "queue status", discordtest.IntArg("id", tt.id)).Message
			if !cp.Ephemeral || !slices.Equal(buttonIDs(cp), []string{cancelID(tt.id)}) {
				t.Fatalf("/queue status %d: ephemeral %v, buttons %v; want a private copy with Cancel", tt.id, cp.Ephemeral, buttonIDs(cp))
			}
			tt.between()
			a := h.click(alice, cp, "Cancel")
			if a.Type != discordtest.ResponseDeferredUpdate {
				t.Errorf("Cancel on the copy answered with type %d, want a deferred update (%d)", a.Type, discordtest.ResponseDeferredUpdate)
			}
			m := a.Message
			if m.ID != cp.ID || !m.Ephemeral {
				t.Fatalf("Cancel on the copy answered in message %d (ephemeral %v), want the copy %d updated", m.ID, m.Ephemeral, cp.ID)
			}
			if m.Content != tt.content || len(m.Buttons) != 0 || len(m.Embeds) != 1 || !strings.Contains(m.Embeds[0].Title, "Cancelled") {
				t.Errorf("the copy after Cancel:\n%s\nbuttons %v; want the job cancelled, no button, content %q", text(m), buttonIDs(m), tt.content)
			}
			if j := h.job(tt.id); j.Status != model.StatusCancelled {
				t.Errorf("job %d is %s, want cancelled", tt.id, j.Status)
			}
		})
	}
	h.noViolations()
}
