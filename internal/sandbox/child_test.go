package sandbox

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is the bot log in memory.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeChild starts this test binary as the stand-in bot of main_test.go.
func fakeChild(t *testing.T, mode string) (*child, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	env := childEnv(os.Environ(), map[string]string{"DISCORDSEND_SANDBOX_CHILD": "fake"})
	c, err := startChild(childSpec{exe: os.Args[0], args: []string{mode}, env: env, dir: t.TempDir(), log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.stop(true) })
	return c, log
}

func TestChildStartsStopsAndCrashes(t *testing.T) {
	cases := []struct {
		name       string
		kill       bool
		wantStatus string
		wantLog    string
	}{
		{"SIGTERM ends it in order", false, "exit status 0", "fake bot: stopping"},
		{"SIGKILL is a crash", true, "signal: killed", "ready: serving"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, log := fakeChild(t, "serve")
			if err := c.waitReady(t.Context(), true); err != nil {
				t.Fatalf("waitReady: %v\n%s", err, log)
			}
			if got := c.stop(tc.kill); got != tc.wantStatus {
				t.Errorf("stop: %q, want %q", got, tc.wantStatus)
			}
			if !c.expected.Load() {
				t.Error("a stop the sandbox asked for must count as expected")
			}
			if !strings.Contains(log.String(), tc.wantLog) {
				t.Errorf("log lacks %q:\n%s", tc.wantLog, log)
			}
		})
	}
}

func TestChildThatGivesUpIsReportedWithItsLastWords(t *testing.T) {
	c, _ := fakeChild(t, "fail")
	err := c.waitReady(t.Context(), true)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("want the exit status, got %v", err)
	}
	if died := c.diedError().Error(); !strings.Contains(died, "no token, giving up") {
		t.Errorf("the error should quote the bot's last lines: %s", died)
	}
}

func TestLogWatch(t *testing.T) {
	var out bytes.Buffer
	w := newLogWatch(&out, markReady)
	ready := w.seen(markReady)
	for _, chunk := range []string{"starting\nready: serv", "ing Discord interactions\n", "partial"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-ready:
	default:
		t.Fatal("a mark split over two writes was not noticed")
	}
	if out.String() != "starting\nready: serving Discord interactions\npartial" {
		t.Errorf("the log must get every byte: %q", out.String())
	}
	if got := w.tail(); got != "  starting\n  ready: serving Discord interactions" {
		t.Errorf("tail: %q", got)
	}
	for i := range 2 * tailLines {
		w.Write([]byte(strings.Repeat("x", i) + "\n"))
	}
	if n := strings.Count(w.tail(), "\n") + 1; n != tailLines {
		t.Errorf("tail keeps %d lines, want %d", n, tailLines)
	}
}

func TestChildEnvDropsBotSettings(t *testing.T) {
	env := childEnv([]string{"PATH=/bin", "DISCORDBOT_DISCORD_TOKEN=real", "HOME=/root", "DISCORDBOT_LOG_LEVEL=debug"},
		map[string]string{"DISCORDBOT_DISCORD_TOKEN": "fake"})
	slices.Sort(env)
	want := []string{"DISCORDBOT_DISCORD_TOKEN=fake", "HOME=/root", "PATH=/bin"}
	if !slices.Equal(env, want) {
		t.Errorf("got %v, want %v", env, want)
	}
}
