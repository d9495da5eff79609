package comfy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
)

const (
	// readLimit is far above coder/websocket's 32 KiB default: previews and "executed"
	// messages with many images are large.
	readLimit = 64 << 20

	backoffMin = 500 * time.Millisecond
	backoffMax = 30 * time.Second
	// stableAfter is how long a connection must have lasted for the next reconnect to start
	// again from backoffMin; a server that accepts and drops at once is not hammered.
	stableAfter = 30 * time.Second

	// ComfyUI sends no pings; ours detect a connection that died without a close.
	pingInterval = 30 * time.Second
	pingTimeout  = 15 * time.Second

	// historyAttempts bounds reading the history of a finished prompt before giving up.
	historyAttempts = 5
)

// featureFlags is the first message the official front end sends: it makes ComfyUI send
// previews with their prompt id (binary event 4).
const featureFlags = `{"type":"feature_flags","data":{"supports_preview_metadata":true}}`

// Run keeps the WebSocket connected until ctx ends, reconnecting with exponential backoff and
// jitter, and delivers events to trackers and subscribers. After every (re)connect, tracked
// prompts are checked against /queue and /history so nothing finished during a gap is lost.
// It returns nil when ctx ends; only one Run may be active per Client.
func (c *Client) Run(ctx context.Context) error {
	if c.err != nil {
		return c.err
	}
	if !c.active.CompareAndSwap(false, true) {
		return errors.New("comfy: Run is already active for this client")
	}
	defer c.active.Store(false)
	var wg sync.WaitGroup // history reads of finished prompts
	defer wg.Wait()
	attempt := 0
	for {
		connectedAt, err := c.session(ctx, &wg)
		if ctx.Err() != nil {
			return nil
		}
		if !connectedAt.IsZero() && c.now().Sub(connectedAt) >= stableAfter {
			attempt = 0
		}
		delay := c.backoff(attempt)
		attempt++
		c.log.Warn("websocket down, reconnecting", "err", err, "attempt", attempt, "delay", delay)
		if !sleepCtx(ctx, delay) {
			return nil
		}
	}
}

// backoff is the wait before reconnect attempt n: 0.5 s doubling to 30 s, minus up to a
// quarter of random jitter so many clients do not reconnect in step.
func (c *Client) backoff(n int) time.Duration {
	d := backoffMax
	if n < 16 {
		d = min(backoffMax, backoffMin<<n)
	}
	return d - time.Duration(c.rand()*float64(d)/4)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (c *Client) wsURL() string {
	scheme := "ws"
	if c.base.Scheme == "https" {
		scheme = "wss"
	}
	return c.endpoint(scheme, url.Values{"clientId": {c.clientID}}, "ws")
}

// session runs one connection until it fails or ctx ends.
func (c *Client) session(ctx context.Context, wg *sync.WaitGroup) (connectedAt time.Time, err error) {
	dctx, cancel := context.WithTimeout(ctx, c.timeout)
	conn, _, err := websocket.Dial(dctx, c.wsURL(), &websocket.DialOptions{HTTPClient: c.wsHC, HTTPHeader: c.headers.Clone()})
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		return time.Time{}, c.unreachable(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(readLimit)
	wctx, cancel := context.WithTimeout(ctx, c.timeout)
	err = conn.Write(wctx, websocket.MessageText, []byte(featureFlags))
	cancel()
	if err != nil {
		return time.Time{}, fmt.Errorf("comfy: send feature flags: %w", err)
	}

	sctx, stop := context.WithCancel(ctx)
	var helpers sync.WaitGroup
	defer func() {
		stop()
		helpers.Wait()
		c.setConnected(false)
	}()
	c.mu.Lock()
	c.current = ""
	c.mu.Unlock()
	helpers.Go(func() { c.keepAlive(sctx, conn) })

	for {
		typ, data, err := conn.Read(sctx)
		if err != nil {
			return connectedAt, fmt.Errorf("comfy: websocket read: %w", err)
		}
		if connectedAt.IsZero() {
			// ComfyUI registers the socket for our client id only after the handshake and
			// then sends its first message: before that, messages for our prompts would
			// be dropped, so only now is the connection usable and worth resynchronising.
			connectedAt = c.now()
			c.setConnected(true)
			c.log.Info("websocket connected", "client_id", c.clientID)
			helpers.Go(func() { c.resyncLoop(sctx) })
			c.requestResync(c.newSession())
		}
		ev, err := DecodeMessage(typ, data)
		if err != nil {
			c.log.Debug("skipping undecodable message", "err", err)
			continue
		}
		c.dispatch(ctx, wg, ev)
	}
}

// keepAlive pings so a connection that vanished without a close frame is noticed.
func (c *Client) keepAlive(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err := conn.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			c.log.Warn("websocket ping failed, reconnecting", "err", err)
			_ = conn.CloseNow()
			return
		}
	}
}

// dispatch routes an event to its prompt's tracker and to every subscriber.
func (c *Client) dispatch(ctx context.Context, wg *sync.WaitGroup, ev Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := ev.(type) {
	case ExecutionStart:
		c.current = e.PromptID
	case Executing:
		switch {
		case e.Done && c.current == e.PromptID:
			c.current = ""
		case !e.Done && e.PromptID != "":
			c.current = e.PromptID
		}
	case Preview:
		// Legacy previews carry no prompt id: they belong to the prompt running for us.
		if e.PromptID == "" {
			e.PromptID = c.current
			ev = e
		}
	case ProgressText:
		e.PromptID = c.current
		ev = e
	}
	for s := range c.subs {
		s.offer(ev)
	}
	t := c.trackers[promptOf(ev)]
	if t == nil || !t.handle(ev) {
		return
	}
	wg.Go(func() { c.finish(ctx, t) })
}

// finish reads the history of a prompt whose end was announced and completes its tracker.
func (c *Client) finish(ctx context.Context, t *Tracker) {
	id := t.PromptID()
	var lastErr error
	for attempt := range historyAttempts {
		if attempt > 0 && !sleepCtx(ctx, c.backoff(attempt-1)) {
			break
		}
		h, found, err := c.History(ctx, id)
		if err == nil && found {
			t.complete(h.outcome(t.observedStatus()))
			return
		}
		lastErr = err
		if err == nil {
			// History is written before the end is announced; a caching proxy may still lag.
			lastErr = fmt.Errorf("comfy: prompt %s finished but is not in the history", id)
		}
	}
	if ctx.Err() != nil {
		// Run is ending: the next Run's resync finishes the prompt.
		t.mu.Lock()
		t.finishing = false
		t.mu.Unlock()
		return
	}
	c.log.Warn("could not read the history of a finished prompt", "prompt_id", id, "err", lastErr)
	status := t.observedStatus()
	if status == "" {
		status = StatusSuccess
	}
	t.complete(Outcome{Status: status, Err: lastErr})
}

// Resync asks for every tracked prompt to be checked against /queue and
// /history soon. A caller that may have missed events (they went to an
// earlier client id, say) uses it as a safety net; it is cheap when nothing
// is tracked.
func (c *Client) Resync() { c.requestResync(math.MaxUint64) }

// newSession counts a connection that became usable and returns its number.
func (c *Client) newSession() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions++
	return c.sessions
}

// requestResync asks for the trackers accepted in sessions before the given
// one to be settled. A prompt accepted during the current session gets its
// events on this socket, so settling it from /history would only race them.
func (c *Client) requestResync(before uint64) {
	c.mu.Lock()
	c.resyncBefore = max(c.resyncBefore, before)
	c.mu.Unlock()
	select {
	case c.resync <- struct{}{}:
	default:
	}
}

// takeResync returns the pending cutoff and clears it.
func (c *Client) takeResync() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	before := c.resyncBefore
	c.resyncBefore = 0
	return before
}

func (c *Client) resyncLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.resync:
		}
		before := c.takeResync()
		for attempt := 0; !c.resyncOnce(ctx, before); attempt++ {
			if !sleepCtx(ctx, c.backoff(attempt)) {
				return
			}
			before = max(before, c.takeResync())
		}
	}
}

// resyncOnce settles tracked prompts from /queue and /history: finished ones complete from
// history, queued ones keep waiting, the rest were lost. The queue is read first: a prompt
// leaves it only once its history is written, so "in neither" cannot be a race.
func (c *Client) resyncOnce(ctx context.Context, before uint64) bool {
	trackers := c.resyncable(before)
	if len(trackers) == 0 {
		return true
	}
	q, err := c.Queue(ctx)
	if err != nil {
		c.log.Warn("resync: reading the queue failed", "err", err)
		return ctx.Err() != nil
	}
	ok := true
	for _, t := range trackers {
		id := t.PromptID()
		if q.Contains(id) {
			continue
		}
		h, found, err := c.History(ctx, id)
		switch {
		case err != nil:
			c.log.Warn("resync: reading history failed", "prompt_id", id, "err", err)
			ok = ctx.Err() != nil
		case found:
			c.log.Info("prompt finished while disconnected", "prompt_id", id)
			t.complete(h.Outcome())
		default:
			c.log.Warn("prompt lost: ComfyUI no longer knows it (restarted?)", "prompt_id", id)
			t.complete(Outcome{Status: StatusLost})
		}
	}
	return ok
}

// Connected reports whether the WebSocket is up.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up
}

// Health returns whether the WebSocket is up and a channel closed at the next change, so a
// caller can watch a backend go down and up:
//
//	for { up, changed := c.Health(); mark(up); <-changed }
func (c *Client) Health() (up bool, changed <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up, c.changed
}

func (c *Client) setConnected(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up == up {
		return
	}
	c.up = up
	close(c.changed)
	c.changed = make(chan struct{})
}

type subscriber struct {
	ch      chan Event
	dropped int
}

func (s *subscriber) offer(ev Event) {
	select {
	case s.ch <- ev:
	default:
		s.dropped++
	}
}

// Subscribe delivers every event of this client's socket (all prompts, queue status) on a
// channel with the given buffer; events that do not fit are dropped. cancel stops the
// subscription and closes the channel.
func (c *Client) Subscribe(buffer int) (events <-chan Event, cancel func()) {
	s := &subscriber{ch: make(chan Event, max(buffer, 1))}
	c.mu.Lock()
	c.subs[s] = struct{}{}
	c.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			c.mu.Lock()
			delete(c.subs, s)
			close(s.ch)
			c.mu.Unlock()
		})
	}
}
