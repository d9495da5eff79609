package comfytest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// A held call waits while others are answered, gets the answer of the
// moment it is released, and is dropped from the held ones when its client
// hangs up.
func TestHoldRequests(t *testing.T) {
	srv := comfytest.New(t)
	run(t, srv, fmt.Sprintf(saveImage, 16, "held"))
	id := srv.Submitted()[0].PromptID
	srv.HoldRequests("/history/")

	type answer struct {
		status int
		body   []byte
		err    error
	}
	get := func(ctx context.Context, path string) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+path, nil)
			if err != nil {
				ch <- answer{err: err}
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				ch <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			ch <- answer{status: resp.StatusCode, body: body, err: err}
		}()
		return ch
	}
	held := get(testContext(t), "/api/history/"+id)
	at, err := srv.WaitRequestHeld(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := "GET /api/history/" + id; at != want {
		t.Fatalf("held %q, want %q", at, want)
	}
	// Other routes, the list of the whole history among them, still answer.
	for _, path := range []string{"/queue", "/history", "/history?max_items=1"} {
		if status, _ := do(t, srv, http.MethodGet, path, "", nil); status != http.StatusOK {
			t.Errorf("GET %s while /history/ is held: %d", path, status)
		}
	}

	// A client that gives up leaves nothing held behind.
	ctx, cancel := context.WithCancel(testContext(t))
	gaveUp := get(ctx, "/history/"+id+"?again")
	waitHeld(t, srv, 2)
	cancel()
	if a := <-gaveUp; !errors.Is(a.err, context.Canceled) {
		t.Fatalf("the cancelled call ended with %d %v, want context.Canceled", a.status, a.err)
	}
	waitHeld(t, srv, 1)
	select {
	case a := <-held:
		t.Fatalf("the held call was answered before the release: %d %s %v", a.status, a.body, a.err)
	default:
	}

	srv.ReleaseRequests()
	a := <-held
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("released call: %d %v", a.status, a.err)
	}
	var hist map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &hist); err != nil || hist[id] == nil {
		t.Fatalf("released call answered %s (%v), want the history of %s", a.body, err, id)
	}
	if status, body := do(t, srv, http.MethodGet, "/history/"+id, "", nil); status != http.StatusOK || !strings.Contains(string(body), id) {
		t.Fatalf("GET /history/%s after the release: %d %s", id, status, body)
	}
	if h := srv.HeldRequests(); len(h) != 0 {
		t.Fatalf("still held after the release: %v", h)
	}
}

// waitHeld waits until n calls are held.
func waitHeld(t *testing.T, srv *comfytest.Server, n int) {
	t.Helper()
	ctx := testContext(t)
	for {
		h := srv.HeldRequests()
		if len(h) == n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d calls held, want %d: %v", len(h), n, h)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
