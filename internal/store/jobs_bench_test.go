package store

import (
	"fmt"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// BenchmarkJobLifecycle is the store's share of one job: queued, submitted,
// running, delivering, delivered and completed, in a file database as the
// bot runs it.
func BenchmarkJobLifecycle(b *testing.B) {
	s, _ := newTestStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		j, err := s.EnqueueJob(ctx, newJob(fmt.Sprint(n%50), "900"), 3)
		if err != nil {
			b.Fatal(err)
		}
		steps := []struct {
			to     model.JobStatus
			change JobChange
		}{
			{model.StatusSubmitted, JobChange{PromptID: fmt.Sprintf("p%d", j.ID), Backend: "gpu1"}},
			{model.StatusRunning, JobChange{}},
			{model.StatusDelivering, JobChange{Images: []model.ImageRef{{Filename: "a.png", Type: "output"}}}},
		}
		if err := s.SetStatusMessage(ctx, j.ID, "1", "2"); err != nil {
			b.Fatal(err)
		}
		for _, st := range steps {
			if _, err := s.Transition(ctx, j.ID, st.to, st.change); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.RecordDelivery(ctx, j.ID, 0, "1", "3", nil); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Transition(ctx, j.ID, model.StatusCompleted, JobChange{}); err != nil {
			b.Fatal(err)
		}
	}
}
