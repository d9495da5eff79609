package comfy

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Event is a decoded WebSocket message. The concrete types below are the complete set; switch on
// them. Type returns the wire name ("progress", "executing", ...).
type Event interface {
	Type() string
}

// QueueStatus is a "status" message: the queue changed. SID is set only in the first message
// after connecting.
type QueueStatus struct {
	QueueRemaining int
	SID            string
}

// ExecutionStart means the worker started the prompt.
type ExecutionStart struct {
	PromptID  string
	Timestamp int64 // ms since the epoch
}

// ExecutionCached lists the nodes whose results come from ComfyUI's cache.
type ExecutionCached struct {
	PromptID  string
	Nodes     []string
	Timestamp int64
}

// Executing announces the node about to run. Done (node null) marks the end of the prompt:
// history is written by then. After a reconnect ComfyUI may send one without PromptID.
type Executing struct {
	PromptID    string
	Node        string
	DisplayNode string
	Done        bool
}

// Progress is a progress-bar update of a node (sampler steps, images sent, ...).
type Progress struct {
	PromptID string
	Node     string
	Value    float64
	Max      float64
}

// ProgressState is the state of every node of the prompt that has started (ComfyUI ≥ 0.3.45).
type ProgressState struct {
	PromptID string
	Nodes    map[string]NodeProgress
}

// NodeProgress is one node in a ProgressState.
type NodeProgress struct {
	NodeID        string
	DisplayNodeID string
	ParentNodeID  string
	RealNodeID    string
	State         string // "running" or "finished"
	Value         float64
	Max           float64
}

// Executed is a node's UI output (files written by SaveImage, PreviewImage, SaveVideo, ..., text).
type Executed struct {
	PromptID    string
	Node        string
	DisplayNode string
	Output      json.RawMessage
	Files       []File // the files of Output, in document order
	Texts       []Text // its "text" strings
}

// ExecutionSuccess means every requested output finished.
type ExecutionSuccess struct {
	PromptID  string
	Timestamp int64
}

// ExecutionError is a node that raised while running. Its Error text is for people: the node
// and the exception, without the traceback (kept in Traceback).
type ExecutionError struct {
	PromptID         string
	NodeID           string
	NodeType         string
	Executed         []string
	ExceptionMessage string
	ExceptionType    string
	Traceback        []string
	CurrentInputs    json.RawMessage
	CurrentOutputs   []string
	Timestamp        int64
}

func (e ExecutionError) Error() string {
	msg, _, _ := strings.Cut(strings.TrimSpace(e.ExceptionMessage), "\n")
	if e.ExceptionType != "" {
		msg = e.ExceptionType + ": " + msg
	}
	return fmt.Sprintf("node %s (%s) failed: %s", e.NodeID, e.NodeType, msg)
}

// ExecutionInterrupted means an interrupt stopped the prompt at NodeID.
type ExecutionInterrupted struct {
	PromptID  string
	NodeID    string
	NodeType  string
	Executed  []string
	Timestamp int64
}

// FeatureFlags is the server's answer to the client's feature_flags message.
type FeatureFlags struct {
	SupportsPreviewMetadata bool
	MaxUploadSize           int64
	Raw                     json.RawMessage
}

// Unknown is a JSON message of a type this package does not know (custom nodes add their own).
type Unknown struct {
	Name string
	Data json.RawMessage
}

// Preview is a preview image (binary event 1, or 4 with metadata). Event 1 carries no prompt
// id; the client fills PromptID with the prompt running for it.
type Preview struct {
	PromptID      string
	NodeID        string
	DisplayNodeID string
	ParentNodeID  string
	RealNodeID    string
	MIME          string // image/jpeg or image/png; empty if the server sent an unknown format
	Image         []byte
	WithMetadata  bool // event 4
}

// ProgressText is a node's progress text (binary event 3, e.g. GetImageSize). It carries no
// prompt id; the client fills PromptID with the prompt running for it.
type ProgressText struct {
	PromptID string
	NodeID   string
	Text     string
}

// UnknownBinary is a binary frame of an unknown event type.
type UnknownBinary struct {
	EventType uint32
	Data      []byte
}

func (QueueStatus) Type() string          { return "status" }
func (ExecutionStart) Type() string       { return "execution_start" }
func (ExecutionCached) Type() string      { return "execution_cached" }
func (Executing) Type() string            { return "executing" }
func (Progress) Type() string             { return "progress" }
func (ProgressState) Type() string        { return "progress_state" }
func (Executed) Type() string             { return "executed" }
func (ExecutionSuccess) Type() string     { return "execution_success" }
func (ExecutionError) Type() string       { return "execution_error" }
func (ExecutionInterrupted) Type() string { return "execution_interrupted" }
func (FeatureFlags) Type() string         { return "feature_flags" }
func (u Unknown) Type() string            { return u.Name }
func (Preview) Type() string              { return "preview" }
func (ProgressText) Type() string         { return "progress_text" }
func (UnknownBinary) Type() string        { return "binary" }

// promptOf is the prompt an event belongs to ("" for none).
func promptOf(ev Event) string {
	switch e := ev.(type) {
	case ExecutionStart:
		return e.PromptID
	case ExecutionCached:
		return e.PromptID
	case Executing:
		return e.PromptID
	case Progress:
		return e.PromptID
	case ProgressState:
		return e.PromptID
	case Executed:
		return e.PromptID
	case ExecutionSuccess:
		return e.PromptID
	case ExecutionError:
		return e.PromptID
	case ExecutionInterrupted:
		return e.PromptID
	case Preview:
		return e.PromptID
	case ProgressText:
		return e.PromptID
	}
	return ""
}
