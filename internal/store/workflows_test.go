package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
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
	got, err := s.SaveWorkflow(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID, want.CreatedAt, want.UpdatedAt = got.ID, testEpoch, testEpoch
	if got.ID == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("saved = %+v, want %+v", got, want)
	}

	later := clock.Advance(time.Hour)
	in.Description, in.Graph, in.Sidecar = "SDXL refined", []byte(`{}`), nil
	again, err := s.SaveWorkflow(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want = in
	want.ID, want.CreatedAt, want.UpdatedAt = got.ID, testEpoch, later
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("replaced = %+v, want %+v", again, want)
	}
	byName, err := s.Workflow(ctx, "sdxl")
	if err != nil || !reflect.DeepEqual(byName, want) {
		t.Fatalf("Workflow = %+v, %v", byName, err)
	}

	tests := []struct {
		name string
		w    model.Workflow
	}{
		{"empty name", model.Workflow{Graph: []byte(`{}`)}},
		{"not json", model.Workflow{Name: "bad", Graph: []byte(`{"3":`)}},
		{"no graph", model.Workflow{Name: "bad"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.SaveWorkflow(ctx, tt.w)
			wantCode(t, err, model.CodeInvalid)
		})
	}
}

func TestWorkflowListAndDelete(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	if ws, err := s.ListWorkflows(ctx); err != nil || len(ws) != 0 {
		t.Fatalf("empty ListWorkflows = %v, %v", ws, err)
	}
	for _, name := range []string{"zeta", "alpha", "mid"} {
		if _, err := s.SaveWorkflow(ctx, model.Workflow{Name: name, Graph: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		ws, err := s.ListWorkflows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, w := range ws {
			out = append(out, w.Name)
		}
		return out
	}
	if got := names(); !reflect.DeepEqual(got, []string{"alpha", "mid", "zeta"}) {
		t.Fatalf("ListWorkflows = %v", got)
	}
	if err := s.DeleteWorkflow(ctx, "mid"); err != nil {
		t.Fatal(err)
	}
	if got := names(); !reflect.DeepEqual(got, []string{"alpha", "zeta"}) {
		t.Fatalf("after delete = %v", got)
	}
	wantCode(t, s.DeleteWorkflow(ctx, "mid"), model.CodeNotFound)
	_, err := s.Workflow(ctx, "mid")
	wantCode(t, err, model.CodeNotFound)
}
