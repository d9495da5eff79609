package render

import (
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestQueueClearedAndCancelTooLateRead(t *testing.T) {
	jobs := func(ids ...int64) []model.Job {
		var js []model.Job
		for _, id := range ids {
			js = append(js, model.Job{ID: id})
		}
		return js
	}
	tests := []struct{ got, want string }{
		{QueueCleared(nil, false).Content, "Nothing to clear: you have no job waiting in the queue. Running jobs are cancelled one by one with `/queue cancel`."},
		{QueueCleared(nil, true).Content, "Nothing to clear: no job of this server is waiting in the queue."},
		{QueueCleared(jobs(7), false).Content, "Cancelled 1 queued job: #7."},
		{QueueCleared(jobs(3, 4), true).Content, "Cancelled 2 queued jobs: #3, #4."},
		{CancelTooLate(model.Job{ID: 5, Status: model.StatusCompleted}), "Job **#5** is already completed: nothing to cancel."},
		{CancelTooLate(model.Job{ID: 6, Status: model.StatusDelivering}), "Job **#6** has finished; its results are on their way, too late to cancel."},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got  %q\nwant %q", tc.got, tc.want)
		}
	}
	if !QueueCleared(nil, false).Ephemeral {
		t.Error("the answer to /queue clear should be private")
	}
}
