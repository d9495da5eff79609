package workflow

import "strings"

// Code classifies an Error for callers that react differently to each kind.
type Code string

// Error codes.
const (
	CodeInvalidJSON   Code = "invalid_json"
	CodeUIFormat      Code = "ui_format"
	CodeUnknownClass  Code = "unknown_class"
	CodeNotWorkflow   Code = "not_workflow"
	CodeBadNode       Code = "bad_node"
	CodeBadInput      Code = "bad_input"
	CodeBadLink       Code = "bad_link"
	CodeSidecar       Code = "sidecar"
	CodeParam         Code = "param"
	CodeNoCheckpoints Code = "no_checkpoints"
	CodeNotFound      Code = "not_found"
	CodeObjectInfo    Code = "bad_object_info"
)

// Error is a problem with a workflow, sidecar or parameter. Message is safe to show to the
// person who supplied the workflow; File, Node, Input and Param locate it when known.
type Error struct {
	Code    Code
	File    string
	Node    string
	Input   string
	Param   Param
	Message string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Param != "" {
		b.WriteString("parameter ")
		b.WriteString(string(e.Param))
		b.WriteString(": ")
	}
	if e.Node != "" {
		b.WriteString("node ")
		b.WriteString(e.Node)
		if e.Input != "" {
			b.WriteString(" input ")
			b.WriteString(e.Input)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
