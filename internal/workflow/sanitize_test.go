package workflow

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSanitizeByKey(t *testing.T) {
	tests := []struct {
		key   string
		value any
		want  any
	}{
		{"webhook_url", "https://example.com/hook/123", "***"},
		{"discord_webhook", "anything", "***"},
		{"token", "abc", "***"},
		{"bot_token", "abc", "***"},
		{"hfToken", "abc", "***"},
		{"api_key", "abc", "***"},
		{"apikey", "abc", "***"},
		{"OPENAI_API_KEY", "abc", "***"},
		{"secret", "abc", "***"},
		{"client_secret", "abc", "***"},
		{"password", "hunter2", "***"},
		{"Authorization", "Basic dXNlcjpwYXNz", "***"},
		{"auth", "user:pass", "***"},
		{"bearer", "abc", "***"},
		{"private_key", "abc", "***"},
		{"license_key", "K-1", "***"},
		{"token", "", ""},
		{"token_normalization", "mean", "mean"},
		{"max_tokens", json.Number("512"), json.Number("512")},
		{"tokens", "77", "77"},
		{"secret_garden", "a walled garden", "a walled garden"},
		{"key", "C major", "C major"},
		{"key", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "***"},
		{"cache_key", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg==", "***"},
		{"text", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{"ckpt_name", "sd_xl_base_1.0.safetensors", "sd_xl_base_1.0.safetensors"},
		{"password", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			w := &Workflow{nodes: map[string]*Node{"1": {ID: "1", Class: "X", inputs: map[string]any{tt.key: tt.value}}}}
			out, removed := Sanitize(w)
			got := inputValue(t, out, "1", tt.key)
			if got != tt.want {
				t.Errorf("%s = %#v, want %#v", tt.key, got, tt.want)
			}
			if wantRemoved := btoi(got != tt.value); removed != wantRemoved {
				t.Errorf("removed = %d, want %d", removed, wantRemoved)
			}
			if inputValue(t, w, "1", tt.key) != tt.value {
				t.Error("Sanitize changed its argument")
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSanitizeByShape(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{"ordinary prompt", "a token of love, secret garden, password-protected diary, api key lime pie",
			"a token of love, secret garden, password-protected diary, api key lime pie"},
		{"prompt with a plain url", "style of https://example.com/gallery?page=2", "style of https://example.com/gallery?page=2"},
		{"discord webhook", "send to https://discord.com/api/webhooks/1234567890123456789/AbC-dEf_123ghIJKlmnOPq now",
			"send to *** now"},
		{"discordapp webhook with version", "https://ptb.discordapp.com/api/v10/webhooks/123/tok-en", "***"},
		{"bot token", "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB", "***"},
		{"openai key", "key: sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123", "key: ***"},
		{"anthropic key", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx0123", "***"},
		{"hugging face", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567", "***"},
		{"github classic", "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "***"},
		{"github fine grained", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "***"},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "***"},
		{"url credentials", "https://user:p4ss@example.com/path", "https://***@example.com/path"},
		{"url token user", "https://ghs_AbCdEfGhIjKlMnOpQrStUvWx@github.com/x.git", "https://***@github.com/x.git"},
		{"query token", "https://api.example.com/v1?model=x&api_key=abc123&n=1", "https://api.example.com/v1?model=x&api_key=***&n=1"},
		{"bearer header", "Authorization: Bearer abcdefghijklmnop1234", "Authorization: Bearer ***"},
		{"aws key", "AKIAIOSFODNN7EXAMPLE", "***"},
		{"private key block", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "***"},
		{"task words stay", "ask-me-anything, desk-lamp", "ask-me-anything, desk-lamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &Workflow{nodes: map[string]*Node{"6": {ID: "6", Class: "CLIPTextEncode",
				inputs: map[string]any{"text": tt.text}}}}
			out, removed := Sanitize(w)
			if got := inputValue(t, out, "6", "text"); got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
			if wantRemoved := btoi(tt.text != tt.want); removed != wantRemoved {
				t.Errorf("removed = %d, want %d", removed, wantRemoved)
			}
		})
	}
}

func TestSanitizeWorkflow(t *testing.T) {
	w := mustParse(t, readTestdata(t, "custom_seed.json"))
	n := mustNode(t, w, "8")
	n.set("extra", map[string]any{"headers": map[string]any{"Authorization": "Bearer xyz"}, "list": []any{"sk-AbCdEfGhIjKlMnOpQrStUvWx"}})
	n.Title = "VAE https://discord.com/api/webhooks/1/abc"
	out, removed := Sanitize(w)
	if removed != 3 {
		t.Errorf("removed = %d, want 3 (webhook input, nested map, title)", removed)
	}
	enc, err := out.Encode()
	if err != nil {
		t.Fatal(err)
	}
	s := string(enc)
	for _, leak := range []string{"discord.com/api/webhooks", "xyz", "sk-AbCd"} {
		if strings.Contains(s, leak) {
			t.Errorf("sanitized workflow still contains %q", leak)
		}
	}
	for _, keep := range []string{"a lighthouse on a cliff at dusk", "cartoon, 3d render", "new render"} {
		if !strings.Contains(s, keep) {
			t.Errorf("sanitized workflow lost %q", keep)
		}
	}
}
