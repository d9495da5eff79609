package ops

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

type pingFunc func(context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

type roleFunc func() leader.Status

func (f roleFunc) Status() leader.Status { return f() }

type fakeWork struct {
	gateway  bool
	backends []jobs.BackendState
}

func (w fakeWork) GatewayConnected() bool        { return w.gateway }
func (w fakeWork) Backends() []jobs.BackendState { return w.backends }

var (
	gpuUp   = jobs.BackendState{Name: "gpu1", Up: true, InFlight: 2}
	gpuDown = jobs.BackendState{Name: "gpu2", Error: "ComfyUI at http://gpu2:8188 is not reachable; is it running?"}
)

func TestHealthz(t *testing.T) {
	self := leader.Identity{Host: "box", PID: 42, Nonce: "n"}
	other := leader.Identity{Host: "peer", PID: 7, Nonce: "m"}
	active := leader.Status{Role: leader.RoleActive, Self: self, Active: self.String(), Term: 3}
	const activeLines = "role: active\nprocess: box (pid 42)\nactive: box (pid 42)\nterm: 3\n"
	cases := []struct {
		name   string
		err    error
		status leader.Status
		work   Work
		want   int
		body   string
	}{
		{"active", nil, active, fakeWork{gateway: true, backends: []jobs.BackendState{gpuUp, gpuDown}}, http.StatusOK,
			"ok\ndatabase: ok\ngateway: connected\nbackend gpu1: up, 2 in flight\n" +
				"backend gpu2: down: ComfyUI at http://gpu2:8188 is not reachable; is it running?\n" + activeLines},
		{"gateway down", nil, active, fakeWork{backends: []jobs.BackendState{gpuUp}}, http.StatusServiceUnavailable,
			"unavailable\ndatabase: ok\ngateway: disconnected\nbackend gpu1: up, 2 in flight\n" + activeLines},
		{"every backend down", nil, active, fakeWork{gateway: true, backends: []jobs.BackendState{gpuDown}}, http.StatusServiceUnavailable,
			"unavailable\ndatabase: ok\ngateway: connected\n" +
				"backend gpu2: down: ComfyUI at http://gpu2:8188 is not reachable; is it running?\n" + activeLines},
		{"active, not serving yet", nil, active, nil, http.StatusServiceUnavailable,
			"unavailable\ndatabase: ok\ngateway: not connected yet\n" + activeLines},
		{"standby", nil, leader.Status{Role: leader.RoleStandby, Self: self, Active: other.String(), Term: 4}, nil, http.StatusOK,
			"ok\ndatabase: ok\ngateway: held by the active process\nrole: standby\nprocess: box (pid 42)\nactive: peer (pid 7)\nterm: 4\n"},
		{"standby of nobody", nil, leader.Status{Role: leader.RoleStandby, Self: self}, nil, http.StatusOK,
			"ok\ndatabase: ok\ngateway: held by the active process\nrole: standby\nprocess: box (pid 42)\nactive: none\nterm: 0\n"},
		{"db down", errors.New("closed"), active, fakeWork{gateway: true, backends: []jobs.BackendState{gpuUp}}, http.StatusServiceUnavailable,
			"unavailable\ndatabase: not answering\ngateway: connected\nbackend gpu1: up, 2 in flight\n" + activeLines},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			serving := &Serving{}
			serving.Set(c.work)
			h := Handler(Health{
				Database: pingFunc(func(context.Context) error { return c.err }),
				Roles:    roleFunc(func() leader.Status { return c.status }),
				Serving:  serving,
			}, NewRegistry())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Code != c.want || rec.Body.String() != c.body {
				t.Fatalf("got %d\n%s\nwant %d\n%s", rec.Code, rec.Body.String(), c.want, c.body)
			}
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/livez", nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("/livez answered %d while the process serves", rec.Code)
			}
		})
	}
}

type countsFunc func(context.Context) (store.JobCounts, error)

func (f countsFunc) CountJobsByStatus(ctx context.Context) (store.JobCounts, error) { return f(ctx) }

func TestWorkCollector(t *testing.T) {
	counts := store.JobCounts{
		ByStatus: map[model.JobStatus]int{model.StatusQueued: 3, model.StatusRunning: 1, model.StatusCompleted: 9},
		Queued:   map[string]int{"900": 2, "": 1},
	}
	allStates := func(set map[string]int) string {
		var lines []string
		for _, st := range model.JobStatuses() {
			lines = append(lines, "discordsend_jobs{state=\""+string(st)+"\"} "+strconv.Itoa(set[string(st)])+"\n")
		}
		slices.Sort(lines) // as the exposition orders them
		return strings.Join(lines, "")
	}
	tests := []struct {
		name    string
		work    Work
		countEr error
		want    string
	}{
		{name: "standby", want: "discordsend_gateway_connected 0\n"},
		{name: "active", work: fakeWork{gateway: true, backends: []jobs.BackendState{gpuUp, gpuDown}}, want: `discordsend_backend_in_flight{backend="gpu1"} 2
discordsend_backend_in_flight{backend="gpu2"} 0
discordsend_backend_up{backend="gpu1"} 1
discordsend_backend_up{backend="gpu2"} 0
discordsend_gateway_connected 1
` + allStates(map[string]int{"queued": 3, "running": 1, "completed": 9}) + `discordsend_queue_depth{guild_id=""} 1
discordsend_queue_depth{guild_id="900"} 2
`},
		{name: "database not answering", work: fakeWork{backends: []jobs.BackendState{gpuUp}}, countEr: errors.New("closed"), want: `discordsend_backend_in_flight{backend="gpu1"} 2
discordsend_backend_up{backend="gpu1"} 1
discordsend_gateway_connected 0
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serving := &Serving{}
			serving.Set(tt.work)
			c := NewWorkCollector(serving, countsFunc(func(context.Context) (store.JobCounts, error) { return counts, tt.countEr }), slog.New(slog.DiscardHandler))
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(c)
			got, err := gatherText(reg)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// gatherText is the registry's discordsend_ samples as "name{labels}
// value" lines, as /metrics serves them.
func gatherText(reg *prometheus.Registry) (string, error) {
	rec := httptest.NewRecorder()
	Handler(Health{}, reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	var sb strings.Builder
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "discordsend_") {
			sb.WriteString(line + "\n")
		}
	}
	if rec.Code != http.StatusOK {
		return "", errors.New(rec.Body.String())
	}
	return sb.String(), nil
}

func TestMetricsOverRealListener(t *testing.T) {
	s, err := Listen("127.0.0.1:0", Handler(Health{}, NewRegistry()), nil)
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
