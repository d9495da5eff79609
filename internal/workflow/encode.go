package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Encode writes the workflow as indented API-format JSON: nodes in natural id order, each as
// {"inputs", "class_type", "_meta"} like ComfyUI's own export, inputs in the order they were
// read. The output is deterministic, and numbers keep their exact text.
func (w *Workflow) Encode() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, id := range w.IDs() {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeJSON(&buf, id); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := w.nodes[id].encode(&buf); err != nil {
			return nil, fmt.Errorf("encode node %s: %w", id, err)
		}
	}
	buf.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("indent workflow: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// MarshalJSON lets a Workflow be embedded in other JSON documents.
func (w *Workflow) MarshalJSON() ([]byte, error) { return w.Encode() }

func (n *Node) encode(buf *bytes.Buffer) error {
	buf.WriteString(`{"inputs":{`)
	for i, name := range n.InputNames() {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeJSON(buf, name); err != nil {
			return err
		}
		buf.WriteByte(':')
		v := n.inputs[name]
		if l, ok := v.(Link); ok {
			v = []any{l.Node, l.Output}
		}
		if err := writeJSON(buf, v); err != nil {
			return fmt.Errorf("input %s: %w", name, err)
		}
	}
	buf.WriteString(`},"class_type":`)
	if err := writeJSON(buf, n.Class); err != nil {
		return err
	}
	if n.Title != "" {
		buf.WriteString(`,"_meta":{"title":`)
		if err := writeJSON(buf, n.Title); err != nil {
			return err
		}
		buf.WriteByte('}')
	}
	buf.WriteByte('}')
	return nil
}

// writeJSON appends v without HTML escaping, so prompts with "<" or "&" stay readable.
func writeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode ends with a newline
	return nil
}
