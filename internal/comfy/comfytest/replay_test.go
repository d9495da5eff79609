package comfytest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/coder/websocket"
)

const transcriptDir = "../testdata/transcripts"

// record is one line of a transcript (see testdata/transcripts/README.md).
type record struct {
	Seq      int             `json:"seq"`
	Kind     string          `json:"kind"`
	WS       string          `json:"ws"`
	Step     string          `json:"step"`
	URL      string          `json:"url"`
	Type     string          `json:"type"`
	Message  json.RawMessage `json:"message"`
	Base64   string          `json:"base64"`
	Header   *binaryHeader   `json:"header"`
	Request  *recRequest     `json:"request"`
	Response *recResponse    `json:"response"`
}

type binaryHeader struct {
	EventType uint32          `json:"event_type"`
	Second    uint32          `json:"second_u32"`
	NodeID    string          `json:"node_id"`
	Text      string          `json:"text"`
	Metadata  json.RawMessage `json:"metadata"`
}

type recRequest struct {
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	URL      string            `json:"url"`
	Headers  map[string]string `json:"headers"`
	Body     json.RawMessage   `json:"body"`
	BodyText *string           `json:"body_text"`
}

type recResponse struct {
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	Body       json.RawMessage   `json:"body"`
	BodyText   *string           `json:"body_text"`
	BodyBase64 string            `json:"body_base64"`
}

func readTranscript(t *testing.T, name string) []record {
	t.Helper()
	f, err := os.Open(filepath.Join(transcriptDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestReplayTranscripts drives one fake through all nine recorded scenarios in file order, as the
// recording drove one real server (state carries over: prompt numbers, the cache 02 hits, the
// history 09 lists), and checks that every socket gets the same message kinds in the same order
// and every HTTP call the same status and response shape.
func TestReplayTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(transcriptDir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 9 {
		t.Fatalf("found %d transcripts, want 9", len(files))
	}
	sort.Strings(files)
	srv := comfytest.New(t)
	srv.Hold()
	ids := map[string]string{}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".jsonl"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			r := &replayer{t: t, ctx: ctx, srv: srv, ids: ids, sockets: map[string]*wsClient{}}
			r.run(readTranscript(t, name))
		})
	}
}

type replayer struct {
	t        *testing.T
	ctx      context.Context
	srv      *comfytest.Server
	ids      map[string]string // recorded prompt id -> the fake's
	sockets  map[string]*wsClient
	expected map[string][]record
}

func (r *replayer) run(recs []record) {
	r.expected = map[string][]record{}
	for i, rec := range recs {
		switch rec.Kind {
		case "ws_text", "ws_binary":
			r.expected[rec.WS] = append(r.expected[rec.WS], rec)
			continue
		case "meta", "ws_closed", "note":
			continue
		}
		r.sync(recs[:i], rec)
		switch rec.Kind {
		case "ws_open":
			r.open(rec)
		case "ws_send":
			r.send(rec)
		case "ws_close":
			r.close(rec)
		case "http":
			r.http(rec)
		default:
			r.t.Fatalf("seq %d: unknown kind %q", rec.Seq, rec.Kind)
		}
	}
	for label, ws := range r.sockets {
		if !ws.closed {
			r.t.Errorf("socket %s left open by the transcript", label)
		}
	}
	for label, want := range r.expected {
		r.compareFrames(label, want, r.sockets[label].received())
	}
}

// sync lets the held fake run until every frame recorded before the next action has arrived,
// except frames the action itself causes: the recording reads a WebSocket and HTTP responses
// concurrently, so a POST's status broadcast may be logged before the POST's own response.
func (r *replayer) sync(before []record, next record) {
	for {
		if err := r.srv.Settle(r.ctx); err != nil {
			r.t.Fatalf("seq %d: settle: %v", next.Seq, err)
		}
		for _, ws := range r.sockets {
			if !ws.closed {
				ws.waitCount(r.ctx, r.t, r.srv.FramesSent(ws.sid))
			}
		}
		missing := r.missing(before)
		if len(missing) == 0 {
			return
		}
		onlyStatus := !slices.ContainsFunc(missing, func(rec record) bool { return rec.Type != "status" })
		if onlyStatus && causesStatus(next) {
			return
		}
		if _, err := r.heldNow(); err != nil {
			return
		}
		r.srv.Step()
	}
}

func (r *replayer) heldNow() (comfytest.Checkpoint, error) {
	ctx, cancel := context.WithCancel(r.ctx)
	cancel()
	return r.srv.WaitHeld(ctx)
}

func causesStatus(rec record) bool {
	return rec.Kind == "http" && rec.Request.Method == http.MethodPost &&
		(rec.Request.Path == "/prompt" || rec.Request.Path == "/queue")
}

func (r *replayer) missing(before []record) []record {
	seen := map[string]int{}
	var out []record
	for _, rec := range before {
		if rec.Kind != "ws_text" && rec.Kind != "ws_binary" {
			continue
		}
		idx := seen[rec.WS]
		seen[rec.WS]++
		ws := r.sockets[rec.WS]
		if ws == nil || ws.closed {
			continue
		}
		if idx >= ws.count() {
			out = append(out, rec)
		}
	}
	return out
}

func (r *replayer) open(rec record) {
	u := "ws://" + r.srv.Addr() + rec.URL
	conn, _, err := websocket.Dial(r.ctx, u, nil)
	if err != nil {
		r.t.Fatalf("seq %d: dial %s: %v", rec.Seq, u, err)
	}
	conn.SetReadLimit(64 << 20)
	ws := newWSClient(conn)
	r.sockets[rec.WS] = ws
	ws.waitCount(r.ctx, r.t, 1)
	var first struct {
		Data struct {
			SID string `json:"sid"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ws.received()[0].data, &first); err != nil || first.Data.SID == "" {
		r.t.Fatalf("seq %d: first frame has no sid: %s", rec.Seq, ws.received()[0].data)
	}
	ws.sid = first.Data.SID
}

func (r *replayer) send(rec record) {
	ws := r.sockets[rec.WS]
	if err := ws.conn.Write(r.ctx, websocket.MessageText, rec.Message); err != nil {
		r.t.Fatalf("seq %d: send: %v", rec.Seq, err)
	}
	var msg struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(rec.Message, &msg)
	if msg.Type == "feature_flags" {
		// The server answers before anything else is sent, as the recording shows.
		ws.waitType(r.ctx, r.t, "feature_flags")
	}
}

func (r *replayer) close(rec record) {
	ws := r.sockets[rec.WS]
	if err := ws.conn.Close(websocket.StatusNormalClosure, ""); err != nil {
		r.t.Errorf("seq %d: close: %v", rec.Seq, err)
	}
	<-ws.done
	ws.closed = true
}

// mapIDs rewrites recorded prompt ids to the ones the fake issued.
func (r *replayer) mapIDs(s string) string {
	for rec, got := range r.ids {
		s = strings.ReplaceAll(s, rec, got)
	}
	return s
}

func (r *replayer) http(rec record) {
	req := rec.Request
	var body io.Reader
	switch {
	case req.BodyText != nil:
		body = strings.NewReader(*req.BodyText)
	case len(req.Body) > 0:
		body = strings.NewReader(r.mapIDs(string(req.Body)))
	}
	hreq, err := http.NewRequestWithContext(r.ctx, req.Method, "http://"+r.srv.Addr()+r.mapIDs(req.URL), body)
	if err != nil {
		r.t.Fatal(err)
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		r.t.Fatalf("seq %d %s: %v", rec.Seq, rec.Step, err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		r.t.Fatal(err)
	}
	want := rec.Response
	where := fmt.Sprintf("seq %d %s (%s %s)", rec.Seq, rec.Step, req.Method, req.URL)
	if resp.StatusCode != want.Status {
		r.t.Errorf("%s: status %d, want %d; body %.300s", where, resp.StatusCode, want.Status, got)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != want.Headers["Content-Type"] {
		r.t.Errorf("%s: Content-Type %q, want %q", where, ct, want.Headers["Content-Type"])
	}
	switch {
	case len(want.Body) > 0:
		var w, g any
		if err := json.Unmarshal(want.Body, &w); err != nil {
			r.t.Fatal(err)
		}
		if err := json.Unmarshal(got, &g); err != nil {
			r.t.Errorf("%s: body is not JSON: %.300s", where, got)
			return
		}
		if req.Method == http.MethodPost && req.Path == "/prompt" && want.Status == http.StatusOK {
			r.ids[w.(map[string]any)["prompt_id"].(string)] = g.(map[string]any)["prompt_id"].(string)
		}
		compareShape(r.t, where, rec.Step, "", w, g, r.ids)
	case want.BodyText != nil:
		if string(got) != *want.BodyText {
			r.t.Errorf("%s: body %q, want %q", where, got, *want.BodyText)
		}
	case want.BodyBase64 != "":
		wantBytes, err := base64.StdEncoding.DecodeString(want.BodyBase64)
		if err != nil {
			r.t.Fatal(err)
		}
		wc, _, err := image.DecodeConfig(bytes.NewReader(wantBytes))
		if err != nil {
			r.t.Fatal(err)
		}
		gc, _, err := image.DecodeConfig(bytes.NewReader(got))
		if err != nil {
			r.t.Errorf("%s: not an image: %v", where, err)
			return
		}
		if wc.Width != gc.Width || wc.Height != gc.Height {
			r.t.Errorf("%s: image %dx%d, want %dx%d", where, gc.Width, gc.Height, wc.Width, wc.Height)
		}
		if resp.Header.Get("Content-Disposition") != want.Headers["Content-Disposition"] &&
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "filename=") {
			r.t.Errorf("%s: Content-Disposition %q", where, resp.Header.Get("Content-Disposition"))
		}
	default:
		if len(got) != 0 {
			r.t.Errorf("%s: body %q, want empty", where, got)
		}
	}
}

// kind names a frame for sequence comparison: the JSON type, or "binary:<event>".
func kind(rec record) string {
	if rec.Kind == "ws_binary" {
		return fmt.Sprintf("binary:%d", rec.Header.EventType)
	}
	return rec.Type
}

func frameKind(f frame) string {
	if f.typ == websocket.MessageBinary {
		if len(f.data) < 4 {
			return "binary:short"
		}
		return fmt.Sprintf("binary:%d", binary.BigEndian.Uint32(f.data))
	}
	var m struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(f.data, &m)
	return m.Type
}

func (r *replayer) compareFrames(label string, want []record, got []frame) {
	wantKinds := make([]string, len(want))
	for i, w := range want {
		wantKinds[i] = kind(w)
	}
	gotKinds := make([]string, len(got))
	for i, g := range got {
		gotKinds[i] = frameKind(g)
	}
	if !slices.Equal(wantKinds, gotKinds) {
		r.t.Errorf("socket %s: message kinds differ\n got: %v\nwant: %v", label, gotKinds, wantKinds)
		return
	}
	for i, w := range want {
		where := fmt.Sprintf("socket %s frame %d (seq %d, %s)", label, i, w.Seq, wantKinds[i])
		if w.Kind == "ws_text" {
			var wm, gm any
			_ = json.Unmarshal(w.Message, &wm)
			if err := json.Unmarshal(got[i].data, &gm); err != nil {
				r.t.Errorf("%s: not JSON: %v", where, err)
				continue
			}
			compareShape(r.t, where, "", "", wm, gm, r.ids)
			continue
		}
		compareBinary(r.t, where, w, got[i].data)
	}
}

func compareBinary(t *testing.T, where string, want record, got []byte) {
	t.Helper()
	if len(got) < 8 {
		t.Errorf("%s: frame of %d bytes", where, len(got))
		return
	}
	second := binary.BigEndian.Uint32(got[4:8])
	switch want.Header.EventType {
	case 1:
		if second != want.Header.Second {
			t.Errorf("%s: image format %d, want %d", where, second, want.Header.Second)
		}
		if _, _, err := image.DecodeConfig(bytes.NewReader(got[8:])); err != nil {
			t.Errorf("%s: preview does not decode: %v", where, err)
		}
	case 3:
		if int(second) > len(got)-8 {
			t.Errorf("%s: node id length %d out of range", where, second)
			return
		}
		node, text := string(got[8:8+second]), string(got[8+second:])
		if node != want.Header.NodeID || text != want.Header.Text {
			t.Errorf("%s: text frame (%q, %q), want (%q, %q)", where, node, text, want.Header.NodeID, want.Header.Text)
		}
	case 4:
		if int(second) > len(got)-8 {
			t.Errorf("%s: metadata length %d out of range", where, second)
			return
		}
		var wm, gm any
		_ = json.Unmarshal(want.Header.Metadata, &wm)
		if err := json.Unmarshal(got[8:8+second], &gm); err != nil {
			t.Errorf("%s: metadata is not JSON: %v", where, err)
			return
		}
		compareShape(t, where, "", "", wm, gm, nil)
		if _, _, err := image.DecodeConfig(bytes.NewReader(got[8+second:])); err != nil {
			t.Errorf("%s: preview does not decode: %v", where, err)
		}
	}
}

// exactString reports keys whose string values must match the recording exactly; other
// strings (ids, file names) legitimately vary.
func exactString(key string) bool {
	switch key {
	case "type", "message", "details", "class_type", "status_str", "input_name", "node_type",
		"exception_type", "exception_message", "state", "image_type", "subfolder", "comfyui_version":
		return true
	}
	return false
}

// exactNumber reports keys whose numbers must match: queue sizes and progress.
func exactNumber(key string) bool {
	return key == "queue_remaining" || key == "value" || key == "max"
}

// looseLength reports arrays whose length may differ: tracebacks, argv, and model lists (the
// recorded server had no model files, the fake lists some).
func looseLength(step, path string) bool {
	return strings.HasSuffix(path, ".traceback") || strings.HasSuffix(path, ".argv") ||
		strings.Contains(path, ".input.required.") || strings.Contains(path, ".input.optional.") ||
		step == "models_checkpoints"
}

func compareShape(t *testing.T, where, step, path string, want, got any, ids map[string]string) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: %s is %T, want an object", where, path, got)
			return
		}
		var wantKeys, gotKeys []string
		mapped := map[string]string{}
		for k := range w {
			mk := k
			if id, ok := ids[k]; ok {
				mk = id
			}
			mapped[mk] = k
			wantKeys = append(wantKeys, mk)
		}
		for k := range g {
			gotKeys = append(gotKeys, k)
		}
		sort.Strings(wantKeys)
		sort.Strings(gotKeys)
		if !slices.Equal(wantKeys, gotKeys) {
			t.Errorf("%s: %s keys %v, want %v", where, path, gotKeys, wantKeys)
			return
		}
		for mk, k := range mapped {
			compareShape(t, where, step, path+"."+k, w[k], g[mk], ids)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			t.Errorf("%s: %s is %T, want an array", where, path, got)
			return
		}
		if looseLength(step, path) {
			if len(w) > 0 && len(g) > 0 {
				compareShape(t, where, step, path+"[0]", w[0], g[0], ids)
			}
			return
		}
		if len(w) != len(g) {
			t.Errorf("%s: %s has %d elements, want %d", where, path, len(g), len(w))
			return
		}
		for i := range w {
			compareShape(t, where, step, fmt.Sprintf("%s[%d]", path, i), w[i], g[i], ids)
		}
	case string:
		g, ok := got.(string)
		if !ok {
			t.Errorf("%s: %s is %T, want a string", where, path, got)
			return
		}
		key := lastKey(path)
		if exactString(key) && g != w {
			t.Errorf("%s: %s = %q, want %q", where, path, g, w)
		}
		if key == "filename" && ids != nil && g != w {
			// Later requests name this file (e.g. /view of a temp preview with a random prefix).
			ids[w] = g
		}
	case float64:
		g, ok := got.(float64)
		if !ok {
			t.Errorf("%s: %s is %T, want a number", where, path, got)
			return
		}
		if exactNumber(lastKey(path)) && g != w {
			t.Errorf("%s: %s = %v, want %v", where, path, g, w)
		}
	case bool:
		if _, ok := got.(bool); !ok {
			t.Errorf("%s: %s is %T, want a bool", where, path, got)
		}
	case nil:
		if got != nil {
			t.Errorf("%s: %s is %v, want null", where, path, got)
		}
	}
}

func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

type frame struct {
	typ  websocket.MessageType
	data []byte
}

// wsClient reads a socket in the background and keeps every frame.
type wsClient struct {
	conn   *websocket.Conn
	sid    string
	closed bool
	done   chan struct{}

	mu      sync.Mutex
	frames  []frame
	changed chan struct{}
}

func newWSClient(conn *websocket.Conn) *wsClient {
	ws := &wsClient{conn: conn, done: make(chan struct{}), changed: make(chan struct{})}
	go func() {
		defer close(ws.done)
		for {
			typ, data, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			ws.mu.Lock()
			ws.frames = append(ws.frames, frame{typ, data})
			close(ws.changed)
			ws.changed = make(chan struct{})
			ws.mu.Unlock()
		}
	}()
	return ws
}

func (ws *wsClient) count() int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return len(ws.frames)
}

func (ws *wsClient) received() []frame {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return slices.Clone(ws.frames)
}

func (ws *wsClient) waitUntil(ctx context.Context, t *testing.T, what string, cond func([]frame) bool) {
	t.Helper()
	for {
		ws.mu.Lock()
		ok := cond(ws.frames)
		ch := ws.changed
		ws.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-ws.done:
			if ws.count() == 0 || !cond(ws.received()) {
				t.Fatalf("socket closed while waiting for %s", what)
			}
			return
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

func (ws *wsClient) waitCount(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	ws.waitUntil(ctx, t, fmt.Sprintf("%d frames", n), func(f []frame) bool { return len(f) >= n })
}

func (ws *wsClient) waitType(ctx context.Context, t *testing.T, typ string) {
	t.Helper()
	ws.waitUntil(ctx, t, typ, func(fs []frame) bool {
		return slices.ContainsFunc(fs, func(f frame) bool { return frameKind(f) == typ })
	})
}
