package sandbox

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

var t0 = time.Date(2025, 11, 25, 20, 0, 0, 0, time.UTC)

var result = discordtest.Event{
	Seq: 4, T: t0.Add(1500 * time.Millisecond), Kind: discordtest.KindMessage, Channel: "#general", MessageID: 42,
	Content: "<@7> your image is ready.",
	Embeds: []discordtest.Embed{{Title: "✅ Job #1", Description: "a fox & a hen", Image: "http://x/a.png", Footer: "Job #1",
		Fields: []discordtest.EmbedField{{Name: "Seed", Value: "5"}}}},
	Files:   []discordtest.File{{Name: "a.png", Size: 1130, Width: 512, Height: 384}},
	Buttons: []discordtest.Button{{Label: "Reroll", CustomID: "/job/1/reroll"}},
}

func TestEventText(t *testing.T) {
	cases := []struct {
		name string
		e    discordtest.Event
		want string
	}{
		{"result", result, `message #general "<@7> your image is ready." [embed "✅ Job #1" "a fox & a hen" Seed="5" image=http://x/a.png footer="Job #1"] [file a.png 1130B 512x384] [button "Reroll"]`},
		{"deferred", discordtest.Event{Kind: discordtest.KindReply, Channel: "#general", User: "alice", Ephemeral: true, Deferred: true},
			"reply #general @alice (only you) is thinking…"},
		{"choices", discordtest.Event{Kind: discordtest.KindAutocomplete, User: "a", Choices: []discordtest.Choice{{Name: "portrait", Value: "portrait"}}},
			`autocomplete @a [choice "portrait"=portrait]`},
		{"modal", discordtest.Event{Kind: discordtest.KindModal, User: "a", Modal: &discordtest.Modal{Title: "Edit", Fields: []discordtest.ModalField{{CustomID: "prompt", Value: "fox"}}}},
			`modal @a [modal "Edit" prompt="fox"]`},
		{"error", discordtest.Event{Kind: discordtest.KindError, User: "a", Error: "The application did not respond"},
			"error @a: The application did not respond"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := eventText(tc.e); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestJSONShape(t *testing.T) {
	cases := []struct {
		name string
		e    discordtest.Event
		want string
	}{
		{"result", result, `{"t_ms":1500,"event":"message","user":"","ephemeral":false,"channel":"#general","message_id":"42",` +
			`"content":"<@7> your image is ready.","embeds":[{"title":"✅ Job #1","description":"a fox & a hen","fields":[{"name":"Seed","value":"5"}],` +
			`"image":"http://x/a.png","footer":"Job #1"}],"buttons":["Reroll"],"files":[{"name":"a.png","bytes":1130,"width":512,"height":384}],"choices":[]}`},
		{"autocomplete", discordtest.Event{T: t0, Kind: discordtest.KindAutocomplete, User: "a", Ephemeral: true, Channel: "#general",
			Choices: []discordtest.Choice{{Name: "Seven", Value: 7.0}}},
			`{"t_ms":0,"event":"autocomplete","user":"a","ephemeral":true,"channel":"#general","message_id":"","content":"","embeds":[],"buttons":[],"files":[],"choices":[{"name":"Seven","value":7}]}`},
		{"error", discordtest.Event{T: t0, Kind: discordtest.KindError, Error: "400 Invalid Form Body"},
			`{"t_ms":0,"event":"error","user":"","ephemeral":false,"channel":"","message_id":"","content":"400 Invalid Form Body","embeds":[],"buttons":[],"files":[],"choices":[]}`},
		{"modal", discordtest.Event{T: t0, Kind: discordtest.KindModal, User: "a", Ephemeral: true, Modal: &discordtest.Modal{CustomID: "/job/1/edit", Title: "Edit job #1",
			Fields: []discordtest.ModalField{{CustomID: "prompt", Label: "Prompt", Value: "fox", Required: true}}}},
			`{"t_ms":0,"event":"modal","user":"a","ephemeral":true,"channel":"","message_id":"","content":"Edit job #1","embeds":[],"buttons":[],"files":[],"choices":[],` +
				`"modal":{"custom_id":"/job/1/edit","title":"Edit job #1","fields":[{"custom_id":"prompt","label":"Prompt","value":"fox","required":true}]}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			p := newPrinter(&out, true, t0, func(discordtest.Event) bool { return false })
			p.event(tc.e)
			if got := strings.TrimSpace(out.String()); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			var v map[string]any
			if err := json.Unmarshal(out.Bytes(), &v); err != nil {
				t.Fatalf("not one JSON object: %v", err)
			}
		})
	}
}

func TestPrinterTranscript(t *testing.T) {
	var out bytes.Buffer
	p := newPrinter(&out, false, t0, func(e discordtest.Event) bool { return e.InteractionID == 9 })
	p.step(Step{Line: 3, Text: "alice: /generate prompt:fox"})
	p.event(discordtest.Event{Seq: 0, T: t0.Add(61234 * time.Millisecond), Kind: discordtest.KindReply, User: "alice", Content: "ok"})
	p.event(discordtest.Event{Seq: 1, T: t0, Kind: discordtest.KindReply, InteractionID: 9, Content: "hidden"})
	want := "   3> alice: /generate prompt:fox\n   3  1:01.234  reply @alice \"ok\"\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	// Hidden events count as printed: flush does not wait for them.
	if err := p.flush(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
}

func TestFlushWaitsForThePump(t *testing.T) {
	var out bytes.Buffer
	p := newPrinter(&out, true, t0, func(discordtest.Event) bool { return false })
	events := make(chan discordtest.Event)
	go p.pump(t.Context(), events)
	done := make(chan error, 1)
	go func() { done <- p.flush(t.Context(), 2) }()
	events <- discordtest.Event{Seq: 0, T: t0, Kind: discordtest.KindReply}
	select {
	case err := <-done:
		t.Fatalf("flush returned before the second event: %v", err)
	default:
	}
	events <- discordtest.Event{Seq: 1, T: t0, Kind: discordtest.KindEdit}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Errorf("printed %d events, want 2", n)
	}
}
