package render

import (
	"strconv"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// QueueCleared answers /queue clear: which jobs it cancelled, or that
// there were none. all is the admin's scope:all.
func QueueCleared(cleared []model.Job, all bool) Message {
	if len(cleared) == 0 {
		if all {
			return Message{Content: "Nothing to clear: no job of this server is waiting in the queue.", Ephemeral: true}
		}
		return Message{Content: "Nothing to clear: you have no job waiting in the queue. Running jobs are cancelled one by one with `/queue cancel`.", Ephemeral: true}
	}
	ids := make([]string, len(cleared))
	for i, j := range cleared {
		ids[i] = "#" + strconv.FormatInt(j.ID, 10)
	}
	return Message{Content: "Cancelled " + plural(len(cleared), "queued job", "queued jobs") + ": " + strings.Join(ids, ", ") + ".", Ephemeral: true}
}

// CancelTooLate says why Cancel did nothing: the job got past where it
// could be cancelled.
func CancelTooLate(j model.Job) string {
	id := "Job **#" + strconv.FormatInt(j.ID, 10) + "**"
	if j.Status == model.StatusDelivering {
		return id + " has finished; its results are on their way, too late to cancel."
	}
	return id + " is already " + string(j.Status) + ": nothing to cancel."
}
