package store

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

const (
	guildA = "1000"
	guildB = "2000"
)

func TestSaveWorkflow(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()
	in := model.Workflow{
		Name: "sdxl", Description: "SDXL base",
		Graph:   []byte(`{"3":{"class_type":"KSampler","inputs":{"seed":1}}}`),
		Sidecar: []byte("prompt: 6.text\n"),
	}
	got, replaced, err := s.SaveWorkflow(ctx, guildA, in)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID, want.GuildID, want.CreatedAt, want.UpdatedAt = got.ID, guildA, testEpoch, testEpoch
	if got.ID == 0 || replaced || !reflect.DeepEqual(got, want) {
		t.Fatalf("saved = %+v (replaced %v), want %+v", got, replaced, want)
	}

	later := clock.Advance(time.Hour)
	in.Description, in.Graph, in.Sidecar = "SDXL refined", []byte(`{}`), nil
	again, replaced, err := s.SaveWorkflow(ctx, guildA, in)
	if err != nil {
		t.Fatal(err)
	}
	want = in
	want.ID, want.GuildID, want.CreatedAt, want.UpdatedAt = got.ID, guildA, testEpoch, later
	if !replaced || !reflect.DeepEqual(again, want) {
		t.Fatalf("replaced = %+v (replaced %v), want %+v", again, replaced, want)
	}
	byName, err := s.Workflow(ctx, guildA, "sdxl")
	if err != nil || !reflect.DeepEqual(byName, want) {
		t.Fatalf("Workflow = %+v, %v", byName, err)
	}

	tests := []struct {
		name  string
		guild string
		w     model.Workflow
	}{
		{"empty name", guildA, model.Workflow{Graph: []byte(`{}`)}},
		{"not json", guildA, model.Workflow{Name: "bad", Graph: []byte(`{"3":`)}},
		{"no graph", guildA, model.Workflow{Name: "bad"}},
		{"no server", "", model.Workflow{Name: "bad", Graph: []byte(`{}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.SaveWorkflow(ctx, tt.guild, tt.w)
			wantCode(t, err, model.CodeInvalid)
		})
	}
}

// One server's workflows are invisible to another: the same name can live
// in both, and neither can read, replace or delete the other's.
func TestWorkflowsAreScopedToTheirServer(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	a, _, err := s.SaveWorkflow(ctx, guildA, model.Workflow{Name: "portrait", Description: "A's", Graph: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Workflow(ctx, guildB, "portrait"); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Fatalf("guild B reads guild A's workflow: %v", err)
	}
	if _, err := s.DeleteWorkflow(ctx, guildB, "portrait"); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Fatalf("guild B deletes guild A's workflow: %v", err)
	}
	b, replaced, err := s.SaveWorkflow(ctx, guildB, model.Workflow{Name: "portrait", Description: "B's", Graph: []byte(`{"b":1}`)})
	if err != nil || replaced || b.ID == a.ID || b.GuildID != guildB {
		t.Fatalf("guild B's save = %+v, replaced %v, %v", b, replaced, err)
	}
	still, err := s.Workflow(ctx, guildA, "portrait")
	if err != nil || still.Description != "A's" || string(still.Graph) != `{"a":1}` {
		t.Fatalf("guild A's workflow after B saved its own = %+v, %v", still, err)
	}
	if ws, err := s.ServerWorkflows(ctx, guildB); err != nil || len(ws) != 1 || ws[0].Description != "B's" {
		t.Fatalf("ServerWorkflows(B) = %+v, %v", ws, err)
	}
}

func TestWorkflowListAndDelete(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	if ws, err := s.ServerWorkflows(ctx, guildA); err != nil || len(ws) != 0 {
		t.Fatalf("empty ServerWorkflows = %v, %v", ws, err)
	}
	for _, w := range []struct{ guild, name string }{{guildA, "zeta"}, {guildB, "beta"}, {guildA, "alpha"}, {guildA, "mid"}} {
		if _, _, err := s.SaveWorkflow(ctx, w.guild, model.Workflow{Name: w.name, Graph: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(ws []model.Workflow, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, w := range ws {
			out = append(out, w.GuildID+"/"+w.Name)
		}
		return out
	}
	if got := names(s.ServerWorkflows(ctx, guildA)); !slices.Equal(got, []string{"1000/alpha", "1000/mid", "1000/zeta"}) {
		t.Fatalf("ServerWorkflows = %v", got)
	}
	if got := names(s.AllWorkflows(ctx)); !slices.Equal(got, []string{"1000/alpha", "1000/mid", "1000/zeta", "2000/beta"}) {
		t.Fatalf("AllWorkflows = %v", got)
	}

	// Deleting the server's default workflow clears that setting; deleting
	// another leaves it.
	if _, err := s.UpdateServerSettings(ctx, guildA, ServerSettingsUpdate{DefaultWorkflow: new("mid")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		guild, wf   string
		wasDefault  bool
		code        model.ErrorCode
		wantDefault string
	}{
		{"not the default", guildA, "zeta", false, "", "mid"},
		{"the default", guildA, "mid", true, "", ""},
		{"already gone", guildA, "mid", false, model.CodeNotFound, ""},
		{"unknown server", "3000", "alpha", false, model.CodeNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wasDefault, err := s.DeleteWorkflow(ctx, tt.guild, tt.wf)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil || wasDefault != tt.wasDefault {
				t.Fatalf("DeleteWorkflow = %v, %v; want wasDefault %v", wasDefault, err, tt.wasDefault)
			}
			srv, err := s.Server(ctx, tt.guild)
			if err != nil || srv.DefaultWorkflow != tt.wantDefault {
				t.Fatalf("default workflow after delete = %q, %v; want %q", srv.DefaultWorkflow, err, tt.wantDefault)
			}
		})
	}
	if got := names(s.ServerWorkflows(ctx, guildA)); !slices.Equal(got, []string{"1000/alpha"}) {
		t.Fatalf("after deletes = %v", got)
	}
	_, err := s.Workflow(ctx, guildA, "mid")
	wantCode(t, err, model.CodeNotFound)
}

// Removing a server removes its workflows (the foreign key cascades).
func TestWorkflowsGoWithTheirServer(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	if _, _, err := s.SaveWorkflow(ctx, guildA, model.Workflow{Name: "x", Graph: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s, `DELETE FROM servers WHERE discord_id = ?`, guildA)
	if ws, err := s.AllWorkflows(ctx); err != nil || len(ws) != 0 {
		t.Fatalf("workflows of a deleted server = %+v, %v", ws, err)
	}
}
