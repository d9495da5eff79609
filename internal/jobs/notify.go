package jobs

import (
	"context"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Notifier is how the queue tells the Discord side about jobs; the bot
// implements it. jobs does not import bot.
type Notifier interface {
	// Changed reports a job's new state or progress. It must not block: the
	// receiver coalesces updates into status-message edits.
	Changed(u Update)
	// Deliver posts a finished job's images. It is called again after a
	// crash or a failed attempt, so it must not post anything twice.
	Deliver(ctx context.Context, job model.Job, images []Image) error
}

// Update is a job's state as users see it.
type Update struct {
	Job model.Job
	// Queued jobs: place in the fair order and the length of the line.
	Position    int
	QueueLength int
	// ETA estimates when a queued job finishes, or how long a running job
	// has left; zero when unknown.
	ETA time.Duration
	// Running jobs: the node executing, its steps, and the whole job's share done.
	Node     string
	Step     int
	MaxSteps int
	Fraction float64
	Preview  *Image // newest preview, if the workflow sends any
}

// Image is one output (or preview) image with its bytes.
type Image struct {
	Name   string
	Data   []byte
	Format string // png, jpeg, webp
	Width  int
	Height int
}
