package discordtest_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// zlibStream reads a zlib-stream gateway connection: one zlib stream across
// frames, each payload ending with a sync flush.
type zlibStream struct {
	ws  *websocket.Conn
	buf bytes.Buffer
	zr  io.ReadCloser
	dec *json.Decoder
}

func (z *zlibStream) next(t *testing.T) map[string]any {
	t.Helper()
	_, frame, err := z.ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.HasSuffix(frame, []byte{0, 0, 0xff, 0xff}) {
		t.Fatalf("frame does not end with a sync flush: % x", frame[len(frame)-4:])
	}
	z.buf.Write(frame)
	if z.zr == nil {
		if z.zr, err = zlib.NewReader(&z.buf); err != nil {
			t.Fatal(err)
		}
		z.dec = json.NewDecoder(z.zr)
	}
	var m map[string]any
	if err := z.dec.Decode(&m); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return m
}

func TestGatewayHandshake(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithRecordedViolations(), discordtest.WithHeartbeatInterval(1234*time.Millisecond))
	srv.AddGuild("Studio")
	tests := []struct {
		name      string
		query     string
		token     string
		closeCode int
		violation string
	}{
		{"zlib-stream identify", "?v=10&encoding=json&compress=zlib-stream", srv.Token(), 0, ""},
		{"bad token", "?v=10&encoding=json&compress=zlib-stream", "Bot nope", 4004, ""},
		{"old API version", "?v=9&encoding=json&compress=zlib-stream", "", 4012, "v=\"9\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(srv.Violations())
			ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), srv.GatewayURL()+tc.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			z := &zlibStream{ws: ws}
			if tc.closeCode == 4012 {
				_, _, err := ws.ReadMessage()
				if !websocket.IsCloseError(err, tc.closeCode) || !strings.Contains(strings.Join(srv.Violations()[n:], ""), tc.violation) {
					t.Fatalf("read = %v, violations %q", err, srv.Violations()[n:])
				}
				return
			}
			hello := z.next(t)
			if hello["op"] != 10.0 || hello["d"].(map[string]any)["heartbeat_interval"] != 1234.0 {
				t.Fatalf("HELLO = %v", hello)
			}
			identify := map[string]any{"op": 2, "d": map[string]any{"token": tc.token, "intents": 1, "properties": map[string]any{"os": "linux"}}}
			if err := ws.WriteJSON(identify); err != nil {
				t.Fatal(err)
			}
			if tc.closeCode != 0 {
				_, _, err := ws.ReadMessage()
				if !websocket.IsCloseError(err, tc.closeCode) {
					t.Fatalf("read = %v, want close %d", err, tc.closeCode)
				}
				return
			}
			ready := z.next(t)
			d, _ := ready["d"].(map[string]any)
			if ready["t"] != "READY" || ready["s"] != 1.0 || d["resume_gateway_url"] != srv.GatewayURL() || d["session_id"] == "" {
				t.Fatalf("READY = %v", ready)
			}
			if guild := z.next(t); guild["t"] != "GUILD_CREATE" || guild["s"] != 2.0 {
				t.Fatalf("GUILD_CREATE = %v", guild)
			}
			if err := ws.WriteJSON(map[string]any{"op": 1, "d": 2}); err != nil {
				t.Fatal(err)
			}
			if ack := z.next(t); ack["op"] != 11.0 {
				t.Fatalf("heartbeat ACK = %v", ack)
			}
		})
	}
}

// GatewayConnections records when each connection opened and when the
// server saw it end, so a test can tell whether two bots ever held the
// gateway at once.
func TestGatewayConnectionsRecordOpenAndClose(t *testing.T) {
	srv := discordtest.New(t)
	dial := func() *websocket.Conn {
		t.Helper()
		ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), srv.GatewayURL()+"?v=10&encoding=json", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		if _, _, err := ws.ReadMessage(); err != nil { // HELLO: the server has counted it
			t.Fatalf("read HELLO: %v", err)
		}
		return ws
	}
	if got := srv.GatewayConnections(); len(got) != 0 {
		t.Fatalf("before any connection: %+v", got)
	}
	first := dial()
	dial()
	if got := srv.GatewayConnections(); len(got) != 2 || !got[0].Open() || !got[1].Open() || got[1].Opened.Before(got[0].Opened) {
		t.Fatalf("two connections: %+v, want both open, in order", got)
	}

	// The server sees the end when its read fails, a moment later.
	first.Close()
	deadline := time.After(5 * time.Second)
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	got := srv.GatewayConnections()
	for got[0].Open() {
		select {
		case <-deadline:
			t.Fatalf("the server did not see the first connection end: %+v", got)
		case <-poll.C:
		}
		got = srv.GatewayConnections()
	}
	if got[0].Closed.Before(got[0].Opened) || !got[1].Open() {
		t.Fatalf("after the first closed: %+v, want it closed after it opened and the second open", got)
	}
}
