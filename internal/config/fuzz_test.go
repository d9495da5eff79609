package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzLoad feeds the loader arbitrary YAML and one arbitrary environment
// variable. Whatever it is given, it must not panic, every problem it
// reports must say what to fix, and the token must never print.
func FuzzLoad(f *testing.F) {
	const token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fuzz.secret"
	f.Add([]byte("discord:\n  token: "+token+"\n"), uint8(0), "")
	f.Add([]byte("comfyui:\n  backends:\n    - name: a\n      url: http://a:1\n      headers: {X: y}\n"), uint8(3), "a=http://b:2")
	f.Add([]byte("jobs:\n  timeout: 5 minutes\n"), uint8(7), "-1")
	f.Add([]byte("database:\n  url: postgres://u:p@h/db\n  lease_ttl: 0.5\n"), uint8(9), "abc")
	f.Add([]byte("defaults: [1, 2]\nlimits: {max_steps: 1e99}\n"), uint8(20), "\x00")
	f.Add([]byte(": : :\n\t- ]["), uint8(255), "🦊")
	keys := Keys()
	f.Fuzz(func(t *testing.T, data []byte, which uint8, value string) {
		key := keys[int(which)%len(keys)]
		lookup := func(k string) (string, bool) {
			switch k {
			case key.Env:
				return value, true
			case "DISCORDBOT_DISCORD_TOKEN":
				return token, true
			}
			return "", false
		}
		cfg := Default()
		ps := &Problems{File: "config.yaml"}
		decodeYAML(data, &cfg, ps)
		applyEnv(&cfg, lookup, ps)
		errs := []error{ps.err(), cfg.Validate()}
		for _, err := range errs {
			if err == nil {
				continue
			}
			var all *Problems
			if !errors.As(err, &all) {
				t.Fatalf("error %T %v, want *Problems", err, err)
			}
			for _, p := range all.List {
				// Only a document that does not parse may lack a key and a line.
				whole := strings.HasPrefix(p.Message, "not valid YAML")
				if strings.TrimSpace(p.Message) == "" || (p.Key == "" && p.Line == 0 && !whole) {
					t.Fatalf("a problem that does not say where or what: %+v", p)
				}
			}
		}
		printed := fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, errors.Join(errs...))
		if out, err := cfg.YAML(); err == nil {
			printed += string(out)
		}
		if cfg.Discord.Token.Reveal() == token && strings.Contains(printed, token) {
			t.Fatalf("the token printed:\n%s", printed)
		}
	})
}
