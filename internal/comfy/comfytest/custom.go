package comfytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// CustomNode is a node class that a custom node package adds to ComfyUI, for WithCustomNode.
type CustomNode struct {
	// Info is the class's entry in GET /object_info, as a server with the package serves it:
	// inputs, outputs, output_node and the rest. The fake validates prompts against it.
	Info json.RawMessage
	// Accepts lists, by input name, link types an input takes beside the one it declares. Custom
	// nodes do this with a str subclass whose __ne__ lets more types through validation
	// (VideoHelperSuite's "IMAGE" input that also takes a LATENT).
	Accepts map[string][]string
	// Run is what the node does: it returns the node's UI output, a JSON object such as
	// {"gifs": [...]}, or nil for none; an error fails the node as a Python exception would. Nil
	// Run gives no UI output. The node's outputs, whatever Run does, are derived from its inputs
	// as for every node the fake has no behaviour of its own for.
	Run func(ctx context.Context, node *NodeRun) (json.RawMessage, error)
}

// WithCustomNode adds a node class, or replaces a stock one of that name.
func WithCustomNode(class string, node CustomNode) Option {
	return func(c *config) {
		c.custom = append(c.custom, customDef{class: class, info: node.Info, accepts: node.Accepts, run: node.run})
	}
}

// NodeRun is one execution of a custom node.
type NodeRun struct {
	ex *execution
	n  *node
	in map[string]any
}

// ID is the node's id in the prompt.
func (r *NodeRun) ID() string { return r.n.id }

// Input is the value of a literal input after ComfyUI's conversion to its declared type, as JSON
// decodes it (string, json.Number, bool, nil, []any or map[string]any); nil for a linked input or
// one the prompt does not set.
func (r *NodeRun) Input(name string) any {
	in := r.n.input(name)
	if in == nil || in.link != nil {
		return nil
	}
	return plainJSON(r.in[name])
}

// Frames describes the images of an IMAGE (or LATENT, or MASK) input.
type Frames struct {
	Width, Height, Count int
}

// Frames reports the images a linked input carries; ok is false when it carries none.
func (r *NodeRun) Frames(name string) (Frames, bool) {
	switch v := r.in[name].(type) {
	case imageVal:
		return Frames{v.w, v.h, v.batch}, true
	case latentVal:
		return Frames{v.w, v.h, v.batch}, true
	case maskVal:
		return Frames{v.w, v.h, v.batch}, true
	}
	return Frames{}, false
}

// SavedFile is a file a node wrote, as its UI output lists it.
type SavedFile struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder"`
	Type      string `json:"type"`
}

// Save writes a file the way ComfyUI's savers name it (folder_paths.get_save_image_path):
// "<name>_<counter:05>_.<ext>" in the subfolder the prefix names, of the "output" or "temp"
// folder, with the counter the stock savers share for that prefix. /view serves it.
func (r *NodeRun) Save(folder, prefix, ext string, data []byte) (SavedFile, error) {
	if folder != "output" && folder != "temp" {
		return SavedFile{}, fmt.Errorf("comfytest: save to %q: not output or temp", folder)
	}
	sub, base, err := splitPrefix(prefix)
	if err != nil {
		return SavedFile{}, err
	}
	s := r.ex.s
	s.mu.Lock()
	defer s.mu.Unlock()
	key := fileKey(folder, sub, base)
	s.counters[key]++
	name := fmt.Sprintf("%s_%05d_.%s", base, s.counters[key], ext)
	s.files[fileKey(folder, sub, name)] = &file{kind: folder, subfolder: sub, name: name, data: append([]byte{}, data...)}
	return SavedFile{Filename: name, Subfolder: sub, Type: folder}, nil
}

// plainJSON turns the fake's ordered JSON values into what encoding/json decodes.
func plainJSON(v any) any {
	switch t := v.(type) {
	case object:
		m := make(map[string]any, len(t))
		for _, mem := range t {
			m[mem.Key] = plainJSON(mem.Value)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plainJSON(e)
		}
		return out
	}
	return v
}

func (c CustomNode) run(ctx context.Context, ex *execution, n *node, cl *class, in map[string]any) (execResult, error) {
	res := execResult{outputs: passThrough(cl, in), max: 1}
	if c.Run == nil {
		return res, nil
	}
	raw, err := c.Run(ctx, &NodeRun{ex: ex, n: n, in: in})
	if err != nil {
		if re := (*runtimeError)(nil); errors.As(err, &re) {
			return res, re
		}
		return res, &runtimeError{typ: "Exception", msg: err.Error()}
	}
	if raw == nil {
		return res, nil
	}
	v, err := decodeOrdered(raw)
	ui, ok := v.(object)
	if err != nil || !ok {
		return res, &runtimeError{typ: "Exception", msg: fmt.Sprintf("comfytest: custom node %s: UI output is not a JSON object", n.class)}
	}
	res.ui = ui
	return res, nil
}

// customRun is the behaviour of a custom class.
type customRun func(ctx context.Context, ex *execution, n *node, cl *class, in map[string]any) (execResult, error)

type customDef struct {
	class   string
	info    []byte
	accepts map[string][]string
	run     customRun
}

// addClass puts a class into the catalog, replacing one of the same name in its place.
func (c *catalog) addClass(def customDef) error {
	v, err := decodeOrdered(def.info)
	if err != nil {
		return fmt.Errorf("custom node %s: %w", def.class, err)
	}
	info, ok := v.(object)
	if !ok {
		return fmt.Errorf("custom node %s: info is not an object", def.class)
	}
	cl, err := parseClass(def.class, info)
	if err != nil {
		return err
	}
	for name, types := range def.accepts {
		spec := cl.input(name)
		if spec == nil {
			return fmt.Errorf("custom node %s: Accepts names no input %q", def.class, name)
		}
		spec.accepts = append([]string{}, types...)
	}
	if _, ok := c.classes[def.class]; !ok {
		c.order = append(c.order, def.class)
	}
	c.classes[def.class] = cl
	return nil
}
