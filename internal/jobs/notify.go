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
	// Deliver posts a finished job's files, and the text outputs listed in
	// job.Images. It is called again after a crash or a failed attempt, so
	// it must not post anything twice.
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

// Image is one output file (or a preview image) with its bytes.
type Image struct {
	Name      string // the file's name, as ComfyUI wrote it
	Subfolder string // where it is in ComfyUI's output folder
	Data      []byte
	Format    string // the encoding's short name: png, jpeg, webp, gif, mp4, flac…
	MIME      string // media type, such as image/png or video/mp4
	Kind      model.OutputKind
	// Width and Height are set for images whose header could be read.
	Width  int
	Height int
}
