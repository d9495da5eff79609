package comfy

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestReconnectBackoff runs Run against a backend that refuses every connection, on the bubble's
// fake clock, and checks the waits between attempts.
func TestReconnectBackoff(t *testing.T) {
	tests := []struct {
		name string
		rand float64
		want []time.Duration
	}{
		{"without jitter it doubles from 0.5s to the 30s cap", 0, []time.Duration{
			500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
			16 * time.Second, 30 * time.Second, 30 * time.Second}},
		{"jitter takes off at most a quarter", 0.5, []time.Duration{
			437500 * time.Microsecond, 875 * time.Millisecond, 1750 * time.Millisecond, 3500 * time.Millisecond,
			7 * time.Second, 14 * time.Second, 26250 * time.Millisecond, 26250 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var mu sync.Mutex
				var attempts []time.Time
				refuse := roundTripFunc(func(*http.Request) (*http.Response, error) {
					mu.Lock()
					defer mu.Unlock()
					attempts = append(attempts, time.Now())
					if len(attempts) == len(tt.want)+1 {
						cancel()
					}
					return nil, errors.New("connect: connection refused")
				})
				c := New(Options{BaseURL: "http://comfy.test:8188", HTTPClient: &http.Client{Transport: refuse},
					Rand: func() float64 { return tt.rand }})
				if err := c.Run(ctx); err != nil {
					t.Fatalf("Run: %v", err)
				}
				if c.Connected() {
					t.Error("connected to a backend that refuses connections")
				}
				mu.Lock()
				defer mu.Unlock()
				var gaps []time.Duration
				for i := 1; i < len(attempts); i++ {
					gaps = append(gaps, attempts[i].Sub(attempts[i-1]))
				}
				if !slices.Equal(gaps, tt.want) {
					t.Errorf("waits %v, want %v", gaps, tt.want)
				}
			})
		})
	}
}

func TestRunOnlyOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		refuse := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("refused") })
		c := New(Options{BaseURL: "http://comfy.test", HTTPClient: &http.Client{Transport: refuse}})
		done := make(chan error)
		go func() { done <- c.Run(ctx) }()
		synctest.Wait()
		if err := c.Run(ctx); err == nil {
			t.Error("a second Run was allowed while the first is active")
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// acceptFor answers a WebSocket handshake over an in-memory pipe: the "server" sends its first
// status message, never answers pings, and hangs up after hold.
func acceptFor(r *http.Request, hold time.Duration) *http.Response {
	client, server := net.Pipe()
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	go func() {
		defer server.Close()
		gone := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, server)
			close(gone)
		}()
		status := []byte(`{"type":"status","data":{"status":{"exec_info":{"queue_remaining":0}},"sid":"x"}}`)
		if _, err := server.Write(append([]byte{0x81, byte(len(status))}, status...)); err != nil {
			return
		}
		t := time.NewTimer(hold)
		defer t.Stop()
		select {
		case <-t.C:
		case <-gone:
		}
	}()
	return &http.Response{StatusCode: http.StatusSwitchingProtocols, Request: r, Body: client, Header: http.Header{
		"Connection": {"Upgrade"}, "Upgrade": {"websocket"},
		"Sec-Websocket-Accept": {base64.StdEncoding.EncodeToString(sum[:])},
	}}
}

// TestBackoffResetsAfterStableConnection also covers the keep-alive: a server that stops
// answering pings is dropped 45 s after connecting (ping at 30 s, 15 s timeout).
func TestBackoffResetsAfterStableConnection(t *testing.T) {
	tests := []struct {
		name string
		hold time.Duration // how long the 4th attempt stays connected at most
		want []time.Duration
	}{
		{"a long connection starts over at 0.5s", time.Hour,
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 45*time.Second + 500*time.Millisecond, time.Second}},
		{"a short connection keeps backing off", 10 * time.Second,
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 14 * time.Second, 8 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var attempts []time.Time
				var c *Client
				rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					attempts = append(attempts, time.Now())
					if c.Connected() {
						t.Error("dialling while connected")
					}
					switch len(attempts) {
					case 4:
						return acceptFor(r, tt.hold), nil
					case len(tt.want) + 1:
						cancel()
					}
					return nil, errors.New("connect: connection refused")
				})
				c = New(Options{BaseURL: "http://comfy.test", HTTPClient: &http.Client{Transport: rt}, Rand: func() float64 { return 0 }})
				if err := c.Run(ctx); err != nil {
					t.Fatalf("Run: %v", err)
				}
				var gaps []time.Duration
				for i := 1; i < len(attempts); i++ {
					gaps = append(gaps, attempts[i].Sub(attempts[i-1]))
				}
				if !slices.Equal(gaps, tt.want) {
					t.Errorf("waits %v, want %v", gaps, tt.want)
				}
			})
		})
	}
}
