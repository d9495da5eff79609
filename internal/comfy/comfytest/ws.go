package comfytest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
)

// socket is one WebSocket client. Frames are queued under Server.mu, so every socket sees
// messages in the order the server produced them, as with ComfyUI's single send queue.
type socket struct {
	sid      string
	conn     *websocket.Conn
	out      chan wsFrame
	metadata bool // the client asked for preview metadata (binary event 4)
	first    bool // no client message seen yet; only the first may negotiate features
	sent     int
	closed   bool
}

type wsFrame struct {
	typ  websocket.MessageType
	data []byte
}

// socketQueue bounds the frames waiting for a slow client; a client that falls this far behind
// is disconnected, which is what a real server's send buffer would eventually do too.
const socketQueue = 16384

const (
	eventPreviewImage             = 1
	eventText                     = 3
	eventPreviewImageWithMetadata = 4
)

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.log.Debug("comfytest: websocket accept", "err", err)
		return
	}
	conn.SetReadLimit(1 << 20)
	sid := r.URL.Query().Get("clientId")
	if sid == "" {
		sid = strings.ReplaceAll(uuid.NewString(), "-", "")
	}
	sock := &socket{sid: sid, conn: conn, out: make(chan wsFrame, socketQueue), first: true}

	s.mu.Lock()
	if s.down || s.ctx.Err() != nil {
		s.mu.Unlock()
		_ = conn.CloseNow()
		return
	}
	s.sockets[sid] = sock
	s.conns[sock] = struct{}{}
	s.sendLocked(sock, "status", object{{"status", s.queueInfoLocked()}, {"sid", sid}})
	if j := s.st.running; j != nil && j.clientID == sid && s.st.lastNode != "" {
		// A client that reconnects during its own prompt learns which node is running.
		s.sendLocked(sock, "executing", object{{"node", s.st.lastNode}})
	}
	s.changedLocked()
	// Registered under mu so Close, which takes mu before waiting, never misses these goroutines.
	s.wg.Add(1)
	s.wg.Go(func() { s.writeLoop(sock) })
	s.mu.Unlock()

	defer s.wg.Done()
	s.readLoop(sock)
}

func (s *Server) writeLoop(sock *socket) {
	for f := range sock.out {
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		err := sock.conn.Write(ctx, f.typ, f.data)
		cancel()
		if err != nil {
			_ = sock.conn.CloseNow()
			s.mu.Lock()
			s.detachLocked(sock)
			s.mu.Unlock()
			for range sock.out {
			}
			return
		}
	}
}

func (s *Server) readLoop(sock *socket) {
	defer func() {
		s.mu.Lock()
		s.detachLocked(sock)
		s.mu.Unlock()
		_ = sock.conn.CloseNow()
	}()
	for {
		typ, data, err := sock.conn.Read(s.ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		var msg struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		parsed := json.Unmarshal(data, &msg) == nil
		s.mu.Lock()
		if sock.first && parsed && msg.Type == "feature_flags" {
			var flags map[string]any
			_ = json.Unmarshal(msg.Data, &flags)
			sock.metadata = flags["supports_preview_metadata"] == true
			s.sendLocked(sock, "feature_flags", features())
		}
		sock.first = false
		s.mu.Unlock()
	}
}

// detachLocked forgets a socket; its queue is closed so the writer ends.
func (s *Server) detachLocked(sock *socket) {
	if sock.closed {
		return
	}
	sock.closed = true
	if s.sockets[sock.sid] == sock {
		delete(s.sockets, sock.sid)
	}
	delete(s.conns, sock)
	close(sock.out)
	s.changedLocked()
}

func (s *Server) dropSocketsLocked() {
	for sock := range s.conns {
		_ = sock.conn.CloseNow()
		s.detachLocked(sock)
	}
}

func (s *Server) sendLocked(sock *socket, typ string, data any) {
	if sock == nil || sock.closed {
		return
	}
	if f, ok := s.textFrameLocked(typ, data); ok {
		s.enqueueLocked(sock, f)
	}
}

func (s *Server) textFrameLocked(typ string, data any) (wsFrame, bool) {
	b, err := s.encodeLocked(func(b []byte) ([]byte, error) { return appendMessage(b, typ, data) })
	if err != nil {
		s.log.Error("comfytest: encode message", "type", typ, "err", err)
		return wsFrame{}, false
	}
	return wsFrame{websocket.MessageText, b}, true
}

// encodeLocked runs enc on the server's scratch buffer, which has grown to the largest message,
// and returns a copy of the result: one allocation of the right size instead of a buffer grown
// step by step, since the bytes outlive the call.
func (s *Server) encodeLocked(enc func([]byte) ([]byte, error)) ([]byte, error) {
	b, err := enc(s.scratch[:0])
	if err != nil {
		return nil, err
	}
	s.scratch = b
	return bytes.Clone(b), nil
}

func (s *Server) enqueueLocked(sock *socket, f wsFrame) {
	if sock == nil || sock.closed {
		return
	}
	select {
	case sock.out <- f:
		sock.sent++
	default:
		s.log.Warn("comfytest: client too slow, dropping socket", "sid", sock.sid)
		_ = sock.conn.CloseNow()
		s.detachLocked(sock)
	}
}

// route says who receives a message, following ComfyUI's send(event, data, sid) calls.
type route int

const (
	toAll         route = iota // sid None
	toClient                   // server.client_id: the submitting client, nobody if it had none
	toClientOrAll              // the submitting client, or everyone when it had none
)

func (s *Server) emitLocked(clientID string, r route, typ string, data any) {
	switch {
	case r == toAll || (r == toClientOrAll && clientID == ""):
		s.broadcastLocked(typ, data)
	case clientID != "":
		s.sendLocked(s.sockets[clientID], typ, data)
	}
}

// broadcastLocked encodes a message once for every socket: frames are never modified after
// they are queued, so the sockets can share one.
func (s *Server) broadcastLocked(typ string, data any) {
	if len(s.conns) == 0 {
		return
	}
	f, ok := s.textFrameLocked(typ, data)
	if !ok {
		return
	}
	for sock := range s.conns {
		s.enqueueLocked(sock, f)
	}
}

func (s *Server) broadcastStatusLocked() {
	s.emitLocked("", toAll, "status", object{{"status", s.queueInfoLocked()}})
}

func (s *Server) queueInfoLocked() object {
	n := len(s.st.pending)
	if s.st.running != nil {
		n++
	}
	return object{{"exec_info", object{{"queue_remaining", n}}}}
}

// wantsMetadata reports whether previews for this client go out as event 4.
func (s *Server) wantsMetadataLocked(clientID string) bool {
	sock := s.sockets[clientID]
	return clientID != "" && sock != nil && sock.metadata
}

func binaryFrame(event uint32, second uint32, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	b := make([]byte, 8, n)
	binary.BigEndian.PutUint32(b[0:4], event)
	binary.BigEndian.PutUint32(b[4:8], second)
	for _, p := range payload {
		b = append(b, p...)
	}
	return b
}

// sendPreviewLocked sends an image as event 4 (with metadata) to a client that negotiated it.
func (s *Server) sendPreviewMetadataLocked(j *job, nodeID, mime string, img []byte) {
	meta, err := appendJSON(nil, object{{"node_id", nodeID}, {"prompt_id", j.id}, {"display_node_id", nodeID},
		{"parent_node_id", nil}, {"real_node_id", nodeID}, {"image_type", mime}})
	if err != nil {
		return
	}
	s.enqueueLocked(s.sockets[j.clientID], wsFrame{websocket.MessageBinary,
		binaryFrame(eventPreviewImageWithMetadata, uint32(len(meta)), meta, img)})
}

// sendPreviewLegacyLocked sends an image as event 1: to the client, or to everyone for a prompt
// submitted without client_id.
func (s *Server) sendPreviewLegacyLocked(j *job, format uint32, img []byte) {
	f := wsFrame{websocket.MessageBinary, binaryFrame(eventPreviewImage, format, img)}
	if j.clientID != "" {
		s.enqueueLocked(s.sockets[j.clientID], f)
		return
	}
	for sock := range s.conns {
		s.enqueueLocked(sock, f)
	}
}

// sendTextLocked sends event 3; core nodes pass no sid, so every socket receives it.
func (s *Server) sendTextLocked(nodeID, text string) {
	f := wsFrame{websocket.MessageBinary, binaryFrame(eventText, uint32(len(nodeID)), []byte(nodeID), []byte(text))}
	for sock := range s.conns {
		s.enqueueLocked(sock, f)
	}
}

// FramesSent is how many frames the server has queued for the socket of clientID (0 if none is
// connected). Tests use it to wait until they have read everything sent so far.
func (s *Server) FramesSent(clientID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sock := s.sockets[clientID]; sock != nil {
		return sock.sent
	}
	return 0
}

// Connected is how many WebSockets are open.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func features() object {
	return object{{"supports_preview_metadata", true}, {"max_upload_size", 104857600}}
}
