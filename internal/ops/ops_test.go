package ops

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
)

type pingFunc func(context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

type roleFunc func() leader.Status

func (f roleFunc) Status() leader.Status { return f() }

func TestHealthz(t *testing.T) {
	self := leader.Identity{Host: "box", PID: 42, Nonce: "n"}
	other := leader.Identity{Host: "peer", PID: 7, Nonce: "m"}
	cases := []struct {
		name   string
		err    error
		status leader.Status
		want   int
		body   string
	}{
		{"active", nil, leader.Status{Role: leader.RoleActive, Self: self, Active: self.String(), Term: 3}, http.StatusOK,
			"ok\nrole: active\nprocess: box (pid 42)\nactive: box (pid 42)\nterm: 3\n"},
		{"standby", nil, leader.Status{Role: leader.RoleStandby, Self: self, Active: other.String(), Term: 4}, http.StatusOK,
			"ok\nrole: standby\nprocess: box (pid 42)\nactive: peer (pid 7)\nterm: 4\n"},
		{"standby of nobody", nil, leader.Status{Role: leader.RoleStandby, Self: self}, http.StatusOK,
			"ok\nrole: standby\nprocess: box (pid 42)\nactive: none\nterm: 0\n"},
		{"db down", errors.New("closed"), leader.Status{Role: leader.RoleActive, Self: self}, http.StatusServiceUnavailable,
			"database: not answering\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := Handler(pingFunc(func(context.Context) error { return c.err }), roleFunc(func() leader.Status { return c.status }), NewRegistry())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Code != c.want || rec.Body.String() != c.body {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body.String(), c.want, c.body)
			}
		})
	}
}

func TestMetricsOverRealListener(t *testing.T) {
	s, err := Listen("127.0.0.1:0", Handler(pingFunc(func(context.Context) error { return nil }), roleFunc(func() leader.Status { return leader.Status{} }), NewRegistry()), nil)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	defer s.Shutdown(t.Context())
	resp, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("status %d body %.200s", resp.StatusCode, body)
	}
}
