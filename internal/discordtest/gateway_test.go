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
