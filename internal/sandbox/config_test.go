package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
)

// sandboxValues are the values a session gives the overridden settings.
func sandboxValues() map[string]any {
	return map[string]any{
		"discord.token":       "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.token",
		"discord.api_url":     "http://127.0.0.1:1/api/v10",
		"discord.gateway_url": "",
		"discord.guild_ids":   []string{},
		"discord.owner_ids":   []string{},
		"database.url":        "sqlite:/tmp/sandbox.db",
		"comfyui.url":         "http://127.0.0.1:2",
		"comfyui.backends":    []string{},
		"http.listen":         "127.0.0.1:0",
		"log.level":           "info",
	}
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBotConfigKeepsThePersonsSettingsAndReplacesTheSandboxs(t *testing.T) {
	wd := t.TempDir()
	writeFile(t, wd, "flows/portrait.json", "{}")
	writeFile(t, wd, "flows/main.json", "{}")
	cases := []struct {
		name           string
		file           string // empty: no configuration file
		wantOverridden []string
		check          func(t *testing.T, cfg config.Config)
	}{
		{
			name:           "no file: the sandbox's own configuration",
			wantOverridden: slices.Concat(alwaysOverridden, []string{"http.listen"}),
			check: func(t *testing.T, cfg config.Config) {
				if got := cfg.Defaults.ProgressUpdateInterval.Std().String(); got != "1s" {
					t.Errorf("progress_update_interval %s, want 1s", got)
				}
				if cfg.Workflows.Dir != "workflows" {
					t.Errorf("workflows.dir %q: without a file the bot reads its work directory's", cfg.Workflows.Dir)
				}
			},
		},
		{
			name: "a person's file",
			file: `# my bot
discord:
  token: MTIzNDU2Nzg5MDEyMzQ1Njc4.real.secret
  guild_ids: ["111111111111111111"]
  owner_ids: ["222222222222222222"]
  gateway_url: wss://gateway.discord.gg
  dm_policy: everyone
comfyui:
  backends:
    - {name: gpu1, url: "http://10.0.0.1:8188"}
    - {name: gpu2, url: "http://10.0.0.2:8188"}
  window: 3
database:
  url: sqlite:prod.db
defaults:
  workflow_path: flows/main.json
  max_queue_per_user: 7
workflows:
  dir: flows
limits:
  max_steps: 42
jobs:
  max_requeues: 3
log:
  level: debug
  format: json
http:
  listen: 127.0.0.1:9750
`,
			wantOverridden: slices.Concat(alwaysOverridden, []string{"http.listen"}),
			check: func(t *testing.T, cfg config.Config) {
				want := sandboxValues()
				if cfg.Discord.Token.Reveal() != want["discord.token"] || cfg.Discord.APIURL != want["discord.api_url"] ||
					cfg.Discord.GatewayURL != "" || len(cfg.Discord.GuildIDs) != 0 || len(cfg.Discord.OwnerIDs) != 0 {
					t.Errorf("discord: %+v", cfg.Discord)
				}
				if cfg.Database.URL != want["database.url"] || cfg.HTTP.Listen != want["http.listen"] {
					t.Errorf("database %q, http %q", cfg.Database.URL, cfg.HTTP.Listen)
				}
				if b := cfg.EffectiveBackends(); len(b) != 1 || b[0].URL != want["comfyui.url"] {
					t.Errorf("backends: %+v", b)
				}
				if cfg.Workflows.Dir != filepath.Join(wd, "flows") || cfg.Defaults.WorkflowPath != filepath.Join(wd, "flows/main.json") {
					t.Errorf("relative paths resolve against the working directory: %q, %q", cfg.Workflows.Dir, cfg.Defaults.WorkflowPath)
				}
				if cfg.Discord.DMPolicy != "everyone" || cfg.ComfyUI.Window != 3 || cfg.Defaults.MaxQueuePerUser != 7 ||
					cfg.Limits.MaxSteps != 42 || cfg.Jobs.MaxRequeues != 3 || cfg.Log.Level != "debug" || cfg.Log.Format != "json" {
					t.Errorf("the person's other settings must stay: %+v", cfg)
				}
				if got := cfg.Defaults.ProgressUpdateInterval.Std().String(); got != "2s" {
					t.Errorf("progress_update_interval %s: the person's (default) value, not the sandbox's", got)
				}
			},
		},
		{
			name:           "a disabled listener stays disabled, a quiet log is made to speak, absolute paths stay",
			file:           "http:\n  listen: \"\"\nlog:\n  level: warn\nworkflows:\n  dir: " + filepath.Join(wd, "flows") + "\n",
			wantOverridden: slices.Concat(alwaysOverridden, []string{"log.level"}),
			check: func(t *testing.T, cfg config.Config) {
				if cfg.HTTP.Listen != "" || cfg.Log.Level != "info" || cfg.Workflows.Dir != filepath.Join(wd, "flows") {
					t.Errorf("http.listen %q, log.level %q, workflows.dir %q", cfg.HTTP.Listen, cfg.Log.Level, cfg.Workflows.Dir)
				}
			},
		},
		{
			name:           "empty sections and a file of comments",
			file:           "# nothing yet\ndiscord:\nhttp:\n",
			wantOverridden: slices.Concat(alwaysOverridden, []string{"http.listen"}),
			check: func(t *testing.T, cfg config.Config) {
				if cfg.Discord.APIURL != sandboxValues()["discord.api_url"] || cfg.Workflows.Dir != filepath.Join(wd, "workflows") {
					t.Errorf("api_url %q, workflows.dir %q", cfg.Discord.APIURL, cfg.Workflows.Dir)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = writeFile(t, t.TempDir(), "config.yaml", tc.file)
			}
			bc, err := loadBotConfig(path, wd)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(bc.overridden, tc.wantOverridden) {
				t.Errorf("overridden %v, want %v", bc.overridden, tc.wantOverridden)
			}
			out := filepath.Join(t.TempDir(), "bot.yaml")
			if err := bc.write(out, sandboxValues()); err != nil {
				t.Fatal(err)
			}
			// The bot reads the file strictly and checks it, as run does.
			cfg, _, err := config.Load(config.Source{Path: out})
			if err == nil {
				err = cfg.Validate()
			}
			if err != nil {
				data, _ := os.ReadFile(out)
				t.Fatalf("the bot would refuse its configuration: %v\n%s", err, data)
			}
			tc.check(t, cfg)
		})
	}
}

func TestBotConfigNoteNamesWhatWasReplaced(t *testing.T) {
	path := writeFile(t, t.TempDir(), "config.yaml", "limits:\n  max_steps: 20\n")
	bc, err := loadBotConfig(path, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := "sandbox: using " + path + "; overridden for the sandbox: discord.token, discord.api_url, discord.gateway_url, " +
		"discord.guild_ids, discord.owner_ids, database.url, comfyui.url, comfyui.backends, http.listen"
	if got := bc.note(path); got != want {
		t.Errorf("note:\n got %s\nwant %s", got, want)
	}
}

func TestBotConfigProblemsAreThePersonsOnly(t *testing.T) {
	cases := []struct {
		name string
		file string
		want []string // each in the error; empty: no error
	}{
		{"an unknown key is named with its line", "limits:\n  max_stepz: 20\n",
			[]string{`config.yaml: line 2: unknown key "limits.max_stepz"`, "DISCORDBOT_LIMITS_MAX_STEPS"}},
		{"a wrong value names its key and variable", "limits:\n  max_steps: 0\n",
			[]string{"limits.max_steps (DISCORDBOT_LIMITS_MAX_STEPS)"}},
		{"a missing workflow file", "defaults:\n  workflow_path: nowhere.json\n",
			[]string{"defaults.workflow_path (DISCORDBOT_DEFAULTS_WORKFLOW_PATH)"}},
		{"settings the sandbox replaces are not checked", "discord:\n  token: not-a-token\ndatabase:\n  url: postgres://db/bot\ncomfyui:\n  url: ftp://x\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "config.yaml", tc.file)
			_, err := loadBotConfig(path, t.TempDir())
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			var ce *ConfigError
			var ps *config.Problems
			if !errors.As(err, &ce) || !errors.As(err, &ps) {
				t.Fatalf("want a *ConfigError of *config.Problems, got %T %v", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	_, err := loadBotConfig(filepath.Join(t.TempDir(), "none.yaml"), t.TempDir())
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "read configuration file") {
		t.Errorf("a missing file: want a *ConfigError, got %v", err)
	}
}
