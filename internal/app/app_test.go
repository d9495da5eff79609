package app

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// result is what one invocation printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runApp runs the program in dir (a fresh temp dir by default) with env.
func runApp(t *testing.T, ctx context.Context, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(ctx, args, environ(env), strings.NewReader(""), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// environ is env as os.Environ would give it; a key mapped to "" is set
// and empty.
func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func inTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

// closedPort returns a loopback URL on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

const testToken = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-token-123.xyz"

func TestRunWithoutTokenExits2NamingTheVariable(t *testing.T) {
	inTempDir(t)
	r := runApp(t, t.Context(), nil, "run")
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want 2; stderr: %s", r.code, r.stderr)
	}
	for _, want := range []string{"DISCORDBOT_DISCORD_TOKEN", "discord.token"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "goroutine") {
		t.Errorf("a user error must not print a stack trace: %s", r.stderr)
	}
	if r2 := runApp(t, t.Context(), nil); r2.code != ExitUsage || !strings.Contains(r2.stderr, "DISCORDBOT_DISCORD_TOKEN") {
		t.Errorf("run is the default command: exit %d %s", r2.code, r2.stderr)
	}
}

func TestCheckReportsMisspelledKeyAndBadValue(t *testing.T) {
	dir := inTempDir(t)
	cfg := filepath.Join(dir, "bad.yaml")
	os.WriteFile(cfg, []byte("defualts:\n  max_queue_per_user: -1\n"), 0o600)
	r := runApp(t, t.Context(), nil, "--config", cfg, "check")
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want 2; stderr: %s", r.code, r.stderr)
	}
	for _, want := range []string{`unknown key "defualts"`, "DISCORDBOT_DEFAULTS_*", "defaults.max_queue_per_user (DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER)", "-1"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = runApp(t, t.Context(), nil, "check", "--json", "--config", cfg)
	if r.code != ExitUsage || !strings.Contains(r.stdout, `"problems"`) {
		t.Errorf("--json: exit %d, stdout %s", r.code, r.stdout)
	}
}

func TestCheckPrintConfigHidesToken(t *testing.T) {
	inTempDir(t)
	// Discord is asked on a closed port: the token must not print even in
	// the message of a request that failed.
	env := map[string]string{"DISCORDBOT_DISCORD_TOKEN": testToken, "DISCORDBOT_COMFYUI_URL": closedPort(t),
		"DISCORDBOT_DISCORD_API_URL": closedPort(t)}
	for _, args := range [][]string{{"check", "--print-config"}, {"check", "--print-config", "--json"}} {
		r := runApp(t, t.Context(), env, args...)
		all := r.stdout + r.stderr
		if strings.Contains(all, "secret-token-123") {
			t.Fatalf("%v printed the token:\n%s", args, all)
		}
		if !strings.Contains(all, "***") {
			t.Fatalf("%v: the token should show as ***:\n%s", args, all)
		}
	}
}

func TestCheckUnreachableComfyUI(t *testing.T) {
	inTempDir(t)
	url := closedPort(t)
	env := checkEnv(t)
	env["DISCORDBOT_COMFYUI_URL"] = url
	r := runApp(t, t.Context(), env, "check")
	if r.code != ExitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "FAIL comfyui default") || !strings.Contains(r.stdout, url) {
		t.Fatalf("the failing URL must be named:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "OK   discord token") || !strings.Contains(r.stdout, "OK   database") {
		t.Fatalf("other checks should pass:\n%s", r.stdout)
	}
}

func TestMigrateUpStatusAndNewerDatabaseRefused(t *testing.T) {
	inTempDir(t)
	dbURL := storetest.URL(t)
	env := map[string]string{"DISCORDBOT_DATABASE_URL": dbURL}
	r := runApp(t, t.Context(), env, "migrate", "status")
	if r.code != ExitOK || !strings.Contains(r.stdout, "schema version 0") || !strings.Contains(r.stdout, "pending  0001") {
		t.Fatalf("status of a new database: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runApp(t, t.Context(), env, "migrate", "up")
	if r.code != ExitOK || !strings.Contains(r.stdout, "applied migration 0001") {
		t.Fatalf("up: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runApp(t, t.Context(), env, "migrate", "status")
	if r.code != ExitOK || strings.Contains(r.stdout, "pending") || !strings.Contains(r.stdout, "applied  0001") {
		t.Fatalf("status after up: exit %d\n%s", r.code, r.stdout)
	}
	withDB := checkEnv(t)
	withDB["DISCORDBOT_DATABASE_URL"] = dbURL
	if r = runApp(t, t.Context(), withDB, "check"); !strings.Contains(r.stdout, "OK   database") || !strings.Contains(r.stdout, "up to date") {
		t.Fatalf("check after up: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	storetest.Exec(t, dbURL, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`)
	for _, args := range [][]string{{"migrate", "status"}, {"migrate", "up"}} {
		r = runApp(t, t.Context(), env, args...)
		if r.code != ExitFailure || !strings.Contains(r.stderr, "newer than this binary supports") {
			t.Fatalf("%v on a newer database: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	if r = runApp(t, t.Context(), env, "migrate", "sideways"); r.code != ExitUsage {
		t.Fatalf("bad migrate argument: exit %d", r.code)
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	inTempDir(t)
	for _, cmd := range commands(nil) {
		t.Run(cmd.Name, func(t *testing.T) {
			r := runApp(t, t.Context(), nil, cmd.Name, "--help")
			if r.code != ExitOK || !strings.Contains(r.stdout, "Usage: discordsend-bot "+cmd.Name) {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
	r := runApp(t, t.Context(), nil, "--help")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Commands:") {
		t.Fatalf("top-level help: exit %d %s", r.code, r.stdout)
	}
	for _, tool := range []string{"sandbox", "bench"} {
		r = runApp(t, t.Context(), nil, tool)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "go run ./cmd/discordsend-dev "+tool) {
			t.Errorf("%s in the deployed bot: exit %d %s", tool, r.code, r.stderr)
		}
	}
	r = runApp(t, t.Context(), nil, "frobnicate")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: exit %d %s", r.code, r.stderr)
	}
	r = runApp(t, t.Context(), nil, "check", "--bogus")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "check --help") {
		t.Fatalf("unknown flag: exit %d %s", r.code, r.stderr)
	}
}

func TestVersion(t *testing.T) {
	r := runApp(t, t.Context(), nil, "version")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "discordsend-bot ") {
		t.Fatalf("exit %d %q", r.code, r.stdout)
	}
}

// checkEnv is an environment on which every check passes: a fake Discord
// that knows the token and a fake ComfyUI.
func checkEnv(t *testing.T) map[string]string {
	t.Helper()
	d := discordtest.New(t)
	return map[string]string{
		"DISCORDBOT_DISCORD_TOKEN":   d.Token(),
		"DISCORDBOT_DISCORD_API_URL": d.APIURL(),
		"DISCORDBOT_COMFYUI_URL":     comfytest.New(t).URL(),
	}
}
