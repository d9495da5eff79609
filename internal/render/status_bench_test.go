package render

import (
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// BenchmarkStatus draws status messages as the bot edits them: a queued
// job's place in line and a running job's progress.
func BenchmarkStatus(b *testing.B) {
	cases := []struct {
		name string
		job  model.Job
		view StatusView
	}{
		{"queued", testJob(model.StatusQueued), StatusView{Now: testNow, Position: 37, QueueLength: 140, ETA: 90 * time.Second, Backend: "gpu1"}},
		{"running", testJob(model.StatusRunning), StatusView{Now: testNow, Node: "KSampler", Step: 12, MaxSteps: 30, Fraction: 0.42, Backend: "gpu1"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Status(c.job, c.view).Update()
			}
		})
	}
}
