// Package comfy is the ComfyUI client: typed REST calls, one WebSocket per backend decoded into
// typed events, reconnection with backoff, and per-prompt tracking that survives reconnects.
package comfy

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Options configures a Client. Only BaseURL is required.
type Options struct {
	// Name identifies the backend in logs.
	Name string
	// BaseURL is where ComfyUI answers, e.g. "http://127.0.0.1:8188"; a trailing "/api" and a
	// path prefix behind a reverse proxy ("https://host/comfy/") both work.
	BaseURL string
	// Headers are sent with every request and the WebSocket handshake (proxy credentials).
	// An Origin header is never sent: ComfyUI refuses mismatched origins.
	Headers map[string]string
	// Timeout bounds each REST call and the WebSocket handshake (default 30s).
	Timeout time.Duration
	// HTTPClient is used for every request (default: a client on http.DefaultTransport).
	HTTPClient *http.Client
	// Logger receives diagnostics (default: discard).
	Logger *slog.Logger
	// ClientID is this client's WebSocket session id, sent as client_id with every prompt so
	// ComfyUI routes the prompt's messages here (default: a random UUID).
	ClientID string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand returns a number in [0, 1) for reconnect jitter (default math/rand/v2).
	Rand func() float64
}

// Client talks to one ComfyUI backend. It is safe for concurrent use.
type Client struct {
	name     string
	base     *url.URL
	display  string // base URL without credentials, for messages
	err      error  // a bad BaseURL, returned by every call
	headers  http.Header
	timeout  time.Duration
	hc       *http.Client
	wsHC     *http.Client
	log      *slog.Logger
	clientID string
	now      func() time.Time
	rand     func() float64

	active atomic.Bool // Run is running
	resync chan struct{}

	mu       sync.Mutex
	trackers map[string]*Tracker
	subs     map[*subscriber]struct{}
	up       bool
	changed  chan struct{}
	current  string // the prompt running for this client, for binary frames without a prompt id
	// sessions counts connections that became usable; a tracker remembers the one during
	// which its prompt was accepted. A resync settles the trackers accepted before
	// resyncBefore: after a reconnect, those whose events may have gone to a dead socket.
	sessions     uint64
	resyncBefore uint64
}

const (
	defaultTimeout = 30 * time.Second
	// maxBody bounds any response read into memory (object_info with many custom nodes is
	// several MB; images can be tens of MB).
	maxBody = 512 << 20
	// maxErrorBody is how much of an error response an HTTPError keeps.
	maxErrorBody = 512
)

// New returns a client for one backend. It does not connect: REST calls work right away, the
// WebSocket runs in Run. An invalid BaseURL makes every call return the same error.
func New(opts Options) *Client {
	c := &Client{
		name:     opts.Name,
		timeout:  opts.Timeout,
		hc:       opts.HTTPClient,
		log:      opts.Logger,
		clientID: opts.ClientID,
		now:      opts.Now,
		rand:     opts.Rand,
		headers:  http.Header{},
		resync:   make(chan struct{}, 1),
		trackers: map[string]*Tracker{},
		subs:     map[*subscriber]struct{}{},
		changed:  make(chan struct{}),
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("component", "comfy", "backend", opts.Name)
	if c.clientID == "" {
		c.clientID = uuid.NewString()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: pooledTransport()}
		c.wsHC = &http.Client{Transport: http1Transport()}
	} else {
		c.wsHC = c.hc
	}
	for k, v := range opts.Headers {
		if http.CanonicalHeaderKey(k) == "Origin" {
			continue
		}
		c.headers.Set(k, v)
	}
	c.base, c.display, c.err = parseBaseURL(opts.BaseURL)
	return c
}

// pooledTransport keeps enough idle connections for a backend's bursts
// (history, images, the next prompt) instead of http.DefaultTransport's two.
func pooledTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = 16
	return t
}

// http1Transport is for the WebSocket handshake, which needs HTTP/1.1 even over TLS.
func http1Transport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	return t
}

func parseBaseURL(raw string) (*url.URL, string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, "", fmt.Errorf("comfy: invalid base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, "", fmt.Errorf("comfy: base URL %q must start with http:// or https://", redact(u))
	}
	if u.Host == "" {
		return nil, "", fmt.Errorf("comfy: base URL %q has no host", redact(u))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	return u, redact(u), nil
}

// redact drops credentials and query from a URL so it is safe to show.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery, c.Fragment = "", ""
	return c.String()
}

// Name is the backend name given in Options.
func (c *Client) Name() string { return c.name }

// ClientID is the WebSocket session id sent with every prompt.
func (c *Client) ClientID() string { return c.clientID }

// URL is the base URL without credentials.
func (c *Client) URL() string { return c.display }

// endpoint builds the URL of an API path made of segments (each escaped), keeping the base's
// path prefix and credentials.
func (c *Client) endpoint(scheme string, query url.Values, segments ...string) string {
	u := *c.base
	if scheme != "" {
		u.Scheme = scheme
	}
	raw, path := c.base.EscapedPath(), c.base.Path
	for _, s := range segments {
		raw += "/" + url.PathEscape(s)
		path += "/" + s
	}
	u.Path, u.RawPath = path, raw
	u.RawQuery = query.Encode()
	return u.String()
}

type call struct {
	method      string
	path        []string
	query       url.Values
	body        []byte
	contentType string
}

func (cl call) String() string { return cl.method + " /" + strings.Join(cl.path, "/") }

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) ok() bool { return r.status >= 200 && r.status < 300 }

// send performs one REST call and reads the whole answer. Transport failures become
// *UnreachableError; statuses are left to the caller.
func (c *Client) send(ctx context.Context, cl call) (reply, error) {
	if c.err != nil {
		return reply{}, c.err
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(rctx, cl.method, c.endpoint("", cl.query, cl.path...), body)
	if err != nil {
		return reply{}, fmt.Errorf("comfy: %s: %w", cl, err)
	}
	req.Header = c.headers.Clone()
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, c.transportError(ctx, cl, err)
	}
	defer resp.Body.Close()
	data, err := readBody(resp, maxBody)
	if err != nil {
		return reply{}, c.transportError(ctx, cl, err)
	}
	if len(data) > maxBody {
		return reply{}, fmt.Errorf("comfy: %s: response larger than %d bytes", cl, maxBody)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// readBody reads at most limit+1 bytes of an answer. An image is megabytes:
// a buffer sized by Content-Length takes it in one allocation, where
// io.ReadAll would grow and copy its way there.
// net/http ends a body at its Content-Length.
func readBody(resp *http.Response, limit int) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= int64(limit) {
		data := make([]byte, n)
		_, err := io.ReadFull(resp.Body, data)
		return data, err
	}
	return io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
}

func (c *Client) transportError(ctx context.Context, cl call, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("comfy: %s: %w", cl, context.Cause(ctx))
	}
	return c.unreachable(err)
}

func (c *Client) unreachable(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %s", c.timeout)
	}
	return &UnreachableError{URL: c.display, Err: err}
}

// statusError turns a non-2xx reply into an *HTTPError.
func statusError(cl call, r reply) error {
	body := strings.TrimSpace(string(r.body))
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody] + "…"
	}
	return &HTTPError{Method: cl.method, Path: "/" + strings.Join(cl.path, "/"), Status: r.status, Body: body}
}

// getJSON performs a GET and decodes a 2xx JSON answer into out.
func (c *Client) getJSON(ctx context.Context, out any, query url.Values, path ...string) error {
	cl := call{method: http.MethodGet, path: path, query: query}
	r, err := c.send(ctx, cl)
	if err != nil {
		return err
	}
	if !r.ok() {
		return statusError(cl, r)
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		return fmt.Errorf("comfy: %s: decode answer: %w", cl, err)
	}
	return nil
}

// postJSON performs a POST with a JSON body and expects a 2xx answer.
func (c *Client) postJSON(ctx context.Context, in any, path ...string) (reply, error) {
	data, err := json.Marshal(in)
	if err != nil {
		return reply{}, fmt.Errorf("comfy: encode request: %w", err)
	}
	cl := call{method: http.MethodPost, path: path, body: data, contentType: "application/json"}
	r, err := c.send(ctx, cl)
	if err != nil {
		return reply{}, err
	}
	if !r.ok() {
		return r, statusError(cl, r)
	}
	return r, nil
}
