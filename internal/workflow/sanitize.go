package workflow

import (
	"regexp"
	"strings"
	"unicode"
)

const redacted = "***"

// Sanitize returns a copy of w with secrets replaced by "***", and how many values it
// changed. It runs before a workflow is stored or shown: custom nodes (webhook senders, API
// nodes, LLM nodes) keep credentials in their inputs. Two rules apply: inputs whose names
// say secret (webhook_url, token, api_key, password, authorization …) lose their text, and
// secret-shaped text anywhere (Discord webhook URLs and bot tokens, sk-/hf_/ghp_ keys, JWTs,
// credentials inside URLs) is cut out of the string around it. Ordinary prompt text — "a
// token of love, secret garden" — is left alone.
func Sanitize(w *Workflow) (*Workflow, int) {
	r := newRedactor()
	out := w.Clone()
	removed := 0
	for _, id := range out.IDs() {
		n := out.nodes[id]
		for _, name := range n.InputNames() {
			if v, changed := r.value(name, n.inputs[name]); changed {
				n.inputs[name] = v
				removed++
			}
		}
		if t := r.scrub(n.Title); t != n.Title {
			n.Title = t
			removed++
		}
	}
	return out, removed
}

type replacement struct {
	re   *regexp.Regexp
	with string
}

// redactor holds the compiled patterns; it is built per call so the package keeps no state.
type redactor struct {
	patterns []replacement
}

func newRedactor() *redactor {
	r := func(expr, with string) replacement { return replacement{regexp.MustCompile(expr), with} }
	return &redactor{patterns: []replacement{
		r(`(?i)https?://(?:[a-z0-9-]+\.)?discord(?:app)?\.com/api(?:/v\d+)?/webhooks/\d+/[A-Za-z0-9_.-]+`, redacted),
		r(`(?i)-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`, redacted),
		r(`(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@`, "${1}"+redacted+"@"),
		r(`(?i)\b([a-z][a-z0-9+.-]*://)[A-Za-z0-9_-]{20,}@`, "${1}"+redacted+"@"),
		r(`(?i)([?&](?:api[_-]?key|access[_-]?token|token|key|secret|client[_-]?secret|password|auth|sig|signature)=)[^&#\s]+`, "${1}"+redacted),
		r(`(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{16,}`, "${1}"+redacted),
		r(`\bsk-[A-Za-z0-9_-]{20,}`, redacted),
		r(`\bhf_[A-Za-z0-9]{30,}`, redacted),
		r(`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`, redacted),
		r(`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`, redacted),
		r(`\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}`, redacted),
		r(`\bxox[abprs]-[A-Za-z0-9-]{10,}`, redacted),
		r(`\bAKIA[0-9A-Z]{16}\b`, redacted),
		r(`\bAIza[0-9A-Za-z_-]{35}`, redacted),
	}}
}

// value redacts one input value; key is the input name, or the nearest key for nested values.
func (r *redactor) value(key string, v any) (any, bool) {
	switch v := v.(type) {
	case string:
		if v == "" || v == redacted {
			return v, false
		}
		if secretKey(key) || (keyish(key) && looksLikeKey(v)) {
			return redacted, true
		}
		s := r.scrub(v)
		return s, s != v
	case map[string]any:
		changed := false
		for k, e := range v {
			if nv, c := r.value(k, e); c {
				v[k], changed = nv, true
			}
		}
		return v, changed
	case []any:
		changed := false
		for i, e := range v {
			if nv, c := r.value(key, e); c {
				v[i], changed = nv, true
			}
		}
		return v, changed
	}
	return v, false
}

// scrub cuts secret-shaped substrings out of free text.
func (r *redactor) scrub(s string) string {
	for _, p := range r.patterns {
		s = p.re.ReplaceAllString(s, p.with)
	}
	return s
}

// secretKey tells whether an input name says its value is a credential. The last word
// decides, so token_normalization and max_tokens are not secrets but auth_token is.
func secretKey(key string) bool {
	words := keyWords(key)
	if len(words) == 0 {
		return false
	}
	joined := strings.Join(words, "")
	if strings.Contains(joined, "webhook") || strings.Contains(joined, "apikey") {
		return true
	}
	switch words[len(words)-1] {
	case "token", "secret", "password", "passwd", "pwd", "passphrase", "authorization", "auth",
		"bearer", "credential", "credentials", "cookie":
		return true
	case "key":
		if len(words) > 1 {
			switch words[len(words)-2] {
			case "api", "access", "secret", "private", "auth", "client", "license", "signing", "encryption":
				return true
			}
		}
	}
	return false
}

// keyish tells whether an input name hints at key material, so a long random-looking value
// there is treated as a secret.
func keyish(key string) bool {
	for _, w := range keyWords(key) {
		switch w {
		case "key", "keys", "token", "tokens", "secret", "license", "signature", "sig", "cred", "pass":
			return true
		}
	}
	return false
}

// keyWords splits snake_case, kebab-case and camelCase names into lower-case words.
func keyWords(key string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, c := range key {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(c) && prevLower:
			flush()
		}
		cur = append(cur, c)
		prevLower = unicode.IsLower(c) || unicode.IsDigit(c)
	}
	flush()
	return words
}

// looksLikeKey tells whether s is a long run of hex or base64 with both letters and digits.
func looksLikeKey(s string) bool {
	if len(s) < 24 {
		return false
	}
	letters, digits := false, false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			letters = true
		case c == '+' || c == '/' || c == '=' || c == '-' || c == '_':
		default:
			return false
		}
	}
	return letters && digits
}
