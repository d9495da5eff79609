package config

import (
	"fmt"
	"net/url"

	"go.yaml.in/yaml/v3"
)

// Redacted returns a copy safe to print: secrets masked, URL passwords hidden.
func (c Config) Redacted() Config {
	c.ComfyUI.URL = RedactURL(c.ComfyUI.URL)
	c.Database.URL = RedactURL(c.Database.URL)
	backends := make([]Backend, len(c.ComfyUI.Backends))
	for i, b := range c.ComfyUI.Backends {
		b.URL = RedactURL(b.URL)
		backends[i] = b
	}
	c.ComfyUI.Backends = backends
	return c
}

// YAML renders the redacted configuration.
func (c Config) YAML() ([]byte, error) {
	return yaml.Marshal(c.Redacted())
}

// Map is the redacted configuration as YAML writes it: keyed by the YAML
// names (max_queue_per_user), durations as text ("6s"), for JSON reports.
func (c Config) Map() (map[string]any, error) {
	out, err := c.YAML()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("read back configuration: %w", err)
	}
	return m, nil
}

// Secrets lists every secret value in the configuration, for log redaction.
func (c Config) Secrets() []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	add(c.Discord.Token.Reveal())
	add(urlPassword(c.Database.URL))
	for _, b := range c.EffectiveBackends() {
		for _, h := range b.Headers {
			add(h.Reveal())
		}
		add(urlPassword(b.URL))
	}
	return out
}

// urlPassword is the password in a URL's userinfo, "" when it has none.
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// String prints the redacted configuration, so %v never shows a secret.
func (c Config) String() string {
	type plain Config
	return fmt.Sprintf("%+v", plain(c.Redacted()))
}

// GoString is String, so %#v never shows a secret either.
func (c Config) GoString() string { return c.String() }

// String prints a backend with its URL password hidden.
func (b Backend) String() string {
	return fmt.Sprintf("{%s %s %v}", b.Name, RedactURL(b.URL), b.Headers)
}

// GoString is String, so %#v never shows a secret either.
func (b Backend) GoString() string { return b.String() }
