package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/bot"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/logging"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

type checkOpts struct {
	json        bool
	printConfig bool
}

func checkCommand() *Command {
	o := &checkOpts{}
	return &Command{
		Name:    "check",
		Summary: "validate the configuration and test the database, ComfyUI and the token",
		Help: `Prints one line per check, OK or FAIL with the reason: the database (opens,
migrations current), each ComfyUI backend (GET /system_stats: version and
devices) and the Discord token (well-formed, and accepted by Discord's REST API:
GET /users/@me; check does not open the gateway).
Exit 0 when all pass, 1 when a peer fails, 2 on configuration errors.`,
		Flags: func(fs *flag.FlagSet, _ *CLI) {
			fs.BoolVar(&o.json, "json", false, "print one JSON object instead of lines")
			fs.BoolVar(&o.printConfig, "print-config", false, "print the effective configuration first (secrets as ***)")
		},
		Run: func(ctx context.Context, c *CLI, _ []string) error { return runCheck(ctx, c, o) },
	}
}

// checkResult is one line of check's report.
type checkResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	config bool   // a failure the configuration must fix (exit 2), not a peer's
}

type checkReport struct {
	OK        bool           `json:"ok"`
	Config    string         `json:"config,omitempty"`
	Problems  []string       `json:"problems,omitempty"`
	Warnings  []string       `json:"warnings,omitempty"`
	Checks    []checkResult  `json:"checks"`
	Effective map[string]any `json:"effective_config,omitempty"`
}

func runCheck(ctx context.Context, c *CLI, o *checkOpts) error {
	cfg, err := c.loadConfig()
	var cfgErr *configError
	if errors.As(err, &cfgErr) && o.json {
		rep := checkReport{Problems: problemLines(cfgErr), Warnings: c.warnings, Checks: []checkResult{}}
		if o.printConfig {
			if rep.Effective, err = cfg.Map(); err != nil {
				return fmt.Errorf("print configuration: %w", err)
			}
		}
		return errors.Join(c.printJSON(rep), exitCode(ExitUsage))
	}
	// The configuration is shown even when it has problems: that is when
	// a person most needs to see what the bot read.
	if o.printConfig && !o.json && (err == nil || cfgErr != nil) {
		out, yerr := cfg.YAML()
		if yerr != nil {
			return fmt.Errorf("print configuration: %w", yerr)
		}
		fmt.Fprintf(c.Stdout, "# effective configuration (secrets as ***)\n%s\n", c.redact(string(out)))
	}
	if !o.json {
		// Warnings come first: a misspelled variable is often why a
		// setting, or a check below, is not what was meant.
		for _, w := range c.warnings {
			fmt.Fprintf(c.Stdout, "WARN %-18s %s\n", "environment", c.redact(w))
		}
	}
	if err != nil {
		return err
	}
	results := []checkResult{checkDatabase(ctx, cfg)}
	results = append(results, checkBackends(ctx, cfg)...)
	results = append(results, checkToken(ctx, cfg))
	code := ExitOK
	for _, r := range results {
		switch {
		case !r.OK && r.config:
			code = ExitUsage
		case !r.OK && code == ExitOK:
			code = ExitFailure
		}
	}
	if o.json {
		rep := checkReport{OK: code == ExitOK, Config: c.configPath, Warnings: c.warnings, Checks: results}
		if o.printConfig {
			var err error
			if rep.Effective, err = cfg.Map(); err != nil {
				return fmt.Errorf("print configuration: %w", err)
			}
		}
		return errors.Join(c.printJSON(rep), exitCode(code))
	}
	for _, r := range results {
		status := "OK  "
		if !r.OK {
			status = "FAIL"
		}
		fmt.Fprintf(c.Stdout, "%s %-18s %s\n", status, r.Name, c.redact(r.Detail))
	}
	return exitCode(code)
}

func problemLines(err *configError) []string {
	var ps *config.Problems
	if errors.As(err, &ps) {
		out := make([]string, len(ps.List))
		for i, p := range ps.List {
			out[i] = p.String()
		}
		return out
	}
	return []string{err.Error()}
}

func (c *CLI) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintln(c.Stdout, c.redact(string(b)))
	return err
}

func checkDatabase(ctx context.Context, cfg config.Config) checkResult {
	r := checkResult{Name: "database"}
	// A SQLite file is created by 'run'; a PostgreSQL database must exist
	// and is asked.
	if path, ok := store.SQLiteFile(cfg.Database.URL); ok {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			r.OK = true
			r.Detail = cfg.Database.URL + ": not created yet; 'run' or 'migrate up' creates it"
			return r
		}
	}
	st, err := store.Open(ctx, cfg.Database.URL, store.WithLogger(logging.Discard()))
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	defer st.Close()
	status, err := st.MigrationStatus(ctx)
	switch {
	case err != nil:
		r.Detail = err.Error()
	case status.Current > status.Latest:
		r.Detail = (&store.SchemaTooNewError{Version: status.Current, Supported: status.Latest}).Error()
	case len(status.Pending) > 0:
		r.OK = true
		r.Detail = fmt.Sprintf("%s: schema version %d, %d migration(s) pending; 'run' or 'migrate up' applies them",
			cfg.Database.URL, status.Current, len(status.Pending))
	default:
		r.OK = true
		r.Detail = fmt.Sprintf("%s: schema version %d, up to date", cfg.Database.URL, status.Current)
	}
	return r
}

// checkBackends asks every backend for /system_stats at once.
func checkBackends(ctx context.Context, cfg config.Config) []checkResult {
	backends := cfg.EffectiveBackends()
	results := make([]checkResult, len(backends))
	var wg sync.WaitGroup
	for i, b := range backends {
		wg.Go(func() { results[i] = checkBackend(ctx, cfg, b) })
	}
	wg.Wait()
	return results
}

func checkBackend(ctx context.Context, cfg config.Config, b config.Backend) checkResult {
	r := checkResult{Name: "comfyui " + b.Name}
	ctx, cancel := context.WithTimeout(ctx, min(cfg.ComfyUI.Timeout.Std(), 10*time.Second))
	defer cancel()
	client := comfy.New(comfy.Options{Name: b.Name, BaseURL: b.URL, Headers: revealHeaders(b.Headers), Timeout: cfg.ComfyUI.Timeout.Std(), Logger: logging.Discard()})
	stats, err := client.SystemStats(ctx)
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	r.OK = true
	var devices []string
	for _, d := range stats.Devices {
		devices = append(devices, d.Name)
	}
	if len(devices) == 0 {
		devices = []string{"no devices"}
	}
	r.Detail = fmt.Sprintf("%s: ComfyUI %s, %s", config.RedactURL(b.URL), stats.ComfyUIVersion, strings.Join(devices, "; "))
	return r
}

func revealHeaders(h map[string]config.Secret) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v.Reveal()
	}
	return out
}

func checkToken(ctx context.Context, cfg config.Config) checkResult {
	r := checkResult{Name: "discord token", config: true}
	if cfg.Discord.Token == "" {
		r.Detail = "not set: set DISCORDBOT_DISCORD_TOKEN (or discord.token in the configuration file)"
		return r
	}
	appID, err := config.TokenAppID(cfg.Discord.Token)
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	who, err := bot.VerifyToken(ctx, &http.Client{}, cfg.Discord.APIURL, cfg.Discord.Token.Reveal())
	if refused, ok := errors.AsType[*bot.TokenRefusedError](err); ok {
		r.Detail = tokenRefusedMessage(refused)
		return r
	}
	if err != nil {
		r.config = false // Discord did not answer: not the configuration's fault
		r.Detail = fmt.Sprintf("well-formed, for application %s, but not verified: %v", appID, err)
		return r
	}
	r.OK = true
	r.Detail = fmt.Sprintf("accepted by Discord: bot %s (%s), application %s", who.Username, who.ID, appID)
	return r
}

// tokenRefusedMessage says what to do about a token Discord refused.
func tokenRefusedMessage(e *bot.TokenRefusedError) string {
	how := strconv.Itoa(e.Code)
	if e.Code != http.StatusUnauthorized {
		how = "gateway close " + how
	}
	return fmt.Sprintf("Discord refused the token (%s): reset it in the Developer Portal → Bot → Reset Token "+
		"and set DISCORDBOT_DISCORD_TOKEN (or discord.token in the configuration file)", how)
}
