package comfy

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/coder/websocket"
)

// Binary event types (first 4 bytes, big-endian).
const (
	binaryPreviewImage             = 1
	binaryText                     = 3
	binaryPreviewImageWithMetadata = 4
)

// DecodeMessage decodes one WebSocket frame. It never panics, whatever the input: unknown JSON
// types and binary events decode to Unknown and UnknownBinary; malformed frames are errors.
// Byte slices of the result share data's memory.
func DecodeMessage(typ websocket.MessageType, data []byte) (Event, error) {
	switch typ {
	case websocket.MessageText:
		return decodeText(data)
	case websocket.MessageBinary:
		return decodeBinary(data)
	}
	return nil, fmt.Errorf("comfy: unknown frame type %d", typ)
}

// wireString accepts a JSON string, number or null: node ids are strings, but custom servers
// have sent numbers.
type wireString string

func (w *wireString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*w = ""
		return nil
	case plainString(b):
		// Most values (node and prompt ids) need no unescaping; the
		// decoder calling us has validated the document already.
		*w = wireString(b[1 : len(b)-1])
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*w = wireString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("expected a string or number, got %.20s", b)
	}
	*w = wireString(n.String())
	return nil
}

// wireNumber accepts a JSON number, a numeric string or null.
type wireNumber float64

func (w *wireNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*w = 0
		return nil
	}
	if f, err := strconv.ParseFloat(string(b), 64); err == nil {
		*w = wireNumber(f) // a plain JSON number, the usual case
		return nil
	}
	var s wireString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return fmt.Errorf("expected a number, got %.20s", b)
	}
	*w = wireNumber(f)
	return nil
}

// splitEnvelope reads the {"type": T, "data": D} envelope ComfyUI sends,
// in that order, without decoding it: every frame would otherwise be
// parsed twice, the envelope and then its data. D is what lies between
// "data": and the closing brace; decodeData rejects it when something else
// follows D, since a JSON value followed by more is not JSON.
func splitEnvelope(b []byte) (typ string, data []byte, ok bool) {
	rest, ok := expect(b, "{")
	if ok {
		rest, ok = expect(rest, `"type"`)
	}
	if ok {
		rest, ok = expect(rest, ":")
	}
	if !ok {
		return "", nil, false
	}
	rest = bytes.TrimLeft(rest, " \t\r\n")
	end := bytes.IndexByte(rest[min(1, len(rest)):], '"') + 2
	if end < 2 || !plainString(rest[:end]) {
		return "", nil, false
	}
	typ, rest = string(rest[1:end-1]), rest[end:]
	rest, ok = expect(rest, ",")
	if ok {
		rest, ok = expect(rest, `"data"`)
	}
	if ok {
		rest, ok = expect(rest, ":")
	}
	rest = bytes.TrimRight(rest, " \t\r\n")
	if !ok || len(rest) == 0 || rest[len(rest)-1] != '}' {
		return "", nil, false
	}
	data = bytes.TrimSpace(rest[:len(rest)-1])
	return typ, data, len(data) > 0
}

// expect consumes token after optional white space.
func expect(b []byte, token string) ([]byte, bool) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if !bytes.HasPrefix(b, []byte(token)) {
		return b, false
	}
	return b[len(token):], true
}

// plainString reports whether b is a quoted JSON string whose bytes need
// no decoding: no escapes and nothing outside printable ASCII.
func plainString(b []byte) bool {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c >= 0x80 || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}

func stringsOf(in []wireString) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}

func decodeText(data []byte) (Event, error) {
	if typ, body, ok := splitEnvelope(data); ok {
		ev, err := decodeData(typ, body)
		if u, unknown := ev.(Unknown); err == nil && (!unknown || json.Valid(u.Data)) {
			return ev, nil
		}
		// body was not the whole data value after all: decode it the long way.
	}
	return decodeEnvelope(data)
}

// decodeEnvelope decodes any JSON message, whatever the order of its keys.
func decodeEnvelope(data []byte) (Event, error) {
	var env struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("comfy: decode message: %w", err)
	}
	ev, err := decodeData(env.Type, env.Data)
	if err != nil {
		return nil, fmt.Errorf("comfy: decode %q message: %w", env.Type, err)
	}
	return ev, nil
}

func decodeData(typ string, data json.RawMessage) (Event, error) {
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	switch typ {
	case "status":
		var w struct {
			Status *struct {
				ExecInfo struct {
					QueueRemaining wireNumber `json:"queue_remaining"`
				} `json:"exec_info"`
			} `json:"status"`
			SID wireString `json:"sid"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		ev := QueueStatus{SID: string(w.SID)}
		if w.Status != nil {
			ev.QueueRemaining = int(w.Status.ExecInfo.QueueRemaining)
		}
		return ev, nil
	case "execution_start", "execution_success":
		var w struct {
			PromptID  wireString `json:"prompt_id"`
			Timestamp wireNumber `json:"timestamp"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		if typ == "execution_start" {
			return ExecutionStart{PromptID: string(w.PromptID), Timestamp: int64(w.Timestamp)}, nil
		}
		return ExecutionSuccess{PromptID: string(w.PromptID), Timestamp: int64(w.Timestamp)}, nil
	case "execution_cached":
		var w struct {
			Nodes     []wireString `json:"nodes"`
			PromptID  wireString   `json:"prompt_id"`
			Timestamp wireNumber   `json:"timestamp"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		return ExecutionCached{PromptID: string(w.PromptID), Nodes: stringsOf(w.Nodes), Timestamp: int64(w.Timestamp)}, nil
	case "executing":
		var w struct {
			Node        json.RawMessage `json:"node"`
			DisplayNode wireString      `json:"display_node"`
			PromptID    wireString      `json:"prompt_id"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		ev := Executing{PromptID: string(w.PromptID), DisplayNode: string(w.DisplayNode)}
		var node wireString
		if len(w.Node) > 0 {
			if err := node.UnmarshalJSON(w.Node); err != nil {
				return nil, err
			}
		}
		ev.Node = string(node)
		ev.Done = len(w.Node) == 0 || bytes.Equal(bytes.TrimSpace(w.Node), []byte("null"))
		return ev, nil
	case "progress":
		var w struct {
			Value    wireNumber `json:"value"`
			Max      wireNumber `json:"max"`
			PromptID wireString `json:"prompt_id"`
			Node     wireString `json:"node"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		return Progress{PromptID: string(w.PromptID), Node: string(w.Node), Value: float64(w.Value), Max: float64(w.Max)}, nil
	case "progress_state":
		return decodeProgressState(data)
	case "executed":
		var w struct {
			Node        wireString      `json:"node"`
			DisplayNode wireString      `json:"display_node"`
			Output      json.RawMessage `json:"output"`
			PromptID    wireString      `json:"prompt_id"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		files, texts := uiOutput(string(w.Node), w.Output)
		return Executed{PromptID: string(w.PromptID), Node: string(w.Node), DisplayNode: string(w.DisplayNode),
			Output: w.Output, Files: files, Texts: texts}, nil
	case "execution_error":
		ev, err := decodeExecutionError(data)
		if err != nil {
			return nil, err
		}
		return ev, nil
	case "execution_interrupted":
		ev, err := decodeExecutionInterrupted(data)
		if err != nil {
			return nil, err
		}
		return ev, nil
	case "feature_flags":
		var w struct {
			SupportsPreviewMetadata bool       `json:"supports_preview_metadata"`
			MaxUploadSize           wireNumber `json:"max_upload_size"`
		}
		if err := json.Unmarshal(data, &w); err != nil {
			return nil, err
		}
		return FeatureFlags{SupportsPreviewMetadata: w.SupportsPreviewMetadata, MaxUploadSize: int64(w.MaxUploadSize), Raw: data}, nil
	}
	return Unknown{Name: typ, Data: data}, nil
}

func decodeProgressState(data json.RawMessage) (Event, error) {
	var w struct {
		PromptID wireString `json:"prompt_id"`
		Nodes    map[string]struct {
			Value         wireNumber `json:"value"`
			Max           wireNumber `json:"max"`
			State         wireString `json:"state"`
			NodeID        wireString `json:"node_id"`
			DisplayNodeID wireString `json:"display_node_id"`
			ParentNodeID  wireString `json:"parent_node_id"`
			RealNodeID    wireString `json:"real_node_id"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	ev := ProgressState{PromptID: string(w.PromptID), Nodes: make(map[string]NodeProgress, len(w.Nodes))}
	for id, n := range w.Nodes {
		nodeID := string(n.NodeID)
		if nodeID == "" {
			nodeID = id
		}
		ev.Nodes[id] = NodeProgress{NodeID: nodeID, DisplayNodeID: string(n.DisplayNodeID), ParentNodeID: string(n.ParentNodeID),
			RealNodeID: string(n.RealNodeID), State: string(n.State), Value: float64(n.Value), Max: float64(n.Max)}
	}
	return ev, nil
}

func decodeExecutionError(data json.RawMessage) (ExecutionError, error) {
	var w struct {
		PromptID         wireString      `json:"prompt_id"`
		NodeID           wireString      `json:"node_id"`
		NodeType         wireString      `json:"node_type"`
		Executed         []wireString    `json:"executed"`
		ExceptionMessage string          `json:"exception_message"`
		ExceptionType    string          `json:"exception_type"`
		Traceback        []string        `json:"traceback"`
		CurrentInputs    json.RawMessage `json:"current_inputs"`
		CurrentOutputs   []wireString    `json:"current_outputs"`
		Timestamp        wireNumber      `json:"timestamp"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return ExecutionError{}, err
	}
	return ExecutionError{PromptID: string(w.PromptID), NodeID: string(w.NodeID), NodeType: string(w.NodeType),
		Executed: stringsOf(w.Executed), ExceptionMessage: w.ExceptionMessage, ExceptionType: w.ExceptionType,
		Traceback: w.Traceback, CurrentInputs: w.CurrentInputs, CurrentOutputs: stringsOf(w.CurrentOutputs),
		Timestamp: int64(w.Timestamp)}, nil
}

func decodeExecutionInterrupted(data json.RawMessage) (ExecutionInterrupted, error) {
	var w struct {
		PromptID  wireString   `json:"prompt_id"`
		NodeID    wireString   `json:"node_id"`
		NodeType  wireString   `json:"node_type"`
		Executed  []wireString `json:"executed"`
		Timestamp wireNumber   `json:"timestamp"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return ExecutionInterrupted{}, err
	}
	return ExecutionInterrupted{PromptID: string(w.PromptID), NodeID: string(w.NodeID), NodeType: string(w.NodeType),
		Executed: stringsOf(w.Executed), Timestamp: int64(w.Timestamp)}, nil
}

func decodeBinary(data []byte) (Event, error) {
	if len(data) < 4 {
		return nil, errors.New("comfy: binary frame shorter than its event type")
	}
	event := binary.BigEndian.Uint32(data[0:4])
	switch event {
	case binaryPreviewImage:
		if len(data) < 8 {
			return nil, errors.New("comfy: preview frame without image format")
		}
		ev := Preview{Image: data[8:]}
		switch binary.BigEndian.Uint32(data[4:8]) {
		case 1:
			ev.MIME = "image/jpeg"
		case 2:
			ev.MIME = "image/png"
		}
		return ev, nil
	case binaryText:
		node, rest, err := lengthPrefixed(data[4:])
		if err != nil {
			return nil, fmt.Errorf("comfy: text frame: %w", err)
		}
		return ProgressText{NodeID: string(node), Text: string(rest)}, nil
	case binaryPreviewImageWithMetadata:
		meta, img, err := lengthPrefixed(data[4:])
		if err != nil {
			return nil, fmt.Errorf("comfy: preview frame: %w", err)
		}
		var w struct {
			NodeID        wireString `json:"node_id"`
			PromptID      wireString `json:"prompt_id"`
			DisplayNodeID wireString `json:"display_node_id"`
			ParentNodeID  wireString `json:"parent_node_id"`
			RealNodeID    wireString `json:"real_node_id"`
			ImageType     wireString `json:"image_type"`
		}
		if err := json.Unmarshal(meta, &w); err != nil {
			return nil, fmt.Errorf("comfy: preview metadata: %w", err)
		}
		return Preview{PromptID: string(w.PromptID), NodeID: string(w.NodeID), DisplayNodeID: string(w.DisplayNodeID),
			ParentNodeID: string(w.ParentNodeID), RealNodeID: string(w.RealNodeID), MIME: string(w.ImageType),
			Image: img, WithMetadata: true}, nil
	}
	return UnknownBinary{EventType: event, Data: data[4:]}, nil
}

// lengthPrefixed splits "4-byte big-endian length N, N bytes, rest".
func lengthPrefixed(b []byte) (head, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errors.New("missing length")
	}
	n := uint64(binary.BigEndian.Uint32(b[0:4]))
	if n > uint64(len(b)-4) {
		return nil, nil, fmt.Errorf("length %d exceeds the frame", n)
	}
	return b[4 : 4+n], b[4+n:], nil
}
