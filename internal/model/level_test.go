package model

import (
	"encoding/json"
	"testing"
)

func TestLevelOrder(t *testing.T) {
	if !(LevelUser < LevelGenerator && LevelGenerator < LevelAdmin) {
		t.Fatalf("levels out of order: %d %d %d", LevelUser, LevelGenerator, LevelAdmin)
	}
	var zero Level
	if zero != LevelUser {
		t.Errorf("zero Level = %v, want user", zero)
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    Level
		wantErr bool
	}{
		{in: "user", want: LevelUser},
		{in: "generator", want: LevelGenerator},
		{in: " Admin ", want: LevelAdmin},
		{in: "owner", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLevel(tt.in)
			if tt.wantErr {
				if ErrorCodeOf(err) != CodeInvalid {
					t.Fatalf("ParseLevel(%q) error = %v, want an invalid error", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseLevel(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if back, _ := ParseLevel(got.String()); back != got {
				t.Errorf("String/ParseLevel round trip of %v gave %v", got, back)
			}
		})
	}
}

func TestLevelString(t *testing.T) {
	tests := []struct {
		level Level
		want  string
	}{
		{LevelUser, "user"},
		{LevelGenerator, "generator"},
		{LevelAdmin, "admin"},
		{Level(7), "Level(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.level.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got, want := tt.level.Valid(), tt.want != "Level(7)"; got != want {
				t.Errorf("Valid() = %v, want %v", got, want)
			}
		})
	}
}

func TestLevelText(t *testing.T) {
	b, err := json.Marshal(map[string]Level{"a": LevelGenerator})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a":"generator"}` {
		t.Errorf("marshal = %s", b)
	}
	var back map[string]Level
	if err := json.Unmarshal(b, &back); err != nil || back["a"] != LevelGenerator {
		t.Errorf("unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"a":"boss"}`), &back); err == nil {
		t.Error("unmarshal of an unknown level succeeded")
	}
	if _, err := json.Marshal(Level(-1)); err == nil {
		t.Error("marshal of an invalid level succeeded")
	}
}
