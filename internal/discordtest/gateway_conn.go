package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

const gatewayWriteTimeout = 5 * time.Second

// framer turns payloads into frames of a transport-compressed stream: one
// compression stream per connection, flushed after every payload, as Discord
// does for zstd-stream and zlib-stream.
type framer interface {
	frame(payload []byte) ([]byte, error)
	close()
}

type zstdFramer struct {
	buf bytes.Buffer
	enc *zstd.Encoder
}

func newZstdFramer() (*zstdFramer, error) {
	f := &zstdFramer{}
	enc, err := zstd.NewWriter(&f.buf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	f.enc = enc
	return f, nil
}

func (f *zstdFramer) frame(p []byte) ([]byte, error) {
	if _, err := f.enc.Write(p); err != nil {
		return nil, fmt.Errorf("zstd write: %w", err)
	}
	if err := f.enc.Flush(); err != nil {
		return nil, fmt.Errorf("zstd flush: %w", err)
	}
	out := bytes.Clone(f.buf.Bytes())
	f.buf.Reset()
	return out, nil
}

func (f *zstdFramer) close() { _ = f.enc.Close() }

type zlibFramer struct {
	buf bytes.Buffer
	w   *zlib.Writer
}

func newZlibFramer() *zlibFramer {
	f := &zlibFramer{}
	f.w = zlib.NewWriter(&f.buf)
	return f
}

// frame ends every payload with a sync flush, the 00 00 ff ff suffix
// clients look for.
func (f *zlibFramer) frame(p []byte) ([]byte, error) {
	if _, err := f.w.Write(p); err != nil {
		return nil, fmt.Errorf("zlib write: %w", err)
	}
	if err := f.w.Flush(); err != nil {
		return nil, fmt.Errorf("zlib flush: %w", err)
	}
	out := bytes.Clone(f.buf.Bytes())
	f.buf.Reset()
	return out, nil
}

func (f *zlibFramer) close() { _ = f.w.Close() }

// gwConn is one gateway WebSocket connection.
type gwConn struct {
	ws *websocket.Conn

	wmu    sync.Mutex
	framer framer // nil: plain text frames

	rec int // its index in gatewayHub.history, set before it is shared

	// guarded by gateway.mu
	sess *session
}

// send writes one gateway payload.
func (c *gwConn) send(v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("marshal gateway payload: %w", err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(gatewayWriteTimeout))
	if c.framer == nil {
		return c.ws.WriteMessage(websocket.TextMessage, p)
	}
	frame, err := c.framer.frame(p)
	if err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.BinaryMessage, frame)
}

// closeWith sends a close frame with a Discord close code, then drops the
// connection.
func (c *gwConn) closeWith(code int, reason string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(gatewayWriteTimeout))
	c.wmu.Unlock()
	_ = c.ws.Close()
}

// drop kills the TCP connection without a close frame, like a network fault.
func (c *gwConn) drop() { _ = c.ws.NetConn().Close() }

func (c *gwConn) release() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.framer != nil {
		c.framer.close()
	}
}

// gatewayPayload is a server-to-client gateway message; s and t are null
// outside dispatches, as Discord sends them.
type gatewayPayload struct {
	Op int     `json:"op"`
	D  any     `json:"d"`
	S  *int    `json:"s"`
	T  *string `json:"t"`
}
