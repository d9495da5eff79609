package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/gateway"
	"github.com/gorilla/websocket"
	"github.com/klauspost/compress/zstd"
)

// GatewayClient is a gateway.Gateway for bots tested under the race
// detector. disgo v0.19.6's own gateway writes its heartbeat state
// (heartbeatCancel, lastHeartbeatReceived, lastHeartbeatSent) from its
// heartbeat goroutine without synchronisation, which `go test -race`
// reports on Close and on every reconnect. GatewayClient speaks the same
// protocol (identify, resume with resume_gateway_url, heartbeats, opcodes 7
// and 9, zstd-stream) with its state behind a mutex. Plug it in with
// bot.WithGateway and have handle forward to the bot's
// EventManager.HandleGatewayEvent. Unlike disgo it reconnects without the
// initial 1 s delay.
type GatewayClient struct {
	url    string
	token  string
	opts   GatewayClientOptions
	handle gateway.EventHandlerFunc

	mu        sync.Mutex
	conn      *clientConn
	status    gateway.Status
	sessionID *string
	resumeURL *string
	seq       *int
	lastSent  time.Time
	lastAck   time.Time
	closing   bool
	// life bounds reconnects between Open and Close.
	life    context.Context
	endLife context.CancelFunc
}

// GatewayClientOptions configure a GatewayClient.
type GatewayClientOptions struct {
	Intents     gateway.Intents
	Compression gateway.CompressionType // none or zstd-stream
	Logger      *slog.Logger
}

// NewGatewayClient returns a client for the gateway at url (ws://…/gw).
func NewGatewayClient(url, token string, handle gateway.EventHandlerFunc, opts GatewayClientOptions) *GatewayClient {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &GatewayClient{url: url, token: token, opts: opts, handle: handle, status: gateway.StatusUnconnected}
}

var _ gateway.Gateway = (*GatewayClient)(nil)

// clientConn is one WebSocket connection and its goroutines.
type clientConn struct {
	ws        *websocket.Conn
	wmu       sync.Mutex
	stop      chan struct{}
	stopOnce  sync.Once
	done      chan struct{}
	ready     chan error
	readyOnce sync.Once
}

func (c *clientConn) signal(err error) {
	c.readyOnce.Do(func() { c.ready <- err })
}

func (c *clientConn) write(op gateway.Opcode, d any) error {
	p, err := json.Marshal(struct {
		Op gateway.Opcode `json:"op"`
		D  any            `json:"d"`
	}{op, d})
	if err != nil {
		return fmt.Errorf("marshal gateway payload: %w", err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(gatewayWriteTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, p)
}

func (c *clientConn) shut(code int, text string) {
	c.stopOnce.Do(func() {
		close(c.stop)
		if code != 0 {
			c.wmu.Lock()
			_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
			c.wmu.Unlock()
		}
		_ = c.ws.Close()
	})
}

// The methods below implement gateway.Gateway for a single shard.

func (g *GatewayClient) ShardID() int    { return 0 }
func (g *GatewayClient) ShardCount() int { return 1 }

func (g *GatewayClient) SessionID() *string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sessionID
}

func (g *GatewayClient) LastSequenceReceived() *int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seq
}

func (g *GatewayClient) ResumeURL() *string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.resumeURL
}

func (g *GatewayClient) Intents() gateway.Intents { return g.opts.Intents }

func (g *GatewayClient) Status() gateway.Status {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.status
}

func (g *GatewayClient) Latency() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lastAck.Sub(g.lastSent)
}

func (g *GatewayClient) Presence() *gateway.MessageDataPresenceUpdate { return nil }

// Open connects and identifies (or resumes), retrying like disgo until it
// is ready, a close code says not to retry (4004 for a bad token), or ctx
// ends.
func (g *GatewayClient) Open(ctx context.Context) error {
	g.mu.Lock()
	g.closing = false
	if g.endLife != nil {
		g.endLife()
	}
	g.life, g.endLife = context.WithCancel(context.WithoutCancel(ctx))
	life := g.life
	g.mu.Unlock()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(life, stop)()
	return g.connectLoop(ctx)
}

// connectLoop connects, retrying with backoff until ctx ends.
func (g *GatewayClient) connectLoop(ctx context.Context) error {
	backoff := 50 * time.Millisecond
	for {
		err := g.connect(ctx)
		if err == nil || errors.Is(err, discord.ErrGatewayAlreadyConnected) {
			return err
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) && !gateway.CloseEventCodeByCode(ce.Code).Reconnect {
			return err
		}
		g.opts.Logger.Warn("gateway connect failed", slog.Any("err", err), slog.Duration("retry_in", backoff))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (g *GatewayClient) connect(ctx context.Context) error {
	g.mu.Lock()
	if g.conn != nil {
		g.mu.Unlock()
		return discord.ErrGatewayAlreadyConnected
	}
	if g.closing {
		g.mu.Unlock()
		return errors.New("gateway closed")
	}
	target := g.url
	if g.resumeURL != nil && *g.resumeURL != "" {
		target = *g.resumeURL
	}
	g.status = gateway.StatusConnecting
	g.mu.Unlock()

	q := url.Values{"v": {strconv.Itoa(gateway.Version)}, "encoding": {"json"}}
	if g.opts.Compression == gateway.CompressionZstdStream {
		q.Set("compress", string(gateway.CompressionZstdStream))
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, target+"?"+q.Encode(), nil)
	if err != nil {
		g.setStatus(gateway.StatusDisconnected)
		return fmt.Errorf("dial gateway: %w", err)
	}
	c := &clientConn{ws: ws, stop: make(chan struct{}), done: make(chan struct{}), ready: make(chan error, 1)}
	var wg sync.WaitGroup
	read := g.reader(c, &wg)
	stopWatch := context.AfterFunc(ctx, func() { c.shut(0, "") })
	hello, err := read()
	stopWatch()
	if err != nil || hello.Op != gateway.OpcodeHello {
		c.shut(0, "")
		wg.Wait()
		close(c.done)
		g.setStatus(gateway.StatusDisconnected)
		if err == nil {
			err = fmt.Errorf("gateway sent opcode %d before HELLO", hello.Op)
		}
		return fmt.Errorf("read HELLO: %w", err)
	}
	interval := time.Duration(hello.D.(gateway.MessageDataHello).HeartbeatInterval) * time.Millisecond

	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		c.shut(websocket.CloseNormalClosure, "closed")
		wg.Wait()
		close(c.done)
		return errors.New("gateway closed")
	}
	g.conn = c
	now := time.Now()
	g.lastSent, g.lastAck = now, now
	var op gateway.Opcode
	var payload any
	if g.sessionID != nil && g.seq != nil {
		g.status = gateway.StatusResuming
		op, payload = gateway.OpcodeResume, gateway.MessageDataResume{Token: g.token, SessionID: *g.sessionID, Seq: *g.seq}
	} else {
		g.status = gateway.StatusIdentifying
		op, payload = gateway.OpcodeIdentify, gateway.MessageDataIdentify{
			Token:      g.token,
			Properties: gateway.IdentifyCommandDataProperties{OS: "linux", Browser: "discordtest", Device: "discordtest"},
			Intents:    g.opts.Intents,
			Shard:      &[2]int{0, 1},
		}
	}
	g.mu.Unlock()

	wg.Add(2)
	go func() { defer wg.Done(); g.readLoop(c, read) }()
	go func() { defer wg.Done(); g.heartbeat(c, interval) }()
	go func() { wg.Wait(); close(c.done) }()

	if err := c.write(op, payload); err != nil {
		c.signal(err)
	}
	select {
	case err = <-c.ready:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		g.release(c, 0)
		<-c.done
		return err
	}
	return nil
}

// reader returns a function that decodes the next gateway payload. With
// zstd-stream all frames form one compressed stream, fed through a pipe.
func (g *GatewayClient) reader(c *clientConn, wg *sync.WaitGroup) func() (gateway.Message, error) {
	if g.opts.Compression != gateway.CompressionZstdStream {
		return func() (gateway.Message, error) {
			var m gateway.Message
			_, data, err := c.ws.ReadMessage()
			if err != nil {
				return m, err
			}
			return m, json.Unmarshal(data, &m)
		}
	}
	pr, pw := io.Pipe()
	var feedErr error
	var feedMu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			mt, data, err := c.ws.ReadMessage()
			if err == nil && mt != websocket.BinaryMessage {
				err = fmt.Errorf("expected a binary frame with zstd-stream, got type %d", mt)
			}
			if err != nil {
				feedMu.Lock()
				feedErr = err
				feedMu.Unlock()
				_ = pw.CloseWithError(err)
				return
			}
			if _, err := pw.Write(data); err != nil {
				return
			}
		}
	}()
	zr, err := zstd.NewReader(pr, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return func() (gateway.Message, error) { return gateway.Message{}, err }
	}
	dec := json.NewDecoder(zr)
	go func() {
		<-c.done
		zr.Close()
		_ = pr.Close()
	}()
	return func() (gateway.Message, error) {
		var m gateway.Message
		if err := dec.Decode(&m); err != nil {
			feedMu.Lock()
			defer feedMu.Unlock()
			if feedErr != nil {
				return m, feedErr
			}
			return m, err
		}
		return m, nil
	}
}

func (g *GatewayClient) readLoop(c *clientConn, read func() (gateway.Message, error)) {
	for {
		msg, err := read()
		if err != nil {
			g.lost(c, err)
			return
		}
		switch msg.Op {
		case gateway.OpcodeDispatch:
			g.dispatch(c, msg)
		case gateway.OpcodeHeartbeat:
			g.sendHeartbeat(c)
		case gateway.OpcodeReconnect:
			g.lost(c, errors.New("gateway asked to reconnect"))
			return
		case gateway.OpcodeInvalidSession:
			if resumable, _ := msg.D.(gateway.MessageDataInvalidSession); !resumable {
				g.mu.Lock()
				g.sessionID, g.seq, g.resumeURL = nil, nil, nil
				g.mu.Unlock()
			}
			g.lost(c, errors.New("invalid session"))
			return
		case gateway.OpcodeHeartbeatACK:
			g.mu.Lock()
			g.lastAck = time.Now()
			ack := gateway.EventHeartbeatAck{LastHeartbeat: g.lastSent, NewHeartbeat: g.lastAck}
			g.mu.Unlock()
			g.handle(g, gateway.EventTypeHeartbeatAck, msg.S, ack)
		}
	}
}

func (g *GatewayClient) dispatch(c *clientConn, msg gateway.Message) {
	g.mu.Lock()
	seq := msg.S
	g.seq = &seq
	readied := false
	switch d := msg.D.(type) {
	case gateway.EventReady:
		g.sessionID, g.resumeURL = &d.SessionID, &d.ResumeGatewayURL
		g.status, readied = gateway.StatusReady, true
	case gateway.EventResumed:
		g.status, readied = gateway.StatusReady, true
	}
	g.mu.Unlock()
	if readied {
		c.signal(nil)
	}
	data, ok := msg.D.(gateway.EventData)
	if _, unknown := data.(gateway.EventUnknown); !ok || unknown {
		return
	}
	g.handle(g, msg.T, msg.S, data)
}

// lost handles the end of a connection: before READY it fails the pending
// connect; after, it reconnects unless the close code is fatal.
func (g *GatewayClient) lost(c *clientConn, err error) {
	g.mu.Lock()
	current := g.conn == c
	ready := g.status == gateway.StatusReady
	closing := g.closing
	g.mu.Unlock()
	if !current {
		return
	}
	if !ready {
		c.signal(err)
		return
	}
	reconnect := !closing
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		cc := gateway.CloseEventCodeByCode(ce.Code)
		reconnect = reconnect && cc.Reconnect
		if cc == gateway.CloseEventCodeInvalidSeq {
			g.mu.Lock()
			g.sessionID, g.seq, g.resumeURL = nil, nil, nil
			g.mu.Unlock()
		}
	}
	g.opts.Logger.Warn("gateway connection lost", slog.Any("err", err), slog.Bool("reconnect", reconnect))
	g.release(c, websocket.CloseServiceRestart)
	if reconnect {
		g.mu.Lock()
		life := g.life
		g.mu.Unlock()
		go func() {
			if err := g.connectLoop(life); err != nil {
				g.opts.Logger.Error("gateway reconnect failed", slog.Any("err", err))
			}
		}()
	}
}

// release forgets c and shuts it, with a close frame when code is set.
func (g *GatewayClient) release(c *clientConn, code int) {
	g.mu.Lock()
	if g.conn == c {
		g.conn = nil
		g.status = gateway.StatusDisconnected
	}
	g.mu.Unlock()
	c.shut(code, "reconnecting")
}

func (g *GatewayClient) heartbeat(c *clientConn, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		g.mu.Lock()
		zombie := g.lastSent.After(g.lastAck)
		g.mu.Unlock()
		if zombie {
			g.opts.Logger.Warn("gateway heartbeat not acknowledged")
			c.shut(0, "")
			return
		}
		g.sendHeartbeat(c)
	}
}

func (g *GatewayClient) sendHeartbeat(c *clientConn) {
	g.mu.Lock()
	seq := 0
	if g.seq != nil {
		seq = *g.seq
	}
	g.lastSent = time.Now()
	g.mu.Unlock()
	_ = c.write(gateway.OpcodeHeartbeat, seq)
}

// Close closes with 1000, which ends the session.
func (g *GatewayClient) Close(ctx context.Context) {
	g.CloseWithCode(ctx, websocket.CloseNormalClosure, "Shutting down")
}

// CloseWithCode closes the connection with code and stops reconnecting; 1000
// and 1001 also forget the session, as Discord ends it.
func (g *GatewayClient) CloseWithCode(ctx context.Context, code int, message string) {
	g.mu.Lock()
	g.closing = true
	if g.endLife != nil {
		g.endLife()
	}
	c := g.conn
	g.conn = nil
	if code == websocket.CloseNormalClosure || code == websocket.CloseGoingAway {
		g.sessionID, g.seq, g.resumeURL = nil, nil, nil
	}
	g.status = gateway.StatusDisconnected
	g.mu.Unlock()
	if c == nil {
		return
	}
	c.shut(code, message)
	select {
	case <-c.done:
	case <-ctx.Done():
	}
}

// Send writes a command (presence update, request members…) once ready.
func (g *GatewayClient) Send(_ context.Context, op gateway.Opcode, d gateway.MessageData) error {
	g.mu.Lock()
	c, ready := g.conn, g.status == gateway.StatusReady
	g.mu.Unlock()
	if !ready || c == nil {
		return discord.ErrShardNotReady
	}
	return c.write(op, d)
}

func (g *GatewayClient) setStatus(s gateway.Status) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status = s
}
