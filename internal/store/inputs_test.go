package store

import (
	"bytes"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestJobInputsAreStoredWithTheJob(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := t.Context()
	job := newJob("alice", "g1")
	job.Inputs = []model.Input{
		{Slot: model.InputImage2, Filename: "style.webp", MIME: "image/webp", Width: 64, Height: 32, Data: []byte("RIFF2")},
		{Slot: model.InputImage, Filename: "cat.png", MIME: "image/png", Width: 640, Height: 480, Data: []byte("\x89PNG1")},
	}
	queued, err := s.EnqueueJob(ctx, job, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(queued.Inputs) != 0 {
		t.Errorf("a job read back carries %d inputs; they are read apart", len(queued.Inputs))
	}
	got, err := s.JobInputs(ctx, queued.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Slot != model.InputImage || got[1].Slot != model.InputImage2 {
		t.Fatalf("inputs = %+v, want image then image2", got)
	}
	if got[0].Filename != "cat.png" || got[0].MIME != "image/png" || got[0].Width != 640 || got[0].Height != 480 ||
		!bytes.Equal(got[0].Data, []byte("\x89PNG1")) {
		t.Errorf("image = %+v", got[0])
	}
	other, err := s.EnqueueJob(ctx, newJob("bob", "g1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if none, err := s.JobInputs(ctx, other.ID); err != nil || len(none) != 0 {
		t.Errorf("a job without inputs has %v, %v", none, err)
	}
}

func TestQueueFullStoresNoInputs(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := t.Context()
	if _, err := s.EnqueueJob(ctx, newJob("alice", "g1"), 1); err != nil {
		t.Fatal(err)
	}
	job := newJob("alice", "g1")
	job.Inputs = []model.Input{{Slot: model.InputImage, Filename: "a.png", MIME: "image/png", Width: 1, Height: 1, Data: []byte("x")}}
	if _, err := s.EnqueueJob(ctx, job, 1); err == nil {
		t.Fatal("over the limit, the job was queued")
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_inputs`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("job_inputs holds %d rows (%v) after a refused job", n, err)
	}
}
