//go:build !race

package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// DISCORDBOT_HTTP_LISTEN= (set, empty) disables the listener, as
// config.example.yaml and the README say; an address enables it.
func TestHTTPListenSetButEmptyDisablesTheListener(t *testing.T) {
	const listening = "health and metrics listening"
	cases := []struct {
		name, listen string
		want         bool
	}{
		{"empty disables", "", false},
		{"an address listens", "127.0.0.1:0", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, withoutBot())
			w.env["DISCORDBOT_HTTP_LISTEN"] = c.listen
			w.start()
			w.stop()
			if got := strings.Contains(w.logs.String(), listening); got != c.want {
				t.Fatalf("listening %v, want %v; logs:\n%s", got, c.want, w.logs.String())
			}
		})
	}
}

// A misspelled DISCORDBOT_* variable is a warning naming the closest
// setting, not a failure.
func TestCheckWarnsAboutUnknownVariables(t *testing.T) {
	cases := []struct {
		name   string
		env    map[string]string
		dotenv string
		want   string
	}{
		{"environment", map[string]string{"DISCORDBOT_DISCORD_TOKNE": "x"}, "",
			"unknown variable DISCORDBOT_DISCORD_TOKNE; did you mean DISCORDBOT_DISCORD_TOKEN?"},
		{".env", nil, "DISCORDBOT_LOG_LEVLE=debug\n",
			"unknown variable DISCORDBOT_LOG_LEVLE in .env; did you mean DISCORDBOT_LOG_LEVEL?"},
		{"no close setting", map[string]string{"DISCORDBOT_FROBNICATE": "1"}, "",
			"unknown variable DISCORDBOT_FROBNICATE; no setting has that name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := inTempDir(t)
			if c.dotenv != "" {
				if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(c.dotenv), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			env := checkEnv(t)
			for k, v := range c.env {
				env[k] = v
			}
			r := runApp(t, t.Context(), env, "check")
			if r.code != ExitOK || !strings.Contains(r.stdout, "WARN environment") || !strings.Contains(r.stdout, c.want) {
				t.Fatalf("exit %d, want 0 with a warning %q:\n%s%s", r.code, c.want, r.stdout, r.stderr)
			}
			r = runApp(t, t.Context(), env, "check", "--json")
			var rep struct {
				OK       bool     `json:"ok"`
				Warnings []string `json:"warnings"`
			}
			decodeJSON(t, []byte(r.stdout), &rep)
			if r.code != ExitOK || !rep.OK || len(rep.Warnings) != 1 || !strings.HasPrefix(rep.Warnings[0], c.want) {
				t.Fatalf("--json: exit %d, warnings %q:\n%s", r.code, rep.Warnings, r.stdout)
			}
		})
	}
	t.Run("run without a token says why", func(t *testing.T) {
		inTempDir(t)
		r := runApp(t, t.Context(), map[string]string{"DISCORDBOT_DISCORD_TOKNE": "x"}, "run")
		if r.code != ExitUsage || !strings.Contains(r.stderr, "warning: unknown variable DISCORDBOT_DISCORD_TOKNE; did you mean DISCORDBOT_DISCORD_TOKEN?") {
			t.Fatalf("exit %d:\n%s", r.code, r.stderr)
		}
	})
}

// check --json prints the configuration as the YAML file names it, with
// durations as a person writes them.
func TestCheckJSONUsesYAMLNamesAndHumanDurations(t *testing.T) {
	inTempDir(t)
	env := checkEnv(t)
	env["DISCORDBOT_COMFYUI_TIMEOUT"] = "90"
	r := runApp(t, t.Context(), env, "check", "--json", "--print-config")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Effective map[string]map[string]any `json:"effective_config"`
	}
	decodeJSON(t, []byte(r.stdout), &rep)
	checks := []struct {
		section, key string
		want         any
	}{
		{"defaults", "max_queue_per_user", json.Number("3")},
		{"defaults", "progress_update_interval", "2s"},
		{"database", "lease_ttl", "6s"},
		{"comfyui", "timeout", "1m30s"},
		{"jobs", "timeout", "15m0s"},
		{"discord", "token", "***"},
	}
	for _, c := range checks {
		if got := rep.Effective[c.section][c.key]; got != c.want {
			t.Errorf("%s.%s = %v (%T), want %v", c.section, c.key, got, got, c.want)
		}
	}
	for _, goName := range []string{`"Defaults"`, `"MaxQueuePerUser"`, `"LeaseTTL"`} {
		if strings.Contains(r.stdout, goName) {
			t.Errorf("a Go field name %s in the JSON:\n%s", goName, r.stdout)
		}
	}
}
