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
	Params Params
	Seed   uint64
	// Ran are the values the job's graph holds at its bound parameters
	// (steps, CFG, size, batch, denoise, checkpoint), the workflow's own
	// where the user gave none. Set when the job is queued and again when
	// it is submitted to a backend; zero for jobs stored before it was kept.
	Ran          Params
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

// Shown are the job's parameters as it ran: Params with Ran laid on top.
func (j Job) Shown() Params { return j.Params.Merge(j.Ran) }

// ImageRef is one output of a job: a file (where ComfyUI keeps it and, once
// delivered, where Discord serves it) or a text a node showed. Rows stored
// before other kinds were delivered hold images only and have no kind.
type ImageRef struct {
	Filename  string     `json:"filename,omitempty"` // empty for a text
	Subfolder string     `json:"subfolder,omitempty"`
	Type      string     `json:"type,omitempty"` // ComfyUI folder type: output
	NodeID    string     `json:"node,omitempty"` // the node that made it
	Kind      OutputKind `json:"kind,omitempty"` // empty: an image
	MediaType string     `json:"media_type,omitempty"`
	Text      string     `json:"text,omitempty"` // a text output's text
	Width     int        `json:"width,omitempty"`
	Height    int        `json:"height,omitempty"`
	Bytes     int64      `json:"bytes,omitempty"`
	URL       string     `json:"url,omitempty"`
}

// OutputKind is what an output is to its delivery: how it can be shown and
// how it can be made smaller.
type OutputKind string

const (
	KindImage     OutputKind = "image"     // a still picture
	KindAnimation OutputKind = "animation" // animated WEBP, PNG or GIF
	KindVideo     OutputKind = "video"
	KindAudio     OutputKind = "audio"
	Kind3D        OutputKind = "3d" // a 3D model file
	KindFile      OutputKind = "file"
	KindText      OutputKind = "text" // not a file: ImageRef.Text holds it
)

// OutputKind is the ref's kind, images for rows that name none.
func (r ImageRef) OutputKind() OutputKind {
	if r.Kind == "" {
		return KindImage
	}
	return r.Kind
}

// IsText reports whether the ref is a text output rather than a file.
func (r ImageRef) IsText() bool { return r.Kind == KindText }

// FileRefs are the outputs that are files, in order.
func FileRefs(refs []ImageRef) []ImageRef {
	var out []ImageRef
	for _, r := range refs {
		if !r.IsText() {
			out = append(out, r)
		}
	}
	return out
}

// TextRefs are the text outputs, in order.
func TextRefs(refs []ImageRef) []ImageRef {
	var out []ImageRef
	for _, r := range refs {
		if r.IsText() {
			out = append(out, r)
		}
	}
	return out
}
