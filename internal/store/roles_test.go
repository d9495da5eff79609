package store

import (
	"reflect"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func rm(role string, level model.Level) model.RoleMapping {
	return model.RoleMapping{RoleID: role, Level: level}
}

func TestSetRolesAndRoleMappings(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	type step struct {
		level model.Level
		roles []string
	}
	tests := []struct {
		name string
		step step
		want []model.RoleMapping
	}{
		{
			name: "generators",
			step: step{model.LevelGenerator, []string{"r2", "r1"}},
			want: []model.RoleMapping{rm("r1", model.LevelGenerator), rm("r2", model.LevelGenerator)},
		},
		{
			name: "admins beside generators",
			step: step{model.LevelAdmin, []string{"r9"}},
			want: []model.RoleMapping{rm("r1", model.LevelGenerator), rm("r2", model.LevelGenerator), rm("r9", model.LevelAdmin)},
		},
		{
			name: "replace generators",
			step: step{model.LevelGenerator, []string{"r3"}},
			want: []model.RoleMapping{rm("r3", model.LevelGenerator), rm("r9", model.LevelAdmin)},
		},
		{
			name: "move a role to another level",
			step: step{model.LevelAdmin, []string{"r3", "r3"}},
			want: []model.RoleMapping{rm("r3", model.LevelAdmin)},
		},
		{
			name: "clear admins",
			step: step{model.LevelAdmin, nil},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SetRoles(ctx, "900", tt.step.level, tt.step.roles); err != nil {
				t.Fatal(err)
			}
			got, err := s.RoleMappings(ctx, "900")
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("RoleMappings = %v, %v; want %v", got, err, tt.want)
			}
		})
	}

	t.Run("other server unaffected", func(t *testing.T) {
		if err := s.SetRoles(ctx, "901", model.LevelGenerator, []string{"x"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.RoleMappings(ctx, "900")
		if err != nil || len(got) != 0 {
			t.Fatalf("RoleMappings(900) = %v, %v", got, err)
		}
	})
	t.Run("unknown server", func(t *testing.T) {
		got, err := s.RoleMappings(ctx, "nope")
		if err != nil || len(got) != 0 {
			t.Fatalf("RoleMappings = %v, %v", got, err)
		}
	})
	t.Run("invalid level", func(t *testing.T) {
		wantCode(t, s.SetRoles(ctx, "900", model.Level(9), []string{"r"}), model.CodeInvalid)
	})
	t.Run("empty role id", func(t *testing.T) {
		wantCode(t, s.SetRoles(ctx, "900", model.LevelAdmin, []string{""}), model.CodeInvalid)
	})
}
