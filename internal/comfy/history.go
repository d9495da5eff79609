package comfy

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// File is a file ComfyUI wrote, as listed in a node's UI output; View downloads it.
type File struct {
	Filename, Subfolder string
	Type                string // "output", "temp" or "input"
	NodeID              string // the node that produced it
	Kind                string // the UI output key it was listed under: "images", "gifs", "video", "audio", "3d" ...
	Format              string // the entry's "format" when given (VideoHelperSuite: "video/h264-mp4", "image/gif"), else ""
	Animated            bool   // the node also returned "animated": [true] (SaveAnimatedWEBP/PNG, core video savers list videos under "images")
}

// Text is a node's "text" UI output (PreviewAny, ShowText-like custom nodes): one per string of
// the list.
type Text struct {
	NodeID, Text string
}

// HistoryEntry is a finished prompt as /history reports it.
type HistoryEntry struct {
	PromptID string
	Number   float64
	Prompt   json.RawMessage // the workflow as executed
	Status   *HistoryStatus  // nil when the server did not record one
	Outputs  json.RawMessage // every node's UI output, as sent
	Files    []File          // every file of Outputs, by node id in natural order (see outputFiles)
	Texts    []Text          // every "text" string of Outputs, in the same node order
}

// HistoryStatus is the history's status block.
type HistoryStatus struct {
	StatusStr string // "success" or "error" (errors and interrupts alike)
	Completed bool
	Messages  []HistoryMessage
}

// HistoryMessage is one of execution_start, execution_cached, execution_success,
// execution_error, execution_interrupted, as sent on the WebSocket.
type HistoryMessage struct {
	Type string
	Data json.RawMessage
}

// History returns a finished prompt. found is false while the prompt is pending or running, and
// for ids ComfyUI does not know (combine with Queue to tell those apart).
func (c *Client) History(ctx context.Context, promptID string) (*HistoryEntry, bool, error) {
	var wire map[string]json.RawMessage
	if err := c.getJSON(ctx, &wire, nil, "history", promptID); err != nil {
		return nil, false, err
	}
	raw, ok := wire[promptID]
	if !ok {
		return nil, false, nil
	}
	h, err := parseHistory(promptID, raw)
	if err != nil {
		return nil, false, fmt.Errorf("comfy: history of %s: %w", promptID, err)
	}
	return h, true, nil
}

func parseHistory(promptID string, raw json.RawMessage) (*HistoryEntry, error) {
	var wire struct {
		Prompt  []json.RawMessage `json:"prompt"`
		Outputs json.RawMessage   `json:"outputs"`
		Status  *struct {
			StatusStr string              `json:"status_str"`
			Completed bool                `json:"completed"`
			Messages  [][]json.RawMessage `json:"messages"`
		} `json:"status"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		return nil, err
	}
	h := &HistoryEntry{PromptID: promptID, Outputs: wire.Outputs}
	if len(wire.Prompt) > 0 {
		_ = json.Unmarshal(wire.Prompt[0], &h.Number)
	}
	if len(wire.Prompt) > 2 {
		h.Prompt = wire.Prompt[2]
	}
	if wire.Status != nil {
		h.Status = &HistoryStatus{StatusStr: wire.Status.StatusStr, Completed: wire.Status.Completed}
		for _, m := range wire.Status.Messages {
			if len(m) != 2 {
				continue
			}
			var typ string
			if json.Unmarshal(m[0], &typ) != nil {
				continue
			}
			h.Status.Messages = append(h.Status.Messages, HistoryMessage{Type: typ, Data: m[1]})
		}
	}
	files, texts, err := outputFiles(wire.Outputs)
	if err != nil {
		return nil, err
	}
	h.Files, h.Texts = files, texts
	return h, nil
}

// outputFiles lists the files and texts of an outputs object ({node: {kind: [...]}}) by node id
// in natural order (see compareNodeIDs), each node's in its own document (batch) order. ComfyUI
// writes the nodes in execution order, which for independent output nodes changes between
// server processes; results must not.
func outputFiles(outputs json.RawMessage) ([]File, []Text, error) {
	trimmed := bytes.TrimSpace(outputs)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, nil, nil
	}
	var files []File
	var texts []Text
	err := eachMember(outputs, func(node string, ui json.RawMessage) error {
		f, t := uiOutput(node, ui)
		files = append(files, f...)
		texts = append(texts, t...)
		return nil
	})
	slices.SortStableFunc(files, func(a, b File) int { return compareNodeIDs(a.NodeID, b.NodeID) })
	slices.SortStableFunc(texts, func(a, b Text) int { return compareNodeIDs(a.NodeID, b.NodeID) })
	return files, texts, err
}

// compareNodeIDs orders node ids naturally: numeric ids by number ("2" before "10"), a subgraph
// node "4:2" right after its parent "4" (segment by segment), then every other id by string.
func compareNodeIDs(a, b string) int {
	as, aNum := numericSegments(a)
	bs, bNum := numericSegments(b)
	switch {
	case aNum && bNum:
		for i := 0; i < len(as) && i < len(bs); i++ {
			if c := compareNumbers(as[i], bs[i]); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(len(as), len(bs)); c != 0 {
			return c
		}
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return strings.Compare(a, b)
}

// numericSegments splits "4:2" into its numbers; ok is false unless every segment is digits.
func numericSegments(id string) ([]string, bool) {
	segs := strings.Split(id, ":")
	for _, s := range segs {
		if s == "" || strings.TrimLeft(s, "0123456789") != "" {
			return nil, false
		}
	}
	return segs, true
}

// compareNumbers compares two digit strings of any length by value.
func compareNumbers(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// uiOutput reads one node's UI output: every list entry that is an object with a filename is a
// file, whatever its key ("images", "gifs", "audio", "3d", ...); "text" lists strings; "animated"
// (ComfyUI's SavedImages and PreviewVideo send [true] beside "images") marks the node's files.
// Anything else is not a file (Preview3D's "result" holds a bare path) and is skipped, as are
// malformed entries, so that one odd custom node does not hide the others' files.
func uiOutput(node string, ui json.RawMessage) ([]File, []Text) {
	var files []File
	var texts []Text
	animated := false
	err := eachMember(ui, func(key string, value json.RawMessage) error {
		var list []json.RawMessage
		if json.Unmarshal(value, &list) != nil {
			return nil
		}
		switch key {
		case "animated":
			for _, v := range list {
				var b bool
				if json.Unmarshal(v, &b) == nil && b {
					animated = true
				}
			}
		case "text":
			for _, v := range list {
				var s string
				if json.Unmarshal(v, &s) == nil {
					texts = append(texts, Text{NodeID: node, Text: s})
				}
			}
		default:
			for _, v := range list {
				if f, ok := uiFile(v); ok {
					f.NodeID, f.Kind = node, key
					files = append(files, f)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil
	}
	for i := range files {
		files[i].Animated = animated
	}
	return files, texts
}

// uiFile reads one entry of a UI output list; ok is false unless it is an object with a
// non-empty string filename.
func uiFile(raw json.RawMessage) (File, bool) {
	var e struct {
		Filename  string `json:"filename"`
		Subfolder string `json:"subfolder"`
		Type      string `json:"type"`
		Format    string `json:"format"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &e) != nil || e.Filename == "" {
		return File{}, false
	}
	return File{Filename: e.Filename, Subfolder: e.Subfolder, Type: e.Type, Format: e.Format}, true
}

// eachMember calls fn for every member of a JSON object, in document order (a Go map would lose it).
func eachMember(raw json.RawMessage, fn func(key string, value json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return errors.New("object key is not a string")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if err := fn(key, v); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// Outcome classifies a finished prompt from its history: success, error (with the node's
// exception) or interrupted. A missing status block counts as success.
func (h *HistoryEntry) Outcome() Outcome {
	return h.outcome("")
}

// outcome classifies, falling back to what the WebSocket said when history has no status.
func (h *HistoryEntry) outcome(observed Status) Outcome {
	o := Outcome{PromptID: h.PromptID, Files: h.Files, Texts: h.Texts, History: h}
	switch {
	case h.Status == nil:
		o.Status = observed
		if o.Status == "" {
			o.Status = StatusSuccess
		}
	case h.Status.StatusStr == "success" || h.Status.Completed:
		o.Status = StatusSuccess
	default:
		o.Status = StatusError
	}
	if h.Status == nil {
		return o
	}
	// Errors and interrupts both read "error": the last message tells them apart.
	for i := len(h.Status.Messages) - 1; i >= 0; i-- {
		m := h.Status.Messages[i]
		switch m.Type {
		case "execution_error":
			ev, err := decodeExecutionError(m.Data)
			if err == nil {
				o.Error = &ev
			}
			if o.Status != StatusSuccess {
				o.Status = StatusError
			}
			return o
		case "execution_interrupted":
			ev, err := decodeExecutionInterrupted(m.Data)
			if err == nil {
				o.Interrupted = &ev
			}
			o.Status = StatusInterrupted
			return o
		case "execution_success":
			return o
		}
	}
	return o
}
