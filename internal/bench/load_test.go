package bench

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

func TestRecorderRoutesRepliesAndResultsToTheirUsers(t *testing.T) {
	users := []*discordtest.User{{ID: 101, Name: "user000"}, {ID: 102, Name: "user001"}}
	cfg := Config{Users: 2, Jobs: 4, PerUser: 3}
	rec := newRecorder(users, cfg)
	rec.sent[1] = &Interaction{User: 0, Sent: at(0)}
	rec.sent[2] = &Interaction{User: 1, Sent: at(1)}
	rec.sent[3] = &Interaction{User: 1, Sent: at(2)}

	events := make(chan discordtest.Event)
	done := make(chan struct{})
	go func() {
		defer close(done)
		rec.consume(events)
	}()
	result := func(job string, user snowflake.ID, t time.Time) discordtest.Event {
		return discordtest.Event{Kind: discordtest.KindMessage, T: t, Content: "<@" + user.String() + "> your image is ready.",
			Embeds: []discordtest.Embed{{Title: "✅ Job #" + job}}, Files: []discordtest.File{{Name: "a.png"}}}
	}
	for _, e := range []discordtest.Event{
		{Kind: discordtest.KindReply, InteractionID: 1, T: at(4), User: "user000", Deferred: true},
		{Kind: discordtest.KindReply, InteractionID: 2, T: at(6), User: "user001", Deferred: true},
		{Kind: discordtest.KindEdit, InteractionID: 1, T: at(20), User: "user000", Content: "Job **#7** is queued: **#1** of 1 in line."},
		{Kind: discordtest.KindEdit, InteractionID: 2, T: at(21), User: "user001", Embeds: []discordtest.Embed{{Title: "❌ Queue full"}}},
		{Kind: discordtest.KindEdit, InteractionID: 1, T: at(22), User: "user000", Content: "Job **#7** is queued."}, // edited again: counted once
		{Kind: discordtest.KindEdit, T: at(25), MessageID: 900},                                                      // a status edit
		result("7", 101, at(300)),
		result("7", 101, at(310)), // delivered twice
		{Kind: discordtest.KindMessage, T: at(320), Content: "no files"},
	} {
		events <- e
	}
	close(events)
	<-done

	if got := drain(rec.events[0]); len(got) != 2 || got[0] != eventAccepted || got[1] != eventDelivered {
		t.Errorf("user000 heard %v, want accepted then delivered", got)
	}
	if got := drain(rec.events[1]); len(got) != 1 || got[0] != eventRefused {
		t.Errorf("user001 heard %v, want refused", got)
	}
	if n := len(rec.delivered); n != 1 {
		t.Errorf("%d first deliveries counted, want 1", n)
	}
	if !rec.edited.Equal(at(25)) {
		t.Errorf("last status edit at %v, want %v", rec.edited, at(25))
	}
	obs := rec.observations()
	byUser := map[int][]Interaction{}
	for _, in := range obs.Interactions {
		byUser[in.User] = append(byUser[in.User], in)
	}
	if in := byUser[0][0]; in.JobID != 7 || !in.Acked.Equal(at(4)) {
		t.Errorf("user000's interaction = %+v", in)
	}
	for _, in := range byUser[1] {
		switch {
		case in.Sent.Equal(at(1)) && (in.Refusal != "❌ Queue full" || !in.Acked.Equal(at(6))):
			t.Errorf("the refused interaction = %+v", in)
		case in.Sent.Equal(at(2)) && (!in.Acked.IsZero() || in.JobID != 0):
			t.Errorf("the unanswered interaction = %+v", in)
		}
	}
	if len(obs.Results) != 2 || obs.Results[0].JobID != 7 || obs.Results[0].Files != 1 {
		t.Errorf("results = %+v", obs.Results)
	}
}

func drain(ch chan userEvent) []userEvent {
	var out []userEvent
	for {
		select {
		case e := <-ch:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestRecorderWaitEndsWhenEveryJobIsDeliveredOrResultsStop(t *testing.T) {
	cases := []struct {
		name        string
		delivered   int
		wantStalled bool
	}{
		{"all delivered", 3, false},
		{"one missing", 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := newRecorder(nil, Config{Users: 1, Jobs: 3, PerUser: 1})
				for range c.delivered {
					rec.delivered <- struct{}{}
				}
				var seen []Progress
				start := time.Now()
				stalled := rec.wait(t.Context(), time.Minute, func(p Progress) { seen = append(seen, p) })
				if stalled != c.wantStalled {
					t.Fatalf("stalled = %v, want %v", stalled, c.wantStalled)
				}
				if waited := time.Since(start); c.wantStalled != (waited == time.Minute) {
					t.Fatalf("waited %v; a stall takes the quiet minute, a full run none of it", waited)
				}
				if len(seen) != c.delivered || seen[len(seen)-1] != (Progress{Delivered: c.delivered, Total: 3}) {
					t.Fatalf("progress %v for %d deliveries", seen, c.delivered)
				}
			})
		})
	}
}
