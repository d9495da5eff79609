package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ObjectInfo is a server's node catalogue (GET /object_info), class name → class.
type ObjectInfo map[string]Class

// Class describes one node class.
type Class struct {
	Name        string
	DisplayName string
	Category    string
	OutputNode  bool
	Outputs     []string // output types by index ("COMBO" for list outputs)
	Inputs      map[string]InputSpec
	Required    []string // required input names in declaration order
	Optional    []string
	// partial is set when the entry could not be read fully; its inputs are not checked.
	partial bool
}

// InputSpec describes one input of a class.
type InputSpec struct {
	Name        string
	Type        string // INT, FLOAT, STRING, BOOLEAN, COMBO, or a link type such as MODEL
	Required    bool
	Min, Max    json.Number // "" when unbounded
	Choices     []string    // COMBO values
	Multiselect bool
	// Control is set when the frontend puts a "control after generate" widget after this one
	// (option control_after_generate); ControlSet tells whether the server gave the option at
	// all, since without it the frontend guesses from the names seed and noise_seed.
	Control, ControlSet bool
	// Upload names the frontend's upload button for a file combo: "image" (image_upload,
	// video_upload, animated_image_upload) or "audio" (audio_upload); "" when none.
	Upload string
}

// Range is an inclusive numeric range with exact bounds; "" is unbounded.
type Range struct {
	Min json.Number `json:"min,omitempty"`
	Max json.Number `json:"max,omitempty"`
}

// Contains tells whether n lies within the range.
func (r Range) Contains(n json.Number) bool {
	if _, ok := rat(n); !ok {
		return false
	}
	return (r.Min == "" || compareNumbers(n, r.Min) >= 0) && (r.Max == "" || compareNumbers(n, r.Max) <= 0)
}

func (r Range) String() string {
	lo, hi := string(r.Min), string(r.Max)
	if lo == "" {
		lo = "-∞"
	}
	if hi == "" {
		hi = "∞"
	}
	return lo + ".." + hi
}

// Intersect narrows r by o.
func (r Range) Intersect(o Range) Range {
	if o.Min != "" && (r.Min == "" || compareNumbers(o.Min, r.Min) > 0) {
		r.Min = o.Min
	}
	if o.Max != "" && (r.Max == "" || compareNumbers(o.Max, r.Max) < 0) {
		r.Max = o.Max
	}
	return r
}

// ParseObjectInfo reads a /object_info response. Entries of custom nodes that do not follow
// the usual shape are kept (their class is known) but their inputs are not checked.
func ParseObjectInfo(data []byte) (ObjectInfo, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return nil, &Error{Code: CodeObjectInfo, Err: err, Message: "object_info must be a JSON object of node classes"}
	}
	info := make(ObjectInfo, len(raw))
	for name, r := range raw {
		info[name] = parseClass(name, r)
	}
	return info, nil
}

func parseClass(name string, raw json.RawMessage) Class {
	var c struct {
		Input struct {
			Required map[string]json.RawMessage `json:"required"`
			Optional map[string]json.RawMessage `json:"optional"`
		} `json:"input"`
		InputOrder struct {
			Required []string `json:"required"`
			Optional []string `json:"optional"`
		} `json:"input_order"`
		Output      []json.RawMessage `json:"output"`
		OutputNode  bool              `json:"output_node"`
		DisplayName *string           `json:"display_name"`
		Category    string            `json:"category"`
	}
	class := Class{Name: name, Inputs: map[string]InputSpec{}}
	if err := json.Unmarshal(raw, &c); err != nil {
		class.partial = true
		return class
	}
	if c.DisplayName != nil {
		class.DisplayName = *c.DisplayName
	}
	class.Category, class.OutputNode = c.Category, c.OutputNode
	for _, o := range c.Output {
		var s string
		if json.Unmarshal(o, &s) != nil {
			s = "COMBO"
		}
		class.Outputs = append(class.Outputs, s)
	}
	class.Required = ordered(c.Input.Required, c.InputOrder.Required)
	class.Optional = ordered(c.Input.Optional, c.InputOrder.Optional)
	for _, group := range []struct {
		names    []string
		specs    map[string]json.RawMessage
		required bool
	}{{class.Required, c.Input.Required, true}, {class.Optional, c.Input.Optional, false}} {
		for _, in := range group.names {
			spec, ok := parseInputSpec(in, group.specs[in])
			if !ok {
				class.partial = true
				continue
			}
			spec.Required = group.required
			class.Inputs[in] = spec
		}
	}
	return class
}

// ordered lists a spec map's names in declared order, then any undeclared ones sorted.
func ordered(specs map[string]json.RawMessage, order []string) []string {
	var names []string
	for _, n := range order {
		if _, ok := specs[n]; ok && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	var rest []string
	for n := range specs {
		if !slices.Contains(names, n) {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// parseInputSpec reads [type, options]; combos come as [[choices…], opts] (classic nodes) or
// ["COMBO", {"options": [choices…]}] (nodes on the newer schema).
func parseInputSpec(name string, raw json.RawMessage) (InputSpec, bool) {
	spec := InputSpec{Name: name}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil || len(parts) == 0 {
		return spec, false
	}
	var opts map[string]any
	if len(parts) > 1 {
		dec := json.NewDecoder(bytes.NewReader(parts[1]))
		dec.UseNumber()
		_ = dec.Decode(&opts) // options are advisory; a malformed object only loses bounds
	}
	var choices []any
	if json.Unmarshal(parts[0], &spec.Type) != nil {
		dec := json.NewDecoder(bytes.NewReader(parts[0]))
		dec.UseNumber()
		if dec.Decode(&choices) != nil {
			return spec, false
		}
		spec.Type = "COMBO"
	} else if list, ok := opts["options"].([]any); ok && spec.Type == "COMBO" {
		choices = list
	}
	for _, c := range choices {
		spec.Choices = append(spec.Choices, choiceString(c))
	}
	spec.Min, _ = opts["min"].(json.Number)
	spec.Max, _ = opts["max"].(json.Number)
	spec.Multiselect, _ = opts["multiselect"].(bool)
	spec.Control, spec.ControlSet = controlOption(opts)
	spec.Upload = uploadOption(opts)
	return spec, true
}

// controlOption reads control_after_generate: true, or a string naming the default mode.
func controlOption(opts map[string]any) (on, set bool) {
	switch v := opts["control_after_generate"].(type) {
	case bool:
		return v, true
	case string:
		return true, true
	}
	return false, false
}

func uploadOption(opts map[string]any) string {
	for _, key := range []string{"image_upload", "video_upload", "animated_image_upload"} {
		if on, _ := opts[key].(bool); on {
			return "image"
		}
	}
	if on, _ := opts["audio_upload"].(bool); on {
		return "audio"
	}
	return ""
}

func choiceString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// InputRange returns the numeric bounds of a class's input.
func (info ObjectInfo) InputRange(class, input string) (Range, bool) {
	spec, ok := info[class].Inputs[input]
	if !ok || (spec.Type != "INT" && spec.Type != "FLOAT") {
		return Range{}, false
	}
	return Range{Min: spec.Min, Max: spec.Max}, true
}

// ParamRange returns the bounds shared by every target of a parameter (the range a seed
// must be drawn from when it goes to several samplers).
func (info ObjectInfo) ParamRange(w *Workflow, b Bindings, p Param) (Range, bool) {
	bind, ok := b.Params[p]
	if !ok {
		return Range{}, false
	}
	var r Range
	found := false
	for _, t := range bind.Targets {
		n, ok := w.Node(t.Node)
		if !ok {
			continue
		}
		if tr, ok := info.InputRange(n.Class, t.Input); ok {
			r, found = r.Intersect(tr), true
		}
	}
	return r, found
}

// OutputNodes lists the ids of the workflow's output nodes according to the server.
func (info ObjectInfo) OutputNodes(w *Workflow) []string {
	var ids []string
	for _, id := range w.IDs() {
		if info[w.nodes[id].Class].OutputNode {
			ids = append(ids, id)
		}
	}
	return ids
}

// Checkpoints lists the checkpoint files the server offers (CheckpointLoaderSimple's choices).
func Checkpoints(info ObjectInfo) []string {
	return slices.Clone(info["CheckpointLoaderSimple"].Inputs["ckpt_name"].Choices)
}

// allowedList shows up to a few choices, for messages.
func allowedList(choices []string) string {
	const show = 5
	if len(choices) == 0 {
		return "none: the list is empty"
	}
	quoted := make([]string, 0, show)
	for _, c := range choices[:min(show, len(choices))] {
		quoted = append(quoted, fmt.Sprintf("%q", c))
	}
	s := strings.Join(quoted, ", ")
	if len(choices) > show {
		s += fmt.Sprintf(" … (%d more)", len(choices)-show)
	}
	return s
}
