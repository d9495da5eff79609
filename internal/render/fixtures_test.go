package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

var testNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

const (
	ownerID = "111111111111111111"
	otherID = "222222222222222222"
	guildID = "333333333333333333"
)

func testJob(status model.JobStatus) model.Job {
	queued := testNow.Add(-5 * time.Minute)
	j := model.Job{
		ID:        42,
		PromptID:  "6f1c2a4e-0000-4000-8000-000000000042",
		UserID:    ownerID,
		UserName:  "ada",
		GuildID:   guildID,
		ChannelID: "444444444444444444",
		Status:    status,
		Params: model.Params{
			Prompt:   "a cyberpunk cityscape at night, neon *rain*, reflections",
			Negative: "blurry, low quality",
			Steps:    model.Ptr(30),
			Width:    model.Ptr(1024),
			Height:   model.Ptr(768),
			CFG:      model.Ptr(7.5),
		},
		Seed:         123456789,
		WorkflowName: "default",
		Backend:      "gpu1",
		Delivery:     model.DeliveryChannel,
		QueuedAt:     queued,
		CreatedAt:    queued,
	}
	if status != model.StatusQueued {
		j.SubmittedAt = queued.Add(2 * time.Minute)
	}
	switch status {
	case model.StatusQueued, model.StatusSubmitted:
	default:
		j.StartedAt = queued.Add(2*time.Minute + 5*time.Second)
	}
	if status.Final() {
		j.FinishedAt = testNow.Add(-30 * time.Second)
	}
	switch status {
	case model.StatusCompleted:
		j.Images = []model.ImageRef{{Filename: "ComfyUI_00001_.png", Type: "output", Width: 1024, Height: 768}}
	case model.StatusFailed:
		j.ErrorCode = "execution_error"
		j.ErrorMessage = "Error(s) in KSampler: CUDA out of memory. Tried to allocate 2.00 GiB\nTraceback (most recent call last):\n  File \"execution.py\", line 151, in recursive_execute\n    output_data = get_output_data(obj, input_data_all)\nRuntimeError: CUDA out of memory"
	}
	return j
}

func dmJob(status model.JobStatus) model.Job {
	j := testJob(status)
	j.Delivery = model.DeliveryDM
	j.Params.Prompt = "my secret portrait prompt"
	j.Params.Negative = "my secret negative"
	return j
}

// hugeText is n characters that are costly to render: markdown to escape,
// mentions to defuse, multi-byte runes, newlines.
func hugeText(n int) string {
	const unit = "*bold* _x_ @everyone <@&1> é漢🎨\n"
	s := strings.Repeat(unit, n/len([]rune(unit))+1)
	return string([]rune(s)[:n])
}

func hugeJob(status model.JobStatus) model.Job {
	j := testJob(status)
	j.Params.Prompt = hugeText(4000)
	j.Params.Negative = hugeText(4000)
	j.Params.Checkpoint = hugeText(500)
	j.WorkflowName = hugeText(500)
	j.Backend = hugeText(500)
	j.UserName = hugeText(200)
	j.ErrorCode = hugeText(300)
	j.ErrorMessage = hugeText(10_000)
	j.ProgressText = hugeText(1000)
	for i := range 100 {
		j.Images = append(j.Images, model.ImageRef{Filename: fmt.Sprintf("ComfyUI_%05d_.png", i+1), Type: "output"})
	}
	return j
}
