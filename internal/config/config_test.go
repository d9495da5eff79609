package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var ps *Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want *Problems, got %v", err)
	}
	var out []string
	for _, p := range ps.List {
		out = append(out, p.String())
	}
	return out
}

func TestDefaultsAreValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("defaults must validate: %v", err)
	}
}

func TestLoadLayers(t *testing.T) {
	yml := writeFile(t, "c.yaml", `
discord:
  owner_ids: ["123456789012345678"]
comfyui:
  url: http://gpu:8188
  timeout: 10
defaults:
  max_queue_per_user: 5
  progress_update_interval: 2.5
  workflow_path: ""
log:
  level: debug
`)
	dotenv := writeFile(t, ".env", "DISCORDBOT_DISCORD_TOKEN=\"from-dotenv\"\nexport DISCORDBOT_LOG_FORMAT=json # comment\nDISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER=9\n")
	env := map[string]string{
		"DISCORDBOT_COMFYUI_URL":                       "http://other:8188",
		"DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER":       "7",
		"DISCORDBOT_DEFAULTS_PROGRESS_UPDATE_INTERVAL": "3s",
		"DISCORDBOT_DISCORD_GUILD_IDS":                 "1, 2,",
	}
	cfg, path, err := Load(Source{Path: yml, Env: env, DotEnv: dotenv})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"path", path, yml},
		{"env beats yaml", cfg.ComfyUI.URL, "http://other:8188"},
		{"env beats .env", cfg.Defaults.MaxQueuePerUser, 7},
		{".env fills unset", cfg.Discord.Token.Reveal(), "from-dotenv"},
		{".env comment stripped", cfg.Log.Format, "json"},
		{"yaml", cfg.Log.Level, "debug"},
		{"seconds as number", cfg.ComfyUI.Timeout.Std(), 10 * time.Second},
		{"go duration from env", cfg.Defaults.ProgressUpdateInterval.Std(), 3 * time.Second},
		{"list from env", fmt.Sprint(cfg.Discord.GuildIDs), "[1 2]"},
		{"owner ids", fmt.Sprint(cfg.Discord.OwnerIDs), "[123456789012345678]"},
		{"default kept", cfg.Database.URL, DefaultDatabase},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestProgressIntervalForms(t *testing.T) {
	for in, want := range map[string]time.Duration{"2.0": 2 * time.Second, "2": 2 * time.Second, "2s": 2 * time.Second, "1500ms": 1500 * time.Millisecond} {
		t.Run(in, func(t *testing.T) {
			p := writeFile(t, "c.yaml", "defaults:\n  progress_update_interval: "+in+"\n")
			cfg, _, err := Load(Source{Path: p})
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Defaults.ProgressUpdateInterval.Std(); got != want {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func TestMisspelledKeyAndBadValueBothReported(t *testing.T) {
	for name, body := range map[string]string{
		"value inside the misspelled section": "defualts:\n  max_queue_per_user: -1\n",
		"value in the right section":          "defualts:\n  delivery: dm\ndefaults:\n  max_queue_per_user: -1\n",
	} {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, "config.yaml", body)
			cfg, _, err := Load(Source{Path: p})
			all := problemsOf(t, err)
			all = append(all, problemsOf(t, cfg.Validate())...)
			text := strings.Join(all, "\n")
			for _, want := range []string{
				`line 1: unknown key "defualts" (did you mean "defaults"? env DISCORDBOT_DEFAULTS_*)`,
				"defaults.max_queue_per_user (DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER)",
				`"-1" is not allowed: use a whole number from 1 to 100`,
			} {
				if !strings.Contains(text, want) {
					t.Errorf("missing %q in:\n%s", want, text)
				}
			}
		})
	}
}

func TestYAMLProblems(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"unknown nested key", "log:\n  levle: debug\n", `line 2: unknown key "log.levle" (did you mean "log.level"? env DISCORDBOT_LOG_LEVEL)`},
		{"unknown key far from any", "zzz: 1\n", `unknown key "zzz"; see config.example.yaml`},
		{"wrong type names the key", "defaults:\n  max_queue_per_user: lots\n", "line 2: defaults.max_queue_per_user (DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER): cannot unmarshal"},
		{"bad duration", "jobs:\n  timeout: soon\n", `"soon" is not a duration`},
		{"backend unknown key", "comfyui:\n  backends:\n    - name: a\n      ulr: http://x\n", `unknown key "comfyui.backends.ulr"`},
		{"broken yaml", "a: [\n", "not valid YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Load(Source{Path: writeFile(t, "c.yaml", c.body)})
			text := strings.Join(problemsOf(t, err), "\n")
			if !strings.Contains(text, c.want) {
				t.Fatalf("want %q in:\n%s", c.want, text)
			}
		})
	}
}

func TestValidateNamesKeyEnvValueAndAllowed(t *testing.T) {
	token := Secret("MTIzNDU2Nzg5MDEyMzQ1Njc4.x.y")
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"queue limit", func(c *Config) { c.Defaults.MaxQueuePerUser = 0 }, `defaults.max_queue_per_user (DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER): "0" is not allowed: use a whole number from 1 to 100`},
		{"interval", func(c *Config) { c.Defaults.ProgressUpdateInterval = Duration(100 * time.Millisecond) }, `defaults.progress_update_interval (DISCORDBOT_DEFAULTS_PROGRESS_UPDATE_INTERVAL): "100ms" is not allowed`},
		{"delivery", func(c *Config) { c.Defaults.Delivery = "email" }, `"email" is not allowed: use one of channel, dm`},
		{"comfy url", func(c *Config) { c.ComfyUI.URL = "localhost:8188" }, "comfyui.url (DISCORDBOT_COMFYUI_URL)"},
		{"both url and backends", func(c *Config) {
			c.ComfyUI.URL = "http://a:1"
			c.ComfyUI.Backends = []Backend{{Name: "b", URL: "http://b:1"}}
		}, "not both"},
		{"duplicate backend", func(c *Config) {
			c.ComfyUI.Backends = []Backend{{Name: "b", URL: "http://b:1"}, {Name: "b", URL: "http://c:1"}}
		}, `backend name "b" is used twice`},
		{"database scheme", func(c *Config) { c.Database.URL = "mysql://u:pw@h/db" }, `"mysql://***@h/db" is not allowed: write sqlite:PATH`},
		{"owner id", func(c *Config) { c.Discord.OwnerIDs = []string{"@me"} }, "discord.owner_ids (DISCORDBOT_DISCORD_OWNER_IDS)"},
		{"token shape", func(c *Config) { c.Discord.Token = "not-a-token" }, "discord.token (DISCORDBOT_DISCORD_TOKEN): does not look like a bot token"},
		{"gateway scheme", func(c *Config) { c.Discord.GatewayURL = "http://x" }, "discord.gateway_url"},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, "log.format (DISCORDBOT_LOG_FORMAT)"},
		{"listen", func(c *Config) { c.HTTP.Listen = "9750" }, "http.listen (DISCORDBOT_HTTP_LISTEN)"},
		{"workflow path", func(c *Config) { c.Defaults.WorkflowPath = "/nonexistent/x.json" }, "defaults.workflow_path (DISCORDBOT_DEFAULTS_WORKFLOW_PATH)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			cfg.Discord.Token = token
			c.mutate(&cfg)
			text := strings.Join(problemsOf(t, cfg.Validate()), "\n")
			if !strings.Contains(text, c.want) {
				t.Fatalf("want %q in:\n%s", c.want, text)
			}
			if strings.Contains(text, "not-a-token") {
				t.Fatal("token leaked into a problem")
			}
		})
	}
}

func TestValidateDatabaseURL(t *testing.T) {
	cases := []struct {
		url string
		ok  bool
	}{
		{"sqlite:discordsend.db", true},
		{"sqlite:///var/lib/bot/bot.db", true},
		{"postgres://bot:pw@db:5432/bot?sslmode=require", true},
		{"postgresql://db/bot", true},
		{"sqlite:", false},
		{"postgres://", false},
		{"mysql://db/bot", false},
		{"bot.db", false},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			cfg := Default()
			cfg.Discord.Token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.x.y"
			cfg.Database.URL = c.url
			err := cfg.Validate()
			if got := err == nil; got != c.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func TestValidateCollectsEveryProblem(t *testing.T) {
	cfg := Default()
	cfg.Defaults.MaxQueuePerUser = -1
	cfg.Log.Level = "loud"
	cfg.Limits.MaxBatch = 0
	if got := len(problemsOf(t, cfg.Validate())); got != 3 {
		t.Fatalf("want 3 problems, got %d", got)
	}
}

func TestTokenAppID(t *testing.T) {
	id, err := TokenAppID("MTIzNDU2Nzg5MDEyMzQ1Njc4.x.y")
	if err != nil || id != "123456789012345678" {
		t.Fatalf("got %q, %v", id, err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	const token = "secret-token-123"
	cfg := Default()
	cfg.Discord.Token = token
	cfg.ComfyUI.Backends = []Backend{{Name: "a", URL: "http://user:hunter22@gpu:8188", Headers: map[string]Secret{"Authorization": "Bearer abcdef"}}}
	cfg.Database.URL = "postgres://bot:pgpass77@db:5432/bot"
	out, err := cfg.YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{string(out), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.Discord.Token)} {
		for _, secret := range []string{token, "hunter22", "abcdef", "pgpass77"} {
			if strings.Contains(s, secret) {
				t.Fatalf("%q leaked in:\n%s", secret, s)
			}
		}
	}
	if !strings.Contains(string(out), "token: '***'") {
		t.Fatalf("token should print as ***:\n%s", out)
	}
	if got := cfg.Secrets(); !slices.Contains(got, "pgpass77") || len(got) != 4 {
		t.Fatalf("want 4 secrets for log redaction, the database password among them; got %d", len(got))
	}
}

func TestEnvBackends(t *testing.T) {
	cfg, _, err := Load(Source{Env: map[string]string{"DISCORDBOT_COMFYUI_BACKENDS": "a=http://a:1, http://b:2"}})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(cfg.EffectiveBackends())
	if got != "[{a http://a:1 map[]} {comfy2 http://b:2 map[]}]" {
		t.Fatalf("got %s", got)
	}
}

func TestEnvErrorsNameTheVariable(t *testing.T) {
	_, _, err := Load(Source{Env: map[string]string{"DISCORDBOT_COMFYUI_WINDOW": "two"}})
	text := strings.Join(problemsOf(t, err), "\n")
	if !strings.Contains(text, `comfyui.window (DISCORDBOT_COMFYUI_WINDOW): "two" from the environment: not a whole number`) {
		t.Fatal(text)
	}
}

func TestConfigFileSelection(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, path, err := Load(Source{}); err != nil || path != "" {
		t.Fatalf("no file: got %q, %v", path, err)
	}
	if err := os.WriteFile(DefaultFile, []byte("log:\n  level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, path, err := Load(Source{})
	if err != nil || path != DefaultFile || cfg.Log.Level != "warn" {
		t.Fatalf("config.yaml: got %q %q, %v", path, cfg.Log.Level, err)
	}
	other := writeFile(t, "other.yaml", "log:\n  level: error\n")
	cfg, _, _ = Load(Source{Env: map[string]string{"DISCORDBOT_CONFIG": other}})
	if cfg.Log.Level != "error" {
		t.Fatalf("DISCORDBOT_CONFIG not used: %q", cfg.Log.Level)
	}
	if _, _, err := Load(Source{Path: filepath.Join(dir, "missing.yaml")}); err == nil {
		t.Fatal("a named file that is missing must be an error")
	}
}

// Every key must be documented for people: in config.example.yaml and in the
// README's configuration reference.
func TestEveryKeyDocumented(t *testing.T) {
	example, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := Load(Source{Path: "../../config.example.yaml"})
	if err != nil {
		t.Fatalf("config.example.yaml must load cleanly: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config.example.yaml must validate: %v", err)
	}
	for _, k := range Keys() {
		section, key, _ := strings.Cut(k.Path, ".")
		if !strings.Contains(string(example), "\n"+section+":") || !strings.Contains(string(example), "  "+key+":") {
			t.Errorf("config.example.yaml lacks %s", k.Path)
		}
		if !strings.Contains(string(readme), "`"+k.Path+"`") || !strings.Contains(string(readme), "`"+k.Env+"`") {
			t.Errorf("README configuration reference lacks %s / %s", k.Path, k.Env)
		}
		if k.Doc == "" {
			t.Errorf("%s has no doc tag", k.Path)
		}
		// A list of objects (comfyui.backends) documents each field of
		// its entries as path[].field.
		typ := reflect.TypeFor[Config]().FieldByIndex(k.field).Type
		if typ.Kind() != reflect.Slice || typ.Elem().Kind() != reflect.Struct {
			continue
		}
		for i := range typ.Elem().NumField() {
			f := typ.Elem().Field(i)
			sub := k.Path + "[]." + yamlName(f)
			if !strings.Contains(string(readme), "| `"+sub+"` |") {
				t.Errorf("README configuration reference lacks %s", sub)
			}
			if !strings.Contains(string(example), " "+yamlName(f)+":") {
				t.Errorf("config.example.yaml does not show %s", sub)
			}
			if f.Tag.Get("doc") == "" {
				t.Errorf("%s has no doc tag", sub)
			}
		}
	}
}

// A variable set to "" is not an unset one: it clears a text or list
// setting (DISCORDBOT_HTTP_LISTEN= disables the listener, as documented).
func TestEnvSetButEmpty(t *testing.T) {
	yml := writeFile(t, "c.yaml", "http:\n  listen: 0.0.0.0:9000\ndiscord:\n  owner_ids: [\"123\"]\n")
	dotenv := writeFile(t, ".env", "DISCORDBOT_WORKFLOWS_UPSCALE=from-dotenv\n")
	cases := []struct {
		name string
		path string // YAML file, "" for none
		env  map[string]string
		get  func(Config) any
		want any
	}{
		{"listen unset keeps the default", "", nil, func(c Config) any { return c.HTTP.Listen }, DefaultHTTPListen},
		{"listen empty disables", "", map[string]string{"DISCORDBOT_HTTP_LISTEN": ""}, func(c Config) any { return c.HTTP.Listen }, ""},
		{"listen empty beats the file", yml, map[string]string{"DISCORDBOT_HTTP_LISTEN": ""}, func(c Config) any { return c.HTTP.Listen }, ""},
		{"listen unset keeps the file", yml, nil, func(c Config) any { return c.HTTP.Listen }, "0.0.0.0:9000"},
		{"list empty clears", yml, map[string]string{"DISCORDBOT_DISCORD_OWNER_IDS": ""}, func(c Config) any { return len(c.Discord.OwnerIDs) }, 0},
		{"number empty is ignored", "", map[string]string{"DISCORDBOT_COMFYUI_WINDOW": ""}, func(c Config) any { return c.ComfyUI.Window }, 2},
		{"duration empty is ignored", "", map[string]string{"DISCORDBOT_JOBS_TIMEOUT": " "}, func(c Config) any { return c.Jobs.Timeout.Std() }, 15 * time.Minute},
		{"empty in the environment beats .env", "", map[string]string{"DISCORDBOT_WORKFLOWS_UPSCALE": ""}, func(c Config) any { return c.Workflows.Upscale }, ""},
		{".env fills an unset one", "", nil, func(c Config) any { return c.Workflows.Upscale }, "from-dotenv"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, _, err := Load(Source{Path: c.path, Env: c.env, DotEnv: dotenv})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.get(cfg); got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestUnknownVariables(t *testing.T) {
	dotenv := writeFile(t, ".env", "DISCORDBOT_LOG_LEVLE=debug\nDISCORDBOT_LOG_LEVEL=info\n")
	cases := []struct {
		name   string
		env    map[string]string
		dotenv string
		want   []UnknownVariable
	}{
		{"transposed letters", map[string]string{"DISCORDBOT_DISCORD_TOKNE": "x"}, "",
			[]UnknownVariable{{Name: "DISCORDBOT_DISCORD_TOKNE", Guess: "DISCORDBOT_DISCORD_TOKEN"}}},
		{"set but empty counts", map[string]string{"DISCORDBOT_HTTP_LISTN": ""}, "",
			[]UnknownVariable{{Name: "DISCORDBOT_HTTP_LISTN", Guess: "DISCORDBOT_HTTP_LISTEN"}}},
		{"far from any", map[string]string{"DISCORDBOT_FROBNICATE": "1"}, "",
			[]UnknownVariable{{Name: "DISCORDBOT_FROBNICATE"}}},
		{"in .env", nil, dotenv,
			[]UnknownVariable{{Name: "DISCORDBOT_LOG_LEVLE", Guess: "DISCORDBOT_LOG_LEVEL", DotEnv: true}}},
		{"known ones and others are fine", map[string]string{"DISCORDBOT_DISCORD_TOKEN": "x", "DISCORDBOT_CONFIG": "c.yaml",
			"DISCORDBOT_TEST_POSTGRES": "postgres://", "HOME": "/root", "discordbot_lower": "x"}, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := UnknownVariables(Source{Env: c.env, DotEnv: c.dotenv})
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// The JSON form of the configuration reads like the YAML file.
func TestMapUsesYAMLKeysAndHumanDurations(t *testing.T) {
	cfg := Default()
	cfg.Discord.Token = "MTIz.secret.x"
	cfg.ComfyUI.Backends = []Backend{{Name: "a", URL: "http://a:1", Headers: map[string]Secret{"Authorization": "Bearer hidden"}}}
	cfg.ComfyUI.Timeout = Duration(90 * time.Second)
	m, err := cfg.Map()
	if err != nil {
		t.Fatal(err)
	}
	section := func(name string) map[string]any {
		s, ok := m[name].(map[string]any)
		if !ok {
			t.Fatalf("no section %q in %v", name, m)
		}
		return s
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"snake_case key", section("defaults")["max_queue_per_user"], 3},
		{"duration as text", section("database")["lease_ttl"], "6s"},
		{"minutes and seconds", section("comfyui")["timeout"], "1m30s"},
		{"secret masked", section("discord")["token"], "***"},
		{"header masked", fmt.Sprint(section("comfyui")["backends"]), "[map[headers:map[Authorization:***] name:a url:http://a:1]]"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v (%T), want %v", c.name, c.got, c.got, c.want)
		}
	}
	if _, ok := m["Defaults"]; ok {
		t.Errorf("Go field names must not appear: %v", m)
	}
}

func TestBadDurationNamesItsKeyAndLineAndHidesNothing(t *testing.T) {
	cfg := Default()
	ps := &Problems{File: "config.yaml"}
	decodeYAML([]byte("jobs:\n  timeout: 5 minutes\nlimits:\n  max_steps: many\ndefaults:\n  progress_update_interval: soon\n"), &cfg, ps)
	want := map[string]int{"jobs.timeout": 2, "limits.max_steps": 4, "defaults.progress_update_interval": 6}
	got := map[string]int{}
	for _, p := range ps.List {
		got[p.Key] = p.Line
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems at %v, want %v: %v", got, want, ps.err())
	}
	if msg := ps.err().Error(); !strings.Contains(msg, `"5 minutes" is not a duration`) || !strings.Contains(msg, "DISCORDBOT_JOBS_TIMEOUT") {
		t.Fatalf("message should say what is wrong and name the variable too:\n%s", msg)
	}
}

func TestYAMLSyntaxErrorHasItsLine(t *testing.T) {
	cfg := Default()
	ps := &Problems{File: "config.yaml"}
	decodeYAML([]byte("discord:\n  token: a\n bad: [\n"), &cfg, ps)
	if len(ps.List) != 1 || ps.List[0].Line == 0 || !strings.HasPrefix(ps.List[0].Message, "not valid YAML") {
		t.Fatalf("problems = %+v, want one syntax error with its line", ps.List)
	}
}
