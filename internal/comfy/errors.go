package comfy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// UnreachableError means ComfyUI could not be reached at all: connection refused, DNS failure,
// timeout, connection dropped. It never contains header values (tokens).
type UnreachableError struct {
	URL string // base URL without credentials
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("ComfyUI at %s is not reachable: %v", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// HTTPError is an unexpected HTTP status from ComfyUI (or a proxy in front of it).
type HTTPError struct {
	Method string
	Path   string // API path, e.g. "/prompt"
	Status int
	Body   string // start of the response body
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("ComfyUI %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// ValidationError is ComfyUI refusing a workflow (HTTP 400 from POST /prompt): nothing was queued.
type ValidationError struct {
	Type    string // error.type: prompt_outputs_failed_validation, invalid_prompt, prompt_no_outputs, no_prompt, ...
	Message string
	Details string
	Nodes   []NodeError
}

// NodeError is one problem with one node of a workflow.
type NodeError struct {
	NodeID  string
	Class   string
	Title   string // _meta.title of the submitted node, if it had one
	Input   string // the input at fault, if any
	Type    string // e.g. value_bigger_than_max, required_input_missing, missing_node_type
	Message string
	Details string
}

func (e NodeError) Error() string {
	var b strings.Builder
	b.WriteString("node ")
	b.WriteString(e.NodeID)
	if e.Class != "" {
		b.WriteString(" (")
		b.WriteString(e.Class)
		if e.Title != "" && e.Title != e.Class {
			fmt.Fprintf(&b, " %q", e.Title)
		}
		b.WriteString(")")
	}
	b.WriteString(": ")
	if e.Input != "" {
		b.WriteString("input ")
		b.WriteString(e.Input)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	// Details often repeat the input name; only add them when they say more.
	if e.Details != "" && e.Details != e.Input {
		b.WriteString(" (")
		b.WriteString(e.Details)
		b.WriteString(")")
	}
	return b.String()
}

func (e *ValidationError) Error() string {
	if len(e.Nodes) > 0 {
		lines := make([]string, len(e.Nodes))
		for i, n := range e.Nodes {
			lines[i] = n.Error()
		}
		return strings.Join(lines, "; ")
	}
	switch e.Type {
	case "prompt_no_outputs":
		return "the workflow has no output node (such as SaveImage or PreviewImage), so ComfyUI has nothing to run"
	case "no_prompt":
		return "no workflow was sent to ComfyUI"
	case "invalid_prompt_id":
		return "ComfyUI rejected the prompt id: " + e.Details
	}
	msg := e.Message
	if msg == "" {
		msg = "ComfyUI rejected the workflow"
	}
	if e.Details != "" {
		msg += ": " + e.Details
	}
	return msg
}

// promptNode is what error messages need from a submitted workflow node.
type promptNode struct {
	ClassType string `json:"class_type"`
	Meta      struct {
		Title string `json:"title"`
	} `json:"_meta"`
}

func promptNodes(prompt json.RawMessage) map[string]promptNode {
	var nodes map[string]promptNode
	_ = json.Unmarshal(prompt, &nodes)
	return nodes
}

type wireError struct {
	Type      string          `json:"type"`
	Message   string          `json:"message"`
	Details   string          `json:"details"`
	ExtraInfo json.RawMessage `json:"extra_info"`
}

type wireNodeErrors map[string]struct {
	Errors    []wireError `json:"errors"`
	ClassType string      `json:"class_type"`
}

// nodeErrors flattens node_errors into one NodeError per problem, in node id order.
func nodeErrors(raw wireNodeErrors, nodes map[string]promptNode) []NodeError {
	ids := make([]string, 0, len(raw))
	for id := range raw {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, k int) bool { return lessNodeID(ids[i], ids[k]) })
	var out []NodeError
	for _, id := range ids {
		entry := raw[id]
		for _, e := range entry.Errors {
			var extra struct {
				InputName string `json:"input_name"`
			}
			_ = json.Unmarshal(e.ExtraInfo, &extra)
			out = append(out, NodeError{NodeID: id, Class: entry.ClassType, Title: nodes[id].Meta.Title,
				Input: extra.InputName, Type: e.Type, Message: e.Message, Details: e.Details})
		}
	}
	return out
}

// lessNodeID orders node ids numerically when both are numbers ("2" before "10").
func lessNodeID(a, b string) bool {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return na < nb
	}
	if (errA == nil) != (errB == nil) {
		return errA == nil
	}
	return a < b
}

// parseValidation reads a 400 answer of POST /prompt.
func parseValidation(body []byte, prompt json.RawMessage) (*ValidationError, bool) {
	var wire struct {
		Error      json.RawMessage `json:"error"`
		NodeErrors wireNodeErrors  `json:"node_errors"`
	}
	if err := json.Unmarshal(body, &wire); err != nil || len(wire.Error) == 0 {
		return nil, false
	}
	nodes := promptNodes(prompt)
	ve := &ValidationError{}
	var we wireError
	if err := json.Unmarshal(wire.Error, &we); err != nil {
		// Some servers (and the official front end's parser) allow a plain string here.
		var s string
		if json.Unmarshal(wire.Error, &s) != nil {
			return nil, false
		}
		we.Message = s
	}
	ve.Type, ve.Message, ve.Details = we.Type, we.Message, we.Details
	ve.Nodes = nodeErrors(wire.NodeErrors, nodes)
	if ne, ok := missingNode(we, nodes); ok {
		ve.Nodes = append([]NodeError{ne}, ve.Nodes...)
	}
	return ve, true
}

// missingNode explains invalid_prompt (ComfyUI ≤ 0.3.x) and missing_node_type (newer): a node
// whose class is not installed, or that has no class_type at all.
func missingNode(we wireError, nodes map[string]promptNode) (NodeError, bool) {
	if we.Type != "invalid_prompt" && we.Type != "missing_node_type" {
		return NodeError{}, false
	}
	var extra struct {
		NodeID    string `json:"node_id"`
		ClassType string `json:"class_type"`
		NodeTitle string `json:"node_title"`
	}
	_ = json.Unmarshal(we.ExtraInfo, &extra)
	id := extra.NodeID
	if id == "" {
		// Details read "Node ID '#2'".
		if _, rest, ok := strings.Cut(we.Details, "'#"); ok {
			id, _, _ = strings.Cut(rest, "'")
		}
	}
	if id == "" {
		return NodeError{}, false
	}
	class := extra.ClassType
	if class == "" {
		class = nodes[id].ClassType
	}
	if class == "" {
		if _, rest, ok := strings.Cut(we.Message, "because node "); ok {
			class, _, _ = strings.Cut(rest, " does not exist")
		}
	}
	title := extra.NodeTitle
	if title == "" {
		title = nodes[id].Meta.Title
	}
	ne := NodeError{NodeID: id, Class: class, Title: title, Type: "missing_node_type"}
	if class == "" || strings.Contains(we.Message, "missing the class_type") {
		ne.Message = "the node has no class_type; is this an API-format workflow?"
		return ne, true
	}
	ne.Message = fmt.Sprintf("node type %s is not installed on this ComfyUI; a custom node pack may be missing", class)
	return ne, true
}
