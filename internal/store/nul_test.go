package store

import (
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// PostgreSQL's TEXT cannot hold a NUL character, SQLite's can: on both
// dialects free text is stored without them, and a name with one is
// refused or not found.
func TestNULInFreeTextIsDropped(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()

	job := newJob("100", "900")
	job.UserName = "ro\x00bot"
	job.Params.Prompt, job.Params.Negative = "a \x00cat", "\x00blurry\x00"
	job.ProgressText = "wait\x00ing"
	job.Inputs = []model.Input{{Slot: model.InputImage, Filename: "c\x00at.png", MIME: "image/png", Width: 1, Height: 1, Data: []byte("\x00PNG\x00")}}
	j, err := s.EnqueueJob(ctx, job, 0)
	if err != nil {
		t.Fatalf("EnqueueJob: %v", err)
	}
	if j.Params.Prompt != "a cat" || j.Params.Negative != "blurry" || j.ProgressText != "waiting" || j.UserName != "robot" {
		t.Errorf("queued job = %q %q %q %q", j.Params.Prompt, j.Params.Negative, j.ProgressText, j.UserName)
	}
	inputs, err := s.JobInputs(ctx, j.ID)
	if err != nil || len(inputs) != 1 || inputs[0].Filename != "cat.png" || string(inputs[0].Data) != "\x00PNG\x00" {
		t.Errorf("inputs = %+v, %v; want the file name without NUL and the bytes as they were", inputs, err)
	}

	if err := s.UpdateProgress(ctx, j.ID, 0.5, "half\x00way"); err != nil {
		t.Fatalf("UpdateProgress: %v", err)
	}
	if j, err = s.Job(ctx, j.ID); err != nil || j.ProgressText != "halfway" {
		t.Errorf("progress text = %q, %v", j.ProgressText, err)
	}
	failed := mustTransition(t, s, j.ID, model.StatusFailed, JobChange{ErrorCode: "comfy", ErrorMessage: "node\x00 failed", ProgressText: model.Ptr("x\x00")})
	if failed.ErrorMessage != "node failed" || failed.ProgressText != "x" {
		t.Errorf("failed job = %q %q", failed.ErrorMessage, failed.ProgressText)
	}

	srv, err := s.UpsertServer(ctx, "901", "Comfy\x00 friends")
	if err != nil || srv.Name != "Comfy friends" {
		t.Errorf("UpsertServer = %q, %v", srv.Name, err)
	}

	tpl := mustCreateTemplate(t, s, model.Template{OwnerID: "100", Name: "portrait", Prompt: "p\x00", Negative: "n\x00"})
	if tpl.Prompt != "p" || tpl.Negative != "n" {
		t.Errorf("created template = %q %q", tpl.Prompt, tpl.Negative)
	}
	tpl.Prompt = "q\x00"
	if tpl, err = s.UpdateTemplate(ctx, tpl); err != nil || tpl.Prompt != "q" {
		t.Errorf("updated template = %q, %v", tpl.Prompt, err)
	}

	w, _, err := s.SaveWorkflow(ctx, "900", model.Workflow{Name: "flux", Description: "fa\x00st", Graph: []byte(`{"a":"\u0000"}`), Sidecar: []byte("x\x00")})
	if err != nil || w.Description != "fast" || string(w.Graph) != `{"a":"\u0000"}` || string(w.Sidecar) != "x" {
		t.Errorf("SaveWorkflow = %q %s %q, %v; want the escaped NUL of the JSON kept", w.Description, w.Graph, w.Sidecar, err)
	}
}

func TestNULInNames(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	mustCreateTemplate(t, s, model.Template{OwnerID: "100", Name: "ab", Prompt: "p"})
	if _, _, err := s.SaveWorkflow(ctx, "900", model.Workflow{Name: "ab", Graph: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want model.ErrorCode
	}{
		{"create template", func() error {
			_, err := s.CreateTemplate(ctx, model.Template{OwnerID: "100", Name: "a\x00b", Prompt: "p"})
			return err
		}, model.CodeInvalid},
		{"find template", func() error {
			_, err := s.FindTemplate(ctx, "100", "", "a\x00b")
			return err
		}, model.CodeNotFound},
		{"save workflow", func() error {
			_, _, err := s.SaveWorkflow(ctx, "900", model.Workflow{Name: "a\x00b", Graph: []byte(`{}`)})
			return err
		}, model.CodeInvalid},
		{"workflow", func() error {
			_, err := s.Workflow(ctx, "900", "a\x00b")
			return err
		}, model.CodeNotFound},
		{"delete workflow", func() error {
			_, err := s.DeleteWorkflow(ctx, "900", "a\x00b")
			return err
		}, model.CodeNotFound},
		{"default workflow", func() error {
			_, err := s.UpdateServerSettings(ctx, "900", ServerSettingsUpdate{DefaultWorkflow: model.Ptr("a\x00b")})
			return err
		}, model.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.call(), tt.want)
		})
	}
	t.Run("list templates by prefix", func(t *testing.T) {
		ts, err := s.ListTemplates(ctx, TemplateFilter{UserID: "100", Prefix: "a\x00"})
		if err != nil || len(ts) != 0 {
			t.Fatalf("ListTemplates = %+v, %v; want none", ts, err)
		}
	})
}

func TestSaveWorkflowRefusesInvalidUTF8(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	_, _, err := s.SaveWorkflow(t.Context(), "900", model.Workflow{Name: "x", Graph: []byte("{\"a\":\"\xff\"}")})
	wantCode(t, err, model.CodeInvalid)
}
