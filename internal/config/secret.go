package config

import (
	"log/slog"
	"net/url"
	"strings"
)

// Secret is a string that never prints: fmt, slog, YAML and JSON all see "***".
// Reveal returns the value for the one place that needs it.
type Secret string

const mask = "***"

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return mask
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `config.Secret("` + s.String() + `")` }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalYAML prints the mask, so a dumped configuration holds no secret.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText prints the mask for JSON and other text encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the value; needed because MarshalText is defined.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}

// RedactURL hides a password in a URL's user info.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User(mask)
	return strings.Replace(u.String(), "%2A%2A%2A", mask, 1)
}
