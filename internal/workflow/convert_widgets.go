package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// widgetSlot is one entry of a node's widgets_values as the frontend lays them out: a widget
// for a class input, or a widget of the frontend's own that the API graph does not carry
// (the "control after generate" combo, the upload button, the audio player).
type widgetSlot struct {
	input string // "" for the frontend's own widgets
	label string // what the slot holds, for messages
}

// isWidgetType tells whether the frontend shows an input type as a widget (ComfyWidgets in
// its widgets.ts); every other type is a link socket such as MODEL or LATENT.
func isWidgetType(t string) bool {
	switch t {
	case "INT", "FLOAT", "STRING", "BOOLEAN", "COMBO", "MARKDOWN", "COLOR", "IMAGECOMPARE",
		"BOUNDING_BOX", "CHART", "GALLERIA", "PAINTER", "COMPOSITOR", "TEXTAREA", "CURVE", "RANGE",
		"VIDEO_EDIT", "RESOLUTION_PREVIEW", "BOUNDING_BOXES", "COLORS":
		return true
	}
	return false
}

// hasAudioPlayer tells whether the frontend gives a class an audio player widget
// (uploadAudio.ts); it is not serialised, so its slot in widgets_values holds null.
func hasAudioPlayer(class string) bool {
	switch class {
	case "LoadAudio", "SaveAudio", "PreviewAudio", "SaveAudioMP3", "SaveAudioOpus", "SaveAudioAdvanced":
		return true
	}
	return false
}

// widgetSlots lists the widgets the frontend creates for a class, in widgets_values order:
// the class's inputs in declared order (required, then optional), with the frontend's extra
// widgets where its extensions put them.
func widgetSlots(c Class) []widgetSlot {
	var slots []widgetSlot
	upload := ""
	for _, name := range c.Required {
		slots = append(slots, inputSlots(c.Inputs[name], name)...)
		if u := c.Inputs[name].Upload; u != "" && upload == "" {
			upload = u
		}
	}
	// The frontend appends these to the required inputs (uploadAudio.ts, uploadImage.ts).
	if hasAudioPlayer(c.Name) {
		slots = append(slots, widgetSlot{label: "audio player"})
	}
	if upload != "" {
		slots = append(slots, widgetSlot{input: uploadInput, label: "upload button"})
	}
	for _, name := range c.Optional {
		slots = append(slots, inputSlots(c.Inputs[name], name)...)
	}
	return slots
}

// uploadInput is the name of the upload button widget. Frontends of 2024 wrote its value
// ("image") into the API graph as an input the server ignores; the slot keeps that name so
// a converted graph matches those exports.
const uploadInput = "upload"

func inputSlots(spec InputSpec, name string) []widgetSlot {
	if !isWidgetType(spec.Type) {
		return nil
	}
	slots := []widgetSlot{{input: name, label: name}}
	control := spec.Control
	if !spec.ControlSet && spec.Type == "INT" {
		control = name == "seed" || name == "noise_seed" // the frontend's guess (useIntWidget.ts)
	}
	if !control || (spec.Type != "INT" && spec.Type != "COMBO") {
		return slots
	}
	slots = append(slots, widgetSlot{label: "control_after_generate of " + name})
	if spec.Type == "COMBO" {
		slots = append(slots, widgetSlot{label: "control_filter_list of " + name})
	}
	return slots
}

// widgetValues maps a node's widgets_values onto its class's inputs. The list form is
// positional; the object form (VideoHelperSuite and others) is keyed by input name.
func widgetValues(n *uiNode, c Class) ([]namedValue, []string, error) {
	raw := bytes.TrimSpace(n.Values)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, &Error{Code: CodeBadNode, Node: n.id, Err: err, Message: "widgets_values is not valid JSON"}
	}
	switch v := v.(type) {
	case []any:
		return positionalValues(n, c, v)
	case map[string]any:
		return namedValues(n, c, v)
	default:
		return nil, nil, &Error{Code: CodeBadNode, Node: n.id, Message: "widgets_values must be a list or an object"}
	}
}

type namedValue struct {
	name  string
	value any
}

// positionalValues reads the list form. A file saved before a node gained optional inputs at
// the end of its widgets (CLIPLoader's and DualCLIPLoader's "device", for one) has fewer
// values than the server's class has widgets: those optional inputs are left out, as the
// server that saved the file left them out of its export, and the server uses their
// defaults. A missing required input is an error: the values no longer line up.
func positionalValues(n *uiNode, c Class, values []any) ([]namedValue, []string, error) {
	slots := widgetSlots(c)
	if len(values) > len(slots) {
		return nil, nil, &Error{Code: CodeBadInput, Node: n.id, Input: lastInput(slots),
			Message: fmt.Sprintf("widgets_values has %d values but class %q on the server has %d widgets; "+
				"the file may come from another version of the node pack, export it with Export (API)",
				len(values), c.Name, len(slots))}
	}
	var out []namedValue
	var notes []string
	for i, slot := range slots {
		if i >= len(values) {
			if slot.input != "" && slot.input != uploadInput && !c.Inputs[slot.input].Required {
				notes = append(notes, fmt.Sprintf("node %s (%s): widgets_values has no value for optional input %q "+
					"(the file predates it); the input was left out, so the server uses its default", n.id, c.Name, slot.input))
				continue
			}
			if slot.input != "" && slot.input != uploadInput {
				return nil, nil, &Error{Code: CodeBadInput, Node: n.id, Input: slot.input,
					Message: fmt.Sprintf("widgets_values has %d values, none for this input (widget %d of class %q); "+
						"the file may come from another version of the node pack, export it with Export (API)",
						len(values), i+1, c.Name)}
			}
			continue // the frontend's own widgets may be missing from older files
		}
		if slot.input != "" {
			out = append(out, namedValue{slot.input, apiValue(values[i])})
		}
	}
	return out, notes, nil
}

func namedValues(n *uiNode, c Class, values map[string]any) ([]namedValue, []string, error) {
	var out []namedValue
	var notes []string
	for _, name := range slices.Concat(c.Required, c.Optional) {
		if !isWidgetType(c.Inputs[name].Type) {
			continue
		}
		v, ok := values[name]
		if !ok {
			notes = append(notes, fmt.Sprintf("node %s (%s): widgets_values has no %q; the input was left out", n.id, c.Name, name))
			continue
		}
		out = append(out, namedValue{name, apiValue(v)})
	}
	return out, notes, nil
}

// apiValue wraps a list as {"__value__": [...]}: in the API graph a bare list is a link
// (graphToPrompt does the same).
func apiValue(v any) any {
	if list, ok := v.([]any); ok {
		return map[string]any{"__value__": list}
	}
	return v
}

func lastInput(slots []widgetSlot) string {
	for i := len(slots) - 1; i >= 0; i-- {
		if slots[i].input != "" && slots[i].input != uploadInput {
			return slots[i].input
		}
	}
	return ""
}
