package model

import "time"

// Job is one /generate request and everything that happened to it.
type Job struct {
	ID int64
	// PromptID is the UUID sent to ComfyUI for the current submission
	// attempt; empty until the job is first submitted, replaced when a
	// re-queued job is submitted again.
	PromptID string
	UserID   string // Discord user snowflake
	UserName string // as last seen by the bot
	GuildID  string // empty for jobs started in a DM
	// ChannelID is where the command was used.
	ChannelID string
	Status    JobStatus
	// Params are what the user asked for (all layers merged); Seed is the
	// seed actually used, resolved when Params.Seed is nil.
	Params       Params
	Seed         uint64
	WorkflowName string
	Backend      string // name of the backend the job was last sent to
	// Attempts counts how often the job was re-queued after a backend lost it.
	Attempts     int
	Progress     float64 // 0..1
	ProgressText string
	Delivery     Delivery
	// StatusChannelID and StatusMessageID name the message that shows the
	// job's progress, once one was posted.
	StatusChannelID string
	StatusMessageID string
	// Inputs are the images the job starts from. They are stored with the
	// job when it is queued; jobs read back from the store leave them out
	// (Store.JobInputs reads them), as they can be large.
	Inputs       []Input
	Images       []ImageRef
	ErrorCode    string
	ErrorMessage string
	// Timestamps are UTC; the zero time means "not yet".
	QueuedAt    time.Time
	SubmittedAt time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ImageRef is one output image: where ComfyUI keeps it and, once delivered,
// where Discord serves it.
type ImageRef struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder,omitempty"`
	Type      string `json:"type,omitempty"` // ComfyUI folder type: output or temp
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Bytes     int64  `json:"bytes,omitempty"`
	URL       string `json:"url,omitempty"`
}
