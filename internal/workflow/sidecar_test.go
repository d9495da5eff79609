package workflow

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseSidecar(t *testing.T) {
	s := mustSidecar(t, string(readTestdata(t, "custom_seed.yaml")))
	if s.Description != "Lighthouse scenes with a custom seed node" {
		t.Errorf("description = %q", s.Description)
	}
	if got := s.Bindings[ParamSeed]; len(got) != 1 || got[0] != (Target{"30", "seed_value"}) {
		t.Errorf("seed binding = %v (an integer node id must read as a string)", got)
	}
	if got := s.Bindings[ParamPrompt]; len(got) != 1 || got[0] != (Target{"31", "subject"}) {
		t.Errorf("prompt binding = %v", got)
	}
	if *s.Defaults.Steps != 30 || *s.Defaults.CFG != 5.5 || *s.Defaults.Negative != "cartoon, 3d render, blurry" {
		t.Errorf("defaults = %+v", s.Defaults)
	}
	if l := s.Limits[ParamCFG]; l.Min != nil || *l.Max != 12 {
		t.Errorf("cfg limit = %v", l)
	}
}

func TestParseSidecarValues(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(*Sidecar) bool
	}{
		{"empty file", "", func(s *Sidecar) bool { return len(s.Bindings) == 0 && s.Defaults.Set() == nil }},
		{"only a comment", "# nothing here\n", func(s *Sidecar) bool { return len(s.Bindings) == 0 }},
		{"max seed default", "defaults:\n  seed: 18446744073709551615\n",
			func(s *Sidecar) bool { return *s.Defaults.Seed == math.MaxUint64 }},
		{"all defaults", "defaults: {prompt: a, negative: b, checkpoint: c.safetensors, steps: 5, cfg: 2, " +
			"width: 64, height: 128, denoise: 0.5, batch_size: 3}\n",
			func(s *Sidecar) bool {
				return len(s.Defaults.Set()) == 9 && *s.Defaults.CFG == 2 && *s.Defaults.Height == 128
			}},
		{"aliases", "bindings:\n  prompt: &p {node: '6', input: text}\n  negative: *p\n",
			func(s *Sidecar) bool { return s.Bindings[ParamNegative][0] == Target{"6", "text"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSidecar([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(s) {
				t.Errorf("unexpected sidecar %+v", s)
			}
		})
	}
}

func TestParseSidecarErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown top key", "description: x\nbindngs: {}\n", `line 2: unknown key "bindngs"`},
		{"unknown param", "bindings:\n  sed: {node: '3', input: seed}\n", `line 2: unknown parameter "sed" in bindings`},
		{"unknown target key", "bindings:\n  seed:\n    node: '3'\n    inptu: seed\n", `line 4: unknown key "inptu" in bindings.seed`},
		{"target without input", "bindings:\n  seed: {node: '3'}\n", "bindings.seed needs both node and input"},
		{"empty target list", "bindings:\n  seed: []\n", "bindings.seed lists no targets"},
		{"target not mapping", "bindings:\n  seed: 3\n", "bindings.seed must be a mapping"},
		{"duplicate key", "defaults:\n  steps: 3\n  steps: 4\n", `key "steps" appears twice`},
		{"steps not integer", "defaults:\n  steps: 2.5\n", "defaults.steps must be a whole number"},
		{"steps text", "defaults:\n  steps: many\n", "defaults.steps must be a whole number"},
		{"negative seed", "defaults:\n  seed: -1\n", "defaults.seed must be a whole number"},
		{"cfg not number", "defaults:\n  cfg: high\n", "defaults.cfg must be a number"},
		{"cfg nan", "defaults:\n  cfg: .nan\n", "defaults.cfg must be a number"},
		{"prompt list", "defaults:\n  prompt: [a, b]\n", "defaults.prompt must be a single value"},
		{"limit on text", "limits:\n  prompt: {max: 3}\n", "numeric parameters only"},
		{"limit unknown key", "limits:\n  steps: {mx: 3}\n", `line 2: unknown key "mx" in limits.steps`},
		{"limit empty", "limits:\n  steps: {}\n", "needs min, max or both"},
		{"limit reversed", "limits:\n  steps: {min: 9, max: 3}\n", "min is greater than max"},
		{"not yaml", "bindings: [\n", "not valid YAML"},
		{"top is a list", "- a\n- b\n", "must be a mapping"},
		{"description list", "description: [a]\n", "description must be a single value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSidecar([]byte(tt.yaml))
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeSidecar {
				t.Fatalf("err = %v, want a sidecar *Error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSidecarCheck(t *testing.T) {
	w := mustParse(t, readTestdata(t, "custom_seed.json"))
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"fine", "bindings: {seed: {node: '30', input: seed_value}}", ""},
		{"missing node", "bindings: {seed: {node: '300', input: seed_value}}", "node 300: the sidecar binds"},
		{"missing input", "bindings: {seed: {node: '30', input: seed}}",
			"an input 30 (SeedGeneratorPlus) does not have; it has: seed_value, mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustSidecar(t, tt.yaml).Check(w)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check = %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLimitsCheck(t *testing.T) {
	l := mustSidecar(t, "limits: {steps: {min: 1, max: 50}, cfg: {max: 12}, seed: {max: 100}}").Limits
	tests := []struct {
		name   string
		params Params
		want   string
	}{
		{"within", Params{Steps: new(50), CFG: new(12.0), Seed: new(uint64(100))}, ""},
		{"unset", Params{}, ""},
		{"steps high", Params{Steps: new(51)}, "parameter steps: 51 is outside the allowed range 1..50"},
		{"steps low", Params{Steps: new(0)}, "parameter steps: 0 is outside"},
		{"cfg high", Params{CFG: new(12.5)}, "parameter cfg: 12.5 is outside the allowed range -∞..12"},
		{"seed high", Params{Seed: new(uint64(101))}, "parameter seed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Check(tt.params)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check = %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check = %v, want %q", err, tt.want)
			}
		})
	}
}
