package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Validate checks every setting and returns all problems at once as *Problems.
func (c Config) Validate() error {
	ps := &Problems{}
	c.validateDiscord(ps)
	c.validateComfyUI(ps)
	c.validateDefaults(ps)
	c.validateLimits(ps)
	validateDatabase(ps, c.Database.URL)
	durationIn(ps, "database.lease_ttl", c.Database.LeaseTTL.Std(), time.Second, 5*time.Minute)
	durationIn(ps, "jobs.timeout", c.Jobs.Timeout.Std(), time.Minute, 24*time.Hour)
	intIn(ps, "jobs.max_requeues", c.Jobs.MaxRequeues, 0, 10)
	oneOf(ps, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf(ps, "log.format", c.Log.Format, "text", "json")
	if c.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			bad(ps, "http.listen", c.HTTP.Listen, "write host:port such as 127.0.0.1:9750, or leave it empty to disable")
		}
	}
	return ps.err()
}

func (c Config) validateDiscord(ps *Problems) {
	if c.Discord.Token != "" {
		if _, err := TokenAppID(c.Discord.Token); err != nil {
			ps.add(Problem{Key: "discord.token", Message: err.Error()})
		}
	}
	snowflakes(ps, "discord.owner_ids", c.Discord.OwnerIDs)
	snowflakes(ps, "discord.guild_ids", c.Discord.GuildIDs)
	urlWithScheme(ps, "discord.api_url", c.Discord.APIURL, "http", "https")
	if c.Discord.GatewayURL != "" {
		urlWithScheme(ps, "discord.gateway_url", c.Discord.GatewayURL, "ws", "wss")
	}
	oneOf(ps, "discord.dm_policy", c.Discord.DMPolicy, "owners", "admins", "generators", "everyone", "nobody")
}

func (c Config) validateComfyUI(ps *Problems) {
	if len(c.ComfyUI.Backends) > 0 && c.ComfyUI.URL != DefaultComfyURL && c.ComfyUI.URL != "" {
		ps.add(Problem{Key: "comfyui.url", Message: "set either comfyui.url (one server) or comfyui.backends (several), not both"})
	}
	if len(c.ComfyUI.Backends) == 0 {
		urlWithScheme(ps, "comfyui.url", c.ComfyUI.URL, "http", "https")
	}
	seen := map[string]bool{}
	for i, b := range c.ComfyUI.Backends {
		where := fmt.Sprintf("backend %d", i+1)
		if b.Name == "" {
			ps.add(Problem{Key: "comfyui.backends", Message: where + " has no name; give each backend a short unique name"})
		} else if seen[b.Name] {
			ps.add(Problem{Key: "comfyui.backends", Message: fmt.Sprintf("backend name %q is used twice; names must be unique", b.Name)})
		}
		seen[b.Name] = true
		if err := checkURL(b.URL, "http", "https"); err != nil {
			ps.add(Problem{Key: "comfyui.backends", Message: fmt.Sprintf("backend %q: %v", b.Name, err)})
		}
	}
	durationIn(ps, "comfyui.timeout", c.ComfyUI.Timeout.Std(), time.Second, 10*time.Minute)
	intIn(ps, "comfyui.window", c.ComfyUI.Window, 1, 16)
}

func (c Config) validateDefaults(ps *Problems) {
	intIn(ps, "defaults.max_queue_per_user", c.Defaults.MaxQueuePerUser, 1, 100)
	durationIn(ps, "defaults.progress_update_interval", c.Defaults.ProgressUpdateInterval.Std(), time.Second, time.Minute)
	oneOf(ps, "defaults.delivery", c.Defaults.Delivery, "channel", "dm")
	if p := c.Defaults.WorkflowPath; p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			bad(ps, "defaults.workflow_path", p, "no such file; give the path of an API-format workflow JSON, or leave it empty for the built-in one")
		}
	}
	if d := c.Workflows.Dir; d != "" {
		if st, err := os.Stat(d); err == nil && !st.IsDir() {
			bad(ps, "workflows.dir", d, "is a file; give a folder of NAME.json workflows")
		}
	}
}

func (c Config) validateLimits(ps *Problems) {
	intIn(ps, "limits.max_prompt_length", c.Limits.MaxPromptLength, 1, 6000)
	intIn(ps, "limits.max_steps", c.Limits.MaxSteps, 1, 10000)
	intIn(ps, "limits.max_width", c.Limits.MaxWidth, 64, 16384)
	intIn(ps, "limits.max_height", c.Limits.MaxHeight, 64, 16384)
	intIn(ps, "limits.max_batch", c.Limits.MaxBatch, 1, 64)
	// ComfyUI refuses uploads over 100 MB unless started with a larger --max-upload-size.
	intIn(ps, "limits.max_input_mb", c.Limits.MaxInputMB, 1, 100)
	intIn(ps, "limits.max_input_megapixels", c.Limits.MaxInputMP, 1, 1000)
	if c.Limits.MaxCFG <= 0 || c.Limits.MaxCFG > 100 {
		bad(ps, "limits.max_cfg", strconv.FormatFloat(c.Limits.MaxCFG, 'g', -1, 64), "use a number above 0 and at most 100")
	}
}

func validateDatabase(ps *Problems, u string) {
	switch {
	case strings.HasPrefix(u, "sqlite:") && len(u) > len("sqlite:"):
	case strings.HasPrefix(u, "postgres://") && len(u) > len("postgres://"):
	case strings.HasPrefix(u, "postgresql://") && len(u) > len("postgresql://"):
	default:
		bad(ps, "database.url", RedactURL(u), "write sqlite:PATH (e.g. sqlite:discordsend.db) or postgres://USER:PASSWORD@HOST:5432/DB")
	}
}

// TokenAppID returns the application ID a bot token carries in its first
// segment; Discord tokens of any other shape are refused by the library too.
func TokenAppID(token Secret) (string, error) {
	first, _, ok := strings.Cut(token.Reveal(), ".")
	if !ok {
		return "", fmt.Errorf("does not look like a bot token (expected three dot-separated parts); copy it again from Bot → Reset Token in the developer portal")
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(first, "="))
	if err != nil || !isSnowflake(string(raw)) {
		return "", fmt.Errorf("does not look like a bot token (its first part is not an application ID); copy it again from the developer portal")
	}
	return string(raw), nil
}

func bad(ps *Problems, key, value, allowed string) {
	ps.add(Problem{Key: key, Message: fmt.Sprintf("%q is not allowed: %s", value, allowed)})
}

func intIn(ps *Problems, key string, v, lo, hi int) {
	if v < lo || v > hi {
		bad(ps, key, strconv.Itoa(v), fmt.Sprintf("use a whole number from %d to %d", lo, hi))
	}
}

func durationIn(ps *Problems, key string, v, lo, hi time.Duration) {
	if v < lo || v > hi {
		bad(ps, key, v.String(), fmt.Sprintf("use a duration from %s to %s (seconds like 2.5, or 2s, 1m)", lo, hi))
	}
}

func oneOf(ps *Problems, key, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	bad(ps, key, v, "use one of "+strings.Join(allowed, ", "))
}

func snowflakes(ps *Problems, key string, ids []string) {
	for _, id := range ids {
		if !isSnowflake(id) {
			bad(ps, key, id, "use Discord IDs (numbers; enable Developer Mode, right-click → Copy ID)")
		}
	}
}

func isSnowflake(s string) bool {
	if len(s) < 1 || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func urlWithScheme(ps *Problems, key, v string, schemes ...string) {
	if err := checkURL(v, schemes...); err != nil {
		bad(ps, key, RedactURL(v), err.Error())
	}
}

func checkURL(v string, schemes ...string) error {
	u, err := url.Parse(v)
	if err == nil && u.Host != "" {
		for _, s := range schemes {
			if u.Scheme == s {
				return nil
			}
		}
	}
	return fmt.Errorf("use a %s URL such as %s://host:port", strings.Join(schemes, " or "), schemes[0])
}
