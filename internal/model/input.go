package model

// Input slots: the workflow parameters an input image binds to.
const (
	InputImage  = "image"
	InputImage2 = "image2"
)

// Input is an image a job starts from: an attachment, or an earlier result
// used as input. Its bytes are kept with the job, so a re-queued job, a job
// recovered after a restart, and a rerun upload the very same image.
type Input struct {
	Slot     string // InputImage or InputImage2
	Filename string // as the user named it, for messages
	MIME     string // sniffed from the bytes: image/png, image/jpeg or image/webp
	Width    int
	Height   int
	Data     []byte
}
