package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Format is the shape of a workflow file.
type Format string

// Formats recognised by Detect.
const (
	FormatAPI     Format = "api"         // node id → {class_type, inputs}
	FormatRequest Format = "api_request" // a POST /prompt body: {"prompt": {…API…}, …}
	FormatUI      Format = "ui"          // the frontend's save format (nodes/links arrays)
	FormatUnknown Format = "unknown"
)

// uiFormatMessage is for readers without the server's node catalogue, which converting a
// UI-format file needs (ParseUI): the bot has it, and so has the CLI given a server.
const uiFormatMessage = `this is a UI-format workflow; converting it needs the ComfyUI server's node list: ` +
	`add it with /admin workflow add, or check it with "workflow inspect --comfyui URL"; ` +
	`or in ComfyUI use "Export (API)" (Workflow menu → Export (API)) and use that file`

// Detect tells the shape of a workflow file without fully parsing it.
func Detect(data []byte) Format {
	top, err := decodeObject(data)
	if err != nil {
		return FormatUnknown
	}
	f, _ := detect(top)
	return f
}

// detect classifies a top-level object and returns the node map for API formats.
func detect(top map[string]json.RawMessage) (Format, map[string]json.RawMessage) {
	if raw, ok := top["nodes"]; ok && firstByte(raw) == '[' {
		return FormatUI, nil
	}
	if raw, ok := top["prompt"]; ok && firstByte(raw) == '{' {
		if inner, err := decodeObject(raw); err == nil {
			if _, isNode := inner["class_type"]; !isNode {
				if f, _ := detect(inner); f == FormatAPI {
					return FormatRequest, inner
				}
			}
		}
	}
	nodes := 0
	for _, raw := range top {
		node, err := decodeObject(raw)
		if err != nil {
			continue
		}
		if firstByte(node["class_type"]) == '"' {
			nodes++
		} else if firstByte(node["inputs"]) == '{' {
			return FormatUnknown, nil // a node without its class: Parse names it
		}
	}
	if nodes == 0 {
		return FormatUnknown, nil
	}
	return FormatAPI, top
}

// nodeLike tells whether a top-level member of an API file is meant as a node: an object
// with a class_type or an inputs object. Front ends such as SwarmUI add members of their own
// beside the nodes ({"inputs": ["15", "1504"], "output": "9"}); those are skipped.
func nodeLike(raw json.RawMessage) bool {
	fields, err := decodeObject(raw)
	if err != nil {
		return false
	}
	_, class := fields["class_type"]
	return class || firstByte(fields["inputs"]) == '{'
}

// Parse reads an API-format workflow, or a POST /prompt body holding one. Numbers keep their
// exact text, so a seed of 18446744073709551615 survives Parse → Encode unchanged.
func Parse(data []byte) (*Workflow, error) {
	w, err := parse(data)
	if err != nil {
		return nil, err
	}
	if d := w.danglingLinks(); len(d) > 0 {
		return nil, &Error{Code: CodeBadLink, Node: d[0].Node, Input: d[0].Input,
			Message: fmt.Sprintf("links to node %s, which is not in the workflow", d[0].to)}
	}
	return w, nil
}

// ParseLenient is Parse for inspecting a workflow that may be broken: a link to a node
// that is not in the workflow does not stop it, and stays in the graph for Inspect to
// report with every other problem. Run nothing from such a workflow.
func ParseLenient(data []byte) (*Workflow, error) { return parse(data) }

// dangling is an input linked to a node that is not in the workflow.
type dangling struct {
	Target
	to string
}

// danglingLinks lists the links to missing nodes, in node and input order.
func (w *Workflow) danglingLinks() []dangling {
	var out []dangling
	for _, id := range w.IDs() {
		n := w.nodes[id]
		for _, name := range n.order {
			if l, ok := n.inputs[name].(Link); ok && w.nodes[l.Node] == nil {
				out = append(out, dangling{Target: Target{Node: id, Input: name}, to: l.Node})
			}
		}
	}
	return out
}

// parse reads the graph, links to missing nodes included.
func parse(data []byte) (*Workflow, error) {
	top, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	api, inner := detect(top)
	switch api {
	case FormatUI:
		return nil, &Error{Code: CodeUIFormat, Message: uiFormatMessage}
	case FormatRequest:
		top, api = inner, FormatAPI
	}
	if len(top) == 0 {
		return nil, &Error{Code: CodeNotWorkflow, Message: "the workflow has no nodes"}
	}
	w := &Workflow{nodes: make(map[string]*Node, len(top))}
	skip := api == FormatAPI
	for _, id := range sortedKeys(top) {
		raw := top[id]
		if skip && !nodeLike(raw) {
			w.notes = append(w.notes, fmt.Sprintf("top-level key %q is not a node (no class_type); it was skipped", id))
			continue
		}
		n, err := parseNode(id, raw)
		if err != nil {
			return nil, err
		}
		w.nodes[id] = n
	}
	return w, nil
}

func parseNode(id string, raw json.RawMessage) (*Node, error) {
	notAPI := func(msg string) error {
		return &Error{Code: CodeNotWorkflow, Node: id,
			Message: msg + "; an API-format workflow maps node ids to {\"class_type\", \"inputs\"}"}
	}
	if id == "" {
		return nil, notAPI("a node has an empty id")
	}
	fields, err := decodeObject(raw)
	if err != nil {
		return nil, notAPI("is not an object")
	}
	n := &Node{ID: id, inputs: map[string]any{}}
	if err := json.Unmarshal(fields["class_type"], &n.Class); err != nil || n.Class == "" {
		return nil, notAPI("has no class_type")
	}
	if meta, err := decodeObject(fields["_meta"]); err == nil {
		_ = json.Unmarshal(meta["title"], &n.Title) // a malformed title is ignored, as ComfyUI does
	}
	if raw, ok := fields["inputs"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if err := parseInputs(n, raw); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func parseInputs(n *Node, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	bad := func(input, msg string) error {
		return &Error{Code: CodeBadInput, Node: n.ID, Input: input, Message: msg}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return &Error{Code: CodeBadNode, Node: n.ID, Message: "inputs must be an object"}
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad("", "inputs are not valid JSON")
		}
		name, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return bad(name, "value is not valid JSON")
		}
		if list, ok := v.([]any); ok && len(list) > 0 {
			l, err := parseLink(list)
			if err != nil {
				return bad(name, err.Error())
			}
			v = l
		}
		n.set(name, v)
	}
	return nil
}

func parseLink(list []any) (Link, error) {
	errShape := errors.New(`a list must be a link ["node id", output index]; ` +
		`wrap a literal list as {"__value__": [...]}`)
	if len(list) != 2 {
		return Link{}, errShape
	}
	id, ok := list[0].(string)
	if !ok {
		return Link{}, errShape
	}
	num, ok := list[1].(json.Number)
	if !ok {
		return Link{}, errShape
	}
	out, err := strconv.Atoi(num.String())
	if err != nil || out < 0 {
		return Link{}, fmt.Errorf("link to node %s has a bad output index %s", id, num)
	}
	return Link{Node: id, Output: out}, nil
}

// decodeObject decodes a JSON object one level deep, with errors a person can act on.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	var top map[string]json.RawMessage
	err := json.Unmarshal(data, &top)
	if err == nil && top == nil {
		err = &json.UnmarshalTypeError{Value: "null"}
	}
	if err == nil {
		return top, nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := position(data, syn.Offset)
		return nil, &Error{Code: CodeInvalidJSON, Err: err,
			Message: fmt.Sprintf("not valid JSON (line %d, column %d): %s", line, col, syn.Error())}
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return nil, &Error{Code: CodeNotWorkflow, Err: err,
			Message: "a workflow must be a JSON object of nodes (API format)"}
	}
	return nil, &Error{Code: CodeInvalidJSON, Err: err, Message: "not valid JSON"}
}

func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col = 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, compareIDs)
	return keys
}

func firstByte(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}
