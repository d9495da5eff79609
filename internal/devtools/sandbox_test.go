package devtools

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// sandboxChild makes this test binary the bot the sandbox starts (and the
// bench's peer process): they run os.Executable(), and TestMain hands its
// arguments to the program as main would.
const sandboxChild = "DISCORDSEND_SANDBOX_CHILD"

// TestMain runs this binary as the sandbox's bot when asked to; otherwise
// the tests run on SQLite, and again on PostgreSQL when
// DISCORDBOT_TEST_POSTGRES names a server (see docs/TESTING.md).
func TestMain(m *testing.M) {
	if os.Getenv(sandboxChild) == "bot" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Program().Run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(storetest.Run(m))
}

// result is how one run of the program ended.
type result struct {
	code           int
	stdout, stderr string
}

// runSandboxScript runs `discordsend-dev sandbox args…` with the script on stdin.
func runSandboxScript(t *testing.T, script string, args ...string) result {
	t.Helper()
	t.Setenv(sandboxChild, "bot")
	var out, errOut bytes.Buffer
	code := Program().Run(t.Context(), append([]string{"sandbox"}, args...), os.Environ(), strings.NewReader(script), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestSandboxAcceptance(t *testing.T) {
	r := runSandboxScript(t, "user a roles=user\nuser o owner\no: /admin setroles generator:@gen\na: /admin status\n", "--json")
	if r.code != app.ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	type event struct {
		Event     string `json:"event"`
		User      string `json:"user"`
		Ephemeral bool   `json:"ephemeral"`
		Channel   string `json:"channel"`
		Content   string `json:"content"`
		Embeds    []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"embeds"`
	}
	var confirmed, refused bool
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("stdout must hold JSON events only: %q", sc.Text())
		}
		text := e.Content
		for _, em := range e.Embeds {
			text += "\n" + em.Title + "\n" + em.Description
		}
		switch {
		case e.User == "o" && e.Event == "edit" && strings.Contains(text, "generator") && strings.Contains(text, "<@&"):
			confirmed = true
		case e.User == "a" && e.Event == "edit" && e.Ephemeral && strings.Contains(text, "**admin** level"):
			refused = true
		case e.User == "sandbox_owner":
			t.Errorf("the sandbox's own setup must not show: %s", sc.Text())
		}
	}
	if !confirmed || !refused {
		t.Errorf("want o's setroles confirmed (%v) and a refused naming the admin level (%v); stdout:\n%s", confirmed, refused, r.stdout)
	}
}

func TestSandboxRefusesWrongInput(t *testing.T) {
	cases := []struct {
		name   string
		script string
		args   []string
		want   string
	}{
		{"a wrong line is named", "user a roles=user\nuser b roles=wizard\n", nil, "script line 2: unknown role \"wizard\""},
		{"a missing script file", "", []string{"--script", filepath.Join(t.TempDir(), "none.txt")}, "--script: open"},
		{"a stray argument", "", []string{"play.txt"}, `unexpected argument "play.txt"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runSandboxScript(t, tc.script, tc.args...)
			if r.code != app.ExitUsage || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Fatalf("want exit 2 saying %q and nothing on stdout, got %d:\n%s%s", tc.want, r.code, r.stderr, r.stdout)
			}
		})
	}
}

func TestSandboxTakesThePersonsConfiguration(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("limits:\n  max_steps: 33\nhttp:\n  listen: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("limits:\n  max_steps: 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	const note = "sandbox: using config.yaml; overridden for the sandbox: discord.token, discord.api_url, discord.gateway_url, " +
		"discord.guild_ids, discord.owner_ids, database.url, comfyui.url, comfyui.backends\n"
	cases := []struct {
		name string
		args []string
	}{
		{"as a flag of sandbox", []string{"sandbox", "--config", "config.yaml"}},
		{"as the global flag", []string{"--config", "config.yaml", "sandbox"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(sandboxChild, "bot")
			var out, errOut bytes.Buffer
			code := Program().Run(t.Context(), tc.args, os.Environ(), strings.NewReader("user a roles=generator\na: /help\n"), &out, &errOut)
			if code != app.ExitOK {
				t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
			}
			if !strings.HasPrefix(errOut.String(), note) {
				t.Errorf("stderr should start with what was overridden:\n%s", errOut.String())
			}
			if !strings.Contains(out.String(), "Steps 1–33") {
				t.Errorf("/help should show the limits of the person's file:\n%s", out.String())
			}
		})
	}
	t.Run("a wrong value is reported as run reports it", func(t *testing.T) {
		r := runSandboxScript(t, "user a roles=generator\n", "--config", "bad.yaml")
		want := "discordsend-dev: configuration has 1 problem(s):\n  limits.max_steps (DISCORDBOT_LIMITS_MAX_STEPS):"
		if r.code != app.ExitUsage || !strings.HasPrefix(r.stderr, want) || r.stdout != "" {
			t.Fatalf("want exit 2 naming the key and its variable, got %d:\n%s%s", r.code, r.stderr, r.stdout)
		}
	})
}
