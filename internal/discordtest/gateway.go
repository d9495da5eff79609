package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/disgoorg/snowflake/v2"
	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opPresenceUpdate = 3
	opVoiceState     = 4
	opResume         = 6
	opReconnect      = 7
	opRequestMembers = 8
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
	opSoundboard     = 31
)

// Gateway close codes.
const (
	closeUnknownOpcode      = 4001
	closeDecodeError        = 4002
	closeNotAuthenticated   = 4003
	closeAuthFailed         = 4004
	closeAlreadyAuth        = 4005
	closeInvalidShard       = 4010
	closeInvalidAPIVersion  = 4012
	closeSessionReplaced    = 4009
	maxClientPayload        = 4096
	maxSessionLog           = 2000
	disconnectedSessionLife = 5 * time.Minute
)

// gatewayHub holds the sessions of connected (or resumable) bots.
type gatewayHub struct {
	srv *Server

	mu       sync.Mutex
	sessions map[string]*session
	conns    map[*gwConn]struct{}
	history  []GatewayConnection // every connection, by gwConn.rec
	ready    chan struct{}       // closed at the first READY
	isReady  bool
	closed   bool
	down     bool // GatewayDown: every connection is refused
}

type session struct {
	id      string
	shard   [2]int
	intents int
	seq     int
	log     []logEntry
	conn    *gwConn
	lost    time.Time // when conn went away
}

type logEntry struct {
	seq    int
	t      string
	data   json.RawMessage
	replay bool
}

func newGateway(s *Server) *gatewayHub {
	return &gatewayHub{srv: s, sessions: map[string]*session{}, conns: map[*gwConn]struct{}{}, ready: make(chan struct{})}
}

// handles reports whether the session's shard receives events of guildID;
// DM events go to shard 0.
func (s *session) handles(guildID *snowflake.ID) bool {
	if guildID == nil {
		return s.shard[0] == 0
	}
	return int((uint64(*guildID)>>22)%uint64(s.shard[1])) == s.shard[0]
}

func (s *session) append(t string, data json.RawMessage, replay bool) logEntry {
	s.seq++
	e := logEntry{seq: s.seq, t: t, data: data, replay: replay}
	s.log = append(s.log, e)
	if len(s.log) > maxSessionLog {
		s.log = s.log[len(s.log)-maxSessionLog:]
	}
	return e
}

func (c *gwConn) dispatch(e logEntry) error {
	return c.send(gatewayPayload{Op: opDispatch, D: e.data, S: &e.seq, T: &e.t})
}

func (gw *gatewayHub) serve(w http.ResponseWriter, r *http.Request) {
	gw.mu.Lock()
	down := gw.down
	gw.mu.Unlock()
	if down {
		http.Error(w, "the gateway is down", http.StatusServiceUnavailable)
		return
	}
	q := r.URL.Query()
	var fr framer
	switch q.Get("compress") {
	case "":
	case "zstd-stream":
		z, err := newZstdFramer()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fr = z
	case "zlib-stream":
		fr = newZlibFramer()
	default:
		gw.srv.violation("gateway: unsupported compress=%q", q.Get("compress"))
		http.Error(w, "unsupported compression", http.StatusBadRequest)
		return
	}
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(maxClientPayload)
	c := &gwConn{ws: ws, framer: fr}
	gw.mu.Lock()
	if gw.closed {
		gw.mu.Unlock()
		_ = ws.Close()
		return
	}
	gw.conns[c] = struct{}{}
	c.rec = len(gw.history)
	gw.history = append(gw.history, GatewayConnection{Opened: gw.srv.now()})
	gw.mu.Unlock()
	gw.srv.stats.connections.Add(1)
	defer gw.forget(c)

	if v := q.Get("v"); v != "10" {
		gw.srv.violation("gateway: API version v=%q, want 10", v)
		c.closeWith(closeInvalidAPIVersion, "Invalid API version")
		return
	}
	if enc := q.Get("encoding"); enc != "json" {
		gw.srv.violation("gateway: encoding=%q, want json", enc)
		c.closeWith(closeDecodeError, "Error while decoding payload.")
		return
	}
	hello := obj{"heartbeat_interval": gw.srv.opts.HeartbeatInterval.Milliseconds(), "_trace": []string{"discordtest"}}
	if err := c.send(gatewayPayload{Op: opHello, D: hello}); err != nil {
		return
	}
	gw.readLoop(c)
}

// readLoop handles client payloads until the connection ends.
func (gw *gatewayHub) readLoop(c *gwConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			gw.lost(c, err)
			return
		}
		var msg struct {
			Op *int            `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(data, &msg); err != nil || msg.Op == nil {
			gw.srv.violation("gateway: undecodable payload %.200s", data)
			c.closeWith(closeDecodeError, "Error while decoding payload.")
			return
		}
		gw.srv.log.Debug("gateway receive", "op", *msg.Op)
		if !gw.handle(c, *msg.Op, msg.D) {
			return
		}
	}
}

// handle answers one client payload; false ends the connection.
func (gw *gatewayHub) handle(c *gwConn, op int, d json.RawMessage) bool {
	switch op {
	case opHeartbeat:
		return c.send(gatewayPayload{Op: opHeartbeatACK}) == nil
	case opIdentify:
		return gw.identify(c, d)
	case opResume:
		return gw.resume(c, d)
	case opPresenceUpdate, opVoiceState, opRequestMembers, opSoundboard:
		if !gw.authenticated(c) {
			c.closeWith(closeNotAuthenticated, "Not authenticated.")
			return false
		}
		return true
	default:
		gw.srv.violation("gateway: unknown opcode %d", op)
		c.closeWith(closeUnknownOpcode, "Unknown opcode.")
		return false
	}
}

func (gw *gatewayHub) authenticated(c *gwConn) bool {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	return c.sess != nil
}

func (gw *gatewayHub) tokenOK(token string) bool {
	return strings.TrimPrefix(token, "Bot ") == gw.srv.token
}

type identifyData struct {
	Token      string          `json:"token"`
	Intents    *int            `json:"intents"`
	Shard      *[2]int         `json:"shard"`
	Properties json.RawMessage `json:"properties"`
}

func (gw *gatewayHub) identify(c *gwConn, d json.RawMessage) bool {
	var id identifyData
	if err := json.Unmarshal(d, &id); err != nil || id.Intents == nil || len(id.Properties) == 0 {
		gw.srv.violation("gateway: invalid IDENTIFY %.200s", d)
		c.closeWith(closeDecodeError, "Error while decoding payload.")
		return false
	}
	gw.srv.stats.identifies.Add(1)
	if !gw.tokenOK(id.Token) {
		c.closeWith(closeAuthFailed, "Authentication failed.")
		return false
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	if shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1] {
		c.closeWith(closeInvalidShard, "Invalid shard.")
		return false
	}

	gw.mu.Lock()
	defer gw.mu.Unlock()
	if c.sess != nil {
		c.closeWith(closeAlreadyAuth, "Already authenticated.")
		return false
	}
	gw.expireLocked()
	sess := &session{id: newSessionID(), shard: shard, intents: *id.Intents, conn: c}
	gw.sessions[sess.id] = sess
	c.sess = sess

	ready, guilds := gw.srv.readyPayload(sess)
	raw, _ := json.Marshal(ready)
	// count first: the client may act on READY before this returns
	gw.srv.stats.sessions.Add(1)
	if err := c.dispatch(sess.append("READY", raw, false)); err != nil {
		return false
	}
	for _, g := range guilds {
		if err := c.dispatch(sess.append("GUILD_CREATE", g, true)); err != nil {
			return false
		}
	}
	if !gw.isReady {
		gw.isReady = true
		close(gw.ready)
	}
	return true
}

type resumeData struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       *int   `json:"seq"`
}

func (gw *gatewayHub) resume(c *gwConn, d json.RawMessage) bool {
	var rd resumeData
	if err := json.Unmarshal(d, &rd); err != nil || rd.SessionID == "" || rd.Seq == nil {
		gw.srv.violation("gateway: invalid RESUME %.200s", d)
		c.closeWith(closeDecodeError, "Error while decoding payload.")
		return false
	}
	if !gw.tokenOK(rd.Token) {
		c.closeWith(closeAuthFailed, "Authentication failed.")
		return false
	}
	gw.mu.Lock()
	defer gw.mu.Unlock()
	sess := gw.sessions[rd.SessionID]
	if sess == nil || *rd.Seq > sess.seq || (len(sess.log) > 0 && *rd.Seq < sess.log[0].seq-1) {
		delete(gw.sessions, rd.SessionID)
		gw.srv.stats.failedResumes.Add(1)
		return c.send(gatewayPayload{Op: opInvalidSession, D: false}) == nil
	}
	if old := sess.conn; old != nil && old != c {
		old.sess = nil
		go old.closeWith(closeSessionReplaced, "Session replaced.")
	}
	sess.conn = c
	c.sess = sess
	for _, e := range sess.log {
		if e.seq > *rd.Seq && e.replay {
			if err := c.dispatch(e); err != nil {
				return false
			}
		}
	}
	gw.srv.stats.resumes.Add(1)
	return c.dispatch(sess.append("RESUMED", json.RawMessage(`{"_trace":["discordtest"]}`), false)) == nil
}

// lost detaches a connection that ended. A client closing with 1000 or
// 1001 ends its session, as on Discord; anything else (a dropped
// connection, 1012 before a resume) leaves it resumable.
func (gw *gatewayHub) lost(c *gwConn, err error) {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	sess := gw.detachLocked(c)
	if sess != nil && websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
		delete(gw.sessions, sess.id)
	}
}

func (gw *gatewayHub) detachLocked(c *gwConn) *session {
	sess := c.sess
	if sess == nil {
		return nil
	}
	c.sess = nil
	if sess.conn == c {
		sess.conn = nil
		sess.lost = time.Now()
	}
	return sess
}

// forget drops a finished connection, including ones the server closed.
func (gw *gatewayHub) forget(c *gwConn) {
	gw.mu.Lock()
	delete(gw.conns, c)
	gw.detachLocked(c)
	gw.history[c.rec].Closed = gw.srv.now()
	gw.mu.Unlock()
	_ = c.ws.Close()
	c.release()
}

// expireLocked forgets sessions nobody resumed in time.
func (gw *gatewayHub) expireLocked() {
	for id, s := range gw.sessions {
		if s.conn == nil && !s.lost.IsZero() && time.Since(s.lost) > disconnectedSessionLife {
			delete(gw.sessions, id)
		}
	}
}

// dispatch sends an event to every session that should get it; sessions
// that are disconnected keep it for replay on RESUME. intent 0 means the
// event needs no intent.
func (gw *gatewayHub) dispatch(guildID *snowflake.ID, intent int, t string, d any) {
	gw.dispatchVariants(guildID, t, []any{d}, func(intents int) int {
		if intent != 0 && intents&intent == 0 {
			return -1
		}
		return 0
	})
}

// dispatchVariants is dispatch for an event whose payload depends on the
// session's intents (MESSAGE_CREATE without Message Content): pick returns
// the index of the session's payload, or -1 to leave the session out.
func (gw *gatewayHub) dispatchVariants(guildID *snowflake.ID, t string, payloads []any, pick func(intents int) int) {
	raw := make([]json.RawMessage, len(payloads))
	for i, d := range payloads {
		data, err := json.Marshal(d)
		if err != nil {
			gw.srv.violation("fake bug: marshal %s: %v", t, err)
			return
		}
		raw[i] = data
	}
	gw.mu.Lock()
	defer gw.mu.Unlock()
	for _, s := range gw.sessions {
		i := pick(s.intents)
		if i < 0 || !s.handles(guildID) {
			continue
		}
		e := s.append(t, raw[i], true)
		if s.conn != nil {
			_ = s.conn.dispatch(e)
		}
	}
}

// waitReady blocks until a bot has identified.
func (gw *gatewayHub) waitReady(ctx context.Context) error {
	select {
	case <-gw.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no bot connected to the gateway: %w", context.Cause(ctx))
	}
}

func (gw *gatewayHub) live() []*gwConn {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	var out []*gwConn
	for c := range gw.conns {
		out = append(out, c)
	}
	return out
}

func (gw *gatewayHub) close() {
	gw.mu.Lock()
	gw.closed = true
	conns := make([]*gwConn, 0, len(gw.conns))
	for c := range gw.conns {
		conns = append(conns, c)
	}
	gw.mu.Unlock()
	for _, c := range conns {
		c.drop()
	}
}

// GatewayConnection is one gateway WebSocket connection as the server saw
// it, on its clock (Options.Now).
type GatewayConnection struct {
	Opened time.Time // when the server accepted it
	Closed time.Time // when the server saw it end; zero while it is open
}

// Open reports whether the connection has not ended yet.
func (c GatewayConnection) Open() bool { return c.Closed.IsZero() }

// GatewayConnections returns every gateway connection so far, open or
// closed, in the order they were accepted: whether two bots ever held the
// gateway at once.
func (s *Server) GatewayConnections() []GatewayConnection {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return slices.Clone(s.gw.history)
}

// DropGateway cuts every gateway connection without a close frame, as a
// network fault would; bots then resume.
func (s *Server) DropGateway() {
	for _, c := range s.gw.live() {
		c.drop()
	}
}

// GatewayDown cuts every gateway connection and refuses new ones, as an
// outage of Discord's gateway would, until GatewayUp. REST goes on.
func (s *Server) GatewayDown() {
	s.gw.mu.Lock()
	s.gw.down = true
	s.gw.mu.Unlock()
	s.DropGateway()
}

// GatewayUp ends GatewayDown: bots may connect again, and resume.
func (s *Server) GatewayUp() {
	s.gw.mu.Lock()
	s.gw.down = false
	s.gw.mu.Unlock()
}

// ReconnectGateway asks every connected bot to reconnect (opcode 7); they
// then resume.
func (s *Server) ReconnectGateway() {
	for _, c := range s.gw.live() {
		_ = c.send(gatewayPayload{Op: opReconnect})
	}
}

// InvalidateSessions ends every session (opcode 9, not resumable); bots then
// identify again.
func (s *Server) InvalidateSessions() {
	s.gw.mu.Lock()
	clear(s.gw.sessions)
	conns := make([]*gwConn, 0, len(s.gw.conns))
	for c := range s.gw.conns {
		c.sess = nil
		conns = append(conns, c)
	}
	s.gw.mu.Unlock()
	for _, c := range conns {
		_ = c.send(gatewayPayload{Op: opInvalidSession, D: false})
	}
}
