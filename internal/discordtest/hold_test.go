package discordtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// A held create is posted at once and answered only at the release, with
// the message as it was made; other creates, and the same enforced nonce
// sent again, are answered meanwhile; a client that hangs up leaves
// nothing held.
func TestHoldCreatedMessages(t *testing.T) {
	srv := discordtest.New(t)
	ch := srv.AddGuild("g").AddChannel("general", false)
	srv.HoldCreatedMessages(func(m discordtest.Message) bool { return m.Content == "result" })

	type answer struct {
		status int
		msg    map[string]any
		err    error
	}
	post := func(ctx context.Context, body map[string]any) <-chan answer {
		out := make(chan answer, 1)
		go func() {
			raw, _ := json.Marshal(body)
			rq, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.APIURL()+"/channels/"+ch.ID.String()+"/messages", bytes.NewReader(raw))
			if err != nil {
				out <- answer{err: err}
				return
			}
			rq.Header.Set("Authorization", "Bot "+srv.Token())
			rq.Header.Set("Content-Type", "application/json")
			rs, err := http.DefaultClient.Do(rq)
			if err != nil {
				out <- answer{err: err}
				return
			}
			defer rs.Body.Close()
			var m map[string]any
			b, err := io.ReadAll(rs.Body)
			if err == nil {
				err = json.Unmarshal(b, &m)
			}
			out <- answer{status: rs.StatusCode, msg: m, err: err}
		}()
		return out
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	result := map[string]any{"content": "result", "nonce": "job1p0", "enforce_nonce": true}
	held := post(ctx, result)
	heldMsgs := waitHeldMessages(t, srv, 1)
	if got := srv.Messages(ch.ID); len(got) != 1 || got[0].ID != heldMsgs[0].ID || got[0].Content != "result" {
		t.Fatalf("the held message is not posted in the channel: %+v, held %+v", got, heldMsgs)
	}

	if a := <-post(ctx, map[string]any{"content": "status"}); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("a create the hold does not match: %d %v", a.status, a.err)
	}
	again := <-post(ctx, result)
	if again.err != nil || again.status != http.StatusOK || again.msg["id"] != heldMsgs[0].ID.String() {
		t.Fatalf("the same enforced nonce again: %d %v %v, want message %s at once", again.status, again.msg["id"], again.err, heldMsgs[0].ID)
	}

	// The client of a second held create hangs up.
	gone, hangUp := context.WithCancel(ctx)
	dropped := post(gone, map[string]any{"content": "result", "nonce": "job2p0", "enforce_nonce": true})
	waitHeldMessages(t, srv, 2)
	hangUp()
	if a := <-dropped; !errors.Is(a.err, context.Canceled) {
		t.Fatalf("the abandoned create ended with %d %v, want context.Canceled", a.status, a.err)
	}
	waitHeldMessages(t, srv, 1)
	select {
	case a := <-held:
		t.Fatalf("the held create was answered before the release: %d %v", a.status, a.err)
	default:
	}

	srv.ReleaseCreatedMessages()
	a := <-held
	if a.err != nil || a.status != http.StatusOK || a.msg["id"] != heldMsgs[0].ID.String() || a.msg["content"] != "result" {
		t.Fatalf("the released answer: %d %v %v, want message %s", a.status, a.msg, a.err, heldMsgs[0].ID)
	}
	if a := <-post(ctx, map[string]any{"content": "result"}); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("a create after the release: %d %v", a.status, a.err)
	}
	if n := len(srv.Messages(ch.ID)); n != 4 {
		t.Errorf("%d messages in the channel, want 4 (result, status, the abandoned result, the last)", n)
	}
}

// waitHeldMessages waits until n answers are held and returns the messages.
func waitHeldMessages(t *testing.T, srv *discordtest.Server, n int) []discordtest.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		h := srv.HeldMessages()
		if len(h) == n {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d answers held, want %d", len(h), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
