package comfy

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"sync"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
)

// holdAt steps a held fake until it stops at the given stage of the prompt.
func holdAt(t *testing.T, srv *comfytest.Server, promptID string, stage comfytest.Stage, node string) {
	t.Helper()
	ctx := testContext(t)
	for {
		at, err := srv.WaitHeld(ctx)
		if err != nil {
			t.Fatalf("waiting for %v of %s: %v", stage, promptID, err)
		}
		if at.PromptID == promptID && at.Stage == stage && (node == "" || at.Node == node) {
			return
		}
		srv.Step()
	}
}

func submit(t *testing.T, c *Client, prompt string) *Tracker {
	t.Helper()
	tr := c.Track(NewPromptID())
	if _, err := c.Submit(testContext(t), []byte(prompt), tr.PromptID(), nil); err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestInterruptOnlyByPromptID(t *testing.T) {
	tests := []struct {
		name       string
		target     func(running string) string
		wantErr    bool
		wantStatus Status
	}{
		{"the running prompt stops", func(id string) string { return id }, false, StatusInterrupted},
		{"another prompt id changes nothing", func(string) string { return NewPromptID() }, false, StatusSuccess},
		{"an empty id is refused, never sent", func(string) string { return "" }, true, StatusSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := comfytest.New(t)
			c := newClient(srv)
			runClient(t, c)
			srv.Hold()
			tr := submit(t, c, string(workflow(txt2img, 7)))
			holdAt(t, srv, tr.PromptID(), comfytest.StageNode, "3")
			err := c.Interrupt(testContext(t), tt.target(tr.PromptID()))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Interrupt error %v, want error %v", err, tt.wantErr)
			}
			srv.Release()
			out, err := tr.Wait(testContext(t))
			if err != nil || out.Status != tt.wantStatus {
				t.Fatalf("outcome %+v, %v; want %s", out, err, tt.wantStatus)
			}
			if tt.wantStatus == StatusInterrupted && (out.Interrupted == nil || out.Interrupted.NodeID != "3" ||
				out.Interrupted.NodeType != "KSampler") {
				t.Errorf("interrupted at %+v, want node 3 (KSampler)", out.Interrupted)
			}
		})
	}
}

func TestDeletePendingPrompt(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	runClient(t, c)
	ctx := testContext(t)
	srv.Hold()
	a := submit(t, c, string(workflow(emptyImage, 16)))
	holdAt(t, srv, a.PromptID(), comfytest.StageTaken, "")
	b := submit(t, c, string(workflow(emptyImage, 17)))

	q, err := c.Queue(ctx)
	if err != nil || !q.Contains(b.PromptID()) || len(q.Running) != 1 || q.Running[0].PromptID != a.PromptID() ||
		q.Running[0].ClientID != c.ClientID() {
		t.Fatalf("queue before delete %+v, %v", q, err)
	}
	if err := c.Delete(ctx, b.PromptID()); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx); err != nil {
		t.Errorf("empty delete: %v", err)
	}
	q, err = c.Queue(ctx)
	if err != nil || q.Contains(b.PromptID()) || !q.Contains(a.PromptID()) {
		t.Fatalf("queue after delete %+v, %v", q, err)
	}
	srv.Release()
	if out, err := a.Wait(ctx); err != nil || out.Status != StatusSuccess {
		t.Errorf("A: %+v, %v", out, err)
	}
	if _, found, err := c.History(ctx, b.PromptID()); found || err != nil {
		t.Errorf("deleted B is in history: %v, %v", found, err)
	}
	b.Close()
	if _, err := b.Wait(ctx); !errors.Is(err, ErrUntracked) {
		t.Errorf("Wait after Close: %v, want ErrUntracked", err)
	}
	if _, open := <-b.Events(); open {
		t.Error("events of an untracked prompt still open")
	}
}

func TestRuntimeErrorOutcome(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*comfytest.Server)
		prompt   string
		wantNode string
		wantText string
	}{
		{
			name:     "a node raises (transcript 06)",
			setup:    func(*comfytest.Server) {},
			prompt:   `{"1": {"class_type": "EmptyImage", "inputs": {"batch_size": 1, "color": 0, "height": 32, "width": 32}}, "2": {"class_type": "ImageToMask", "inputs": {"channel": "alpha", "image": ["1", 0]}}, "3": {"class_type": "MaskToImage", "inputs": {"mask": ["2", 0]}}, "4": {"class_type": "SaveImage", "inputs": {"filename_prefix": "e", "images": ["3", 0]}}}`,
			wantNode: "2",
			wantText: "node 2 (ImageToMask) failed: IndexError: index 3 is out of bounds for dimension 3 with size 3",
		},
		{
			name:     "a class made to fail",
			setup:    func(s *comfytest.Server) { s.FailClass("ImageInvert") },
			prompt:   string(workflow(emptyImage, 16)),
			wantNode: "2",
			wantText: "node 2 (ImageInvert) failed: RuntimeError: comfytest: injected failure in ImageInvert",
		},
		{
			name:     "the next job made to fail",
			setup:    func(s *comfytest.Server) { s.FailNextJob() },
			prompt:   string(workflow(emptyImage, 16)),
			wantNode: "1",
			wantText: "node 1 (EmptyImage) failed: RuntimeError: comfytest: injected failure in EmptyImage",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := comfytest.New(t)
			tt.setup(srv)
			c := newClient(srv)
			runClient(t, c)
			tr := submit(t, c, tt.prompt)
			out, err := tr.Wait(testContext(t))
			if err != nil || out.Status != StatusError || out.Error == nil {
				t.Fatalf("outcome %+v, %v", out, err)
			}
			if out.Error.NodeID != tt.wantNode || out.Error.Error() != tt.wantText || len(out.Error.Traceback) == 0 {
				t.Errorf("error %+v, text %q", out.Error, out.Error.Error())
			}
			if len(out.Files) != 0 {
				t.Errorf("failed prompt has images %v", out.Files)
			}
		})
	}
}

// TestDroppedSocketBeforeSuccess drops the WebSocket after the last node finished and before
// execution_success: the prompt must still complete, with its images.
func TestDroppedSocketBeforeSuccess(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	runClient(t, c)
	srv.Hold()
	tr := submit(t, c, string(workflow(emptyImage, 20)))
	holdAt(t, srv, tr.PromptID(), comfytest.StageDone, "")
	_, changed := c.Health()
	srv.DropWebSockets()
	<-changed
	waitHealth(t, c, true)
	srv.Release()
	out, err := tr.Wait(testContext(t))
	if err != nil || out.Status != StatusSuccess || len(out.Files) != 1 {
		t.Fatalf("outcome %+v, %v", out, err)
	}
}

// TestCompletionMissedWhileDown finishes a prompt while the client cannot connect: the
// completion messages are lost, and the resync after reconnecting completes it from history.
func TestCompletionMissedWhileDown(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	runClient(t, c)
	srv.Hold()
	tr := submit(t, c, string(workflow(emptyImage, 20)))
	holdAt(t, srv, tr.PromptID(), comfytest.StageDone, "")
	_, changed := c.Health()
	srv.Down()
	<-changed
	srv.Release()
	if err := srv.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	var sawEnd bool
	for ev := range tr.Events() {
		if _, ok := ev.(ExecutionSuccess); ok {
			sawEnd = true
		}
	}
	out, err := tr.Wait(testContext(t))
	if err != nil || out.Status != StatusSuccess || len(out.Files) != 1 || out.History == nil {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	if sawEnd {
		t.Error("execution_success arrived although the server was down")
	}
}

func TestRestartMidJobIsLost(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	runClient(t, c)
	srv.Hold()
	tr := submit(t, c, string(workflow(txt2img, 3)))
	holdAt(t, srv, tr.PromptID(), comfytest.StageNode, "3")
	srv.Restart()
	out, err := tr.Wait(testContext(t))
	if err != nil || out.Status != StatusLost || out.History != nil {
		t.Fatalf("outcome %+v, %v; want lost", out, err)
	}
}

// TestTrackSubmitted follows prompts submitted before the bot restarted, with the same client id.
func TestTrackSubmitted(t *testing.T) {
	srv := comfytest.New(t)
	before := newClient(srv)
	ctx := testContext(t)
	finished := NewPromptID()
	if _, err := before.Submit(ctx, workflow(emptyImage, 12), finished, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Hold()
	running := NewPromptID()
	if _, err := before.Submit(ctx, workflow(emptyImage, 13), running, nil); err != nil {
		t.Fatal(err)
	}
	holdAt(t, srv, running, comfytest.StageTaken, "")

	after := newClient(srv, func(o *Options) { o.ClientID = before.ClientID() })
	runClient(t, after)
	tests := []struct {
		name string
		id   string
		want Status
	}{
		{"finished before: completes from history", finished, StatusSuccess},
		{"unknown to ComfyUI: lost", NewPromptID(), StatusLost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := after.TrackSubmitted(tt.id).Wait(testContext(t))
			if err != nil || out.Status != tt.want {
				t.Fatalf("outcome %+v, %v; want %s", out, err, tt.want)
			}
		})
	}
	t.Run("still running: completes by events", func(t *testing.T) {
		tr := after.TrackSubmitted(running)
		srv.Release()
		out, err := tr.Wait(testContext(t))
		if err != nil || out.Status != StatusSuccess || len(out.Files) != 1 {
			t.Fatalf("outcome %+v, %v", out, err)
		}
	})
}

func TestSubscribeAndUntrack(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	events, cancel := c.Subscribe(1024)
	runClient(t, c)
	untracked := c.Track(NewPromptID())
	c.Untrack(untracked.PromptID())
	if _, err := untracked.Wait(testContext(t)); !errors.Is(err, ErrUntracked) {
		t.Errorf("Wait after Untrack: %v", err)
	}
	if again := c.Track(untracked.PromptID()); again == untracked {
		t.Error("Track after Untrack returned the closed tracker")
	}

	tr := submit(t, c, string(workflow(emptyImage, 8)))
	if _, err := tr.Wait(testContext(t)); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	ctx := testContext(t)
	for done := false; !done; {
		select {
		case ev := <-events:
			// ComfyUI answers our feature_flags when it reads them, which may
			// be after the prompt's first messages: its place is not fixed.
			if ev.Type() != "feature_flags" {
				kinds = append(kinds, ev.Type())
			}
			if e, ok := ev.(Executing); ok && e.Done && e.PromptID == tr.PromptID() {
				done = true
			}
		case <-ctx.Done():
			t.Fatalf("subscription saw %v", kinds)
		}
	}
	if got := strings.Join(kinds, " "); !strings.HasPrefix(got, "status status status execution_start") ||
		!strings.HasSuffix(got, "execution_success status executing") {
		t.Errorf("subscription saw %s", got)
	}
	cancel()
	cancel()
	for range events {
	}
}

func TestHealthFollowsServer(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	runClient(t, c)
	srv.Down()
	waitHealth(t, c, false)
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, c, true)
	if !c.Connected() {
		t.Error("Connected is false while Health says up")
	}
}

// TestBinaryFramesGoToTheRunningPrompt: previews without metadata and text frames carry no
// prompt id; they belong to the prompt running for this client, if any.
func TestBinaryFramesGoToTheRunningPrompt(t *testing.T) {
	const p = "3f1c2a8e-0000-4000-8000-000000000001"
	tests := []struct {
		name   string
		before []Event
		frame  Event
		want   string
	}{
		{"after execution_start", []Event{ExecutionStart{PromptID: p}}, Preview{MIME: "image/jpeg"}, p},
		{"after executing a node", []Event{Executing{PromptID: p, Node: "3"}}, ProgressText{NodeID: "2", Text: "w"}, p},
		{"after the end", []Event{ExecutionStart{PromptID: p}, Executing{PromptID: "other", Done: true},
			Executing{PromptID: p, Done: true}}, Preview{MIME: "image/png"}, ""},
		{"nothing running", nil, ProgressText{NodeID: "2"}, ""},
		{"metadata keeps its own id", []Event{ExecutionStart{PromptID: p}}, Preview{PromptID: "x", WithMetadata: true}, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{BaseURL: "http://comfy.test"})
			events, cancel := c.Subscribe(16)
			defer cancel()
			var wg sync.WaitGroup
			for _, ev := range append(tt.before, tt.frame) {
				c.dispatch(t.Context(), &wg, ev)
			}
			wg.Wait()
			var last Event
			for range len(tt.before) + 1 {
				last = <-events
			}
			if got := promptOf(last); got != tt.want {
				t.Errorf("frame attributed to %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTextAndPreviewEventsOfARealRun runs transcript 03's workflow: a text frame from
// GetImageSize and one PNG preview per image from SaveImageWebsocket.
func TestTextAndPreviewEventsOfARealRun(t *testing.T) {
	srv := comfytest.New(t)
	c := newClient(srv)
	runClient(t, c)
	tr := submit(t, c, `{"1": {"class_type": "EmptyImage", "inputs": {"batch_size": 1, "color": 1089616, "height": 32, "width": 48}},
		"2": {"class_type": "GetImageSize", "inputs": {"image": ["1", 0]}},
		"3": {"class_type": "EmptyImage", "inputs": {"batch_size": 3, "color": 1089616, "height": ["2", 1], "width": ["2", 0]}},
		"4": {"class_type": "ImageInvert", "inputs": {"image": ["3", 0]}},
		"5": {"class_type": "SaveImageWebsocket", "inputs": {"images": ["4", 0]}},
		"6": {"class_type": "SaveImage", "inputs": {"filename_prefix": "meta", "images": ["4", 0]}}}`)
	var texts []string
	var previews []Preview
	for ev := range tr.Events() {
		switch e := ev.(type) {
		case ProgressText:
			texts = append(texts, e.NodeID+": "+e.Text)
		case Preview:
			previews = append(previews, e)
		}
	}
	if len(texts) != 1 || texts[0] != "2: width: 48, height: 32\n batch size: 1" {
		t.Errorf("text frames %q", texts)
	}
	if len(previews) != 3 {
		t.Fatalf("%d previews, want 3", len(previews))
	}
	for _, p := range previews {
		if !p.WithMetadata || p.MIME != "image/png" || p.NodeID != "5" || p.PromptID != tr.PromptID() {
			t.Errorf("preview %+v", p)
		}
		if cfg, err := png.DecodeConfig(bytes.NewReader(p.Image)); err != nil || cfg.Width != 48 || cfg.Height != 32 {
			t.Errorf("preview image %+v, %v", cfg, err)
		}
	}
	out, err := tr.Wait(testContext(t))
	if err != nil || len(out.Files) != 3 {
		t.Fatalf("outcome %+v, %v", out, err)
	}
}
