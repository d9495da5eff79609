package discordtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// modalDef is a modal the bot opened (type-9 callback data).
type modalDef struct {
	CustomID   string            `json:"custom_id"`
	Title      string            `json:"title"`
	Components []json.RawMessage `json:"components"`

	rows []modalRow
}

// modalRow is a top-level modal component: a Label around an input, a
// legacy action row holding a text input, or a text display.
type modalRow struct {
	kind        int
	id          int
	label       string
	description string
	input       *textInput
	other       obj // a non-text input inside a Label (select, file upload…)
}

type textInput struct {
	ID          int    `json:"id"`
	Type        int    `json:"type"`
	CustomID    string `json:"custom_id"`
	Style       int    `json:"style"`
	Label       string `json:"label"`
	MinLength   *int   `json:"min_length"`
	MaxLength   *int   `json:"max_length"`
	Required    *bool  `json:"required"`
	Value       string `json:"value"`
	Placeholder string `json:"placeholder"`
}

// openModal is a modal waiting for the user to submit it.
type openModal struct {
	def  *modalDef
	from *Interaction
}

func decodeModal(raw []byte) (*modalDef, *apiError) {
	m := &modalDef{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, typeError(err, "data")
	}
	next := 1
	for _, rc := range m.Components {
		var head struct {
			Type        int               `json:"type"`
			ID          int               `json:"id"`
			Label       string            `json:"label"`
			Description string            `json:"description"`
			Component   json.RawMessage   `json:"component"`
			Components  []json.RawMessage `json:"components"`
		}
		if err := json.Unmarshal(rc, &head); err != nil {
			return nil, typeError(err, "data.components")
		}
		row := modalRow{kind: head.Type, id: head.ID, label: head.Label, description: head.Description}
		var inner json.RawMessage
		switch head.Type {
		case compLabel:
			inner = head.Component
		case compActionRow:
			if len(head.Components) == 1 {
				inner = head.Components[0]
			}
		}
		if inner != nil {
			var in textInput
			if err := json.Unmarshal(inner, &in); err != nil {
				return nil, typeError(err, "data.components")
			}
			if in.Type == compTextInput {
				row.input = &in
			} else {
				var other obj
				_ = json.Unmarshal(inner, &other)
				row.other = other
			}
		}
		m.rows = append(m.rows, row)
	}
	for i := range m.rows {
		r := &m.rows[i]
		if r.id == 0 {
			r.id, next = next, next+1
		}
		if r.input != nil && r.input.ID == 0 {
			r.input.ID, next = next, next+1
		}
	}
	return m, nil
}

func (m *modalDef) inputs() []*textInput {
	var out []*textInput
	for _, r := range m.rows {
		if r.input != nil {
			out = append(out, r.input)
		}
	}
	return out
}

// summary is the modal as the timeline shows it.
func (m *modalDef) summary() *Modal {
	out := &Modal{CustomID: m.CustomID, Title: m.Title}
	for _, r := range m.rows {
		if r.input == nil {
			continue
		}
		f := ModalField{CustomID: r.input.CustomID, Label: r.label, Style: r.input.Style, Required: r.input.required(), Value: r.input.Value, Placeholder: r.input.Placeholder}
		if f.Label == "" {
			f.Label = r.input.Label
		}
		if r.input.MinLength != nil {
			f.MinLength = *r.input.MinLength
		}
		if r.input.MaxLength != nil {
			f.MaxLength = *r.input.MaxLength
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

func (t *textInput) required() bool { return t.Required == nil || *t.Required }

// checkValues validates what the user typed the way Discord's client does.
func (m *modalDef) checkValues(values map[string]string) error {
	inputs := m.inputs()
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if !slices.ContainsFunc(inputs, func(in *textInput) bool { return in.CustomID == k }) {
			return fmt.Errorf("%w: modal %q has no text input %q", ErrInvalidInteraction, m.CustomID, k)
		}
	}
	for _, in := range inputs {
		v, ok := values[in.CustomID]
		if !ok {
			v = in.Value
		}
		n := length(v)
		switch {
		case in.required() && n == 0:
			return fmt.Errorf("%w: text input %q is required", ErrInvalidInteraction, in.CustomID)
		case n > maxTextInput, in.MaxLength != nil && n > *in.MaxLength:
			return fmt.Errorf("%w: text input %q is too long", ErrInvalidInteraction, in.CustomID)
		case n > 0 && in.MinLength != nil && n < *in.MinLength:
			return fmt.Errorf("%w: text input %q is too short", ErrInvalidInteraction, in.CustomID)
		}
	}
	return nil
}

// submission renders data.components of the MODAL_SUBMIT, mirroring the
// layout the bot used (Label or legacy action row).
func (m *modalDef) submission(values map[string]string) []obj {
	out := make([]obj, 0, len(m.rows))
	for _, r := range m.rows {
		var child obj
		switch {
		case r.input != nil:
			v, ok := values[r.input.CustomID]
			if !ok {
				v = r.input.Value
			}
			child = obj{"type": compTextInput, "id": r.input.ID, "custom_id": r.input.CustomID, "value": v}
		case r.other != nil:
			child = obj{"type": intField(r.other, "type"), "id": intField(r.other, "id"), "custom_id": r.other["custom_id"], "values": []string{}}
		}
		switch r.kind {
		case compLabel:
			out = append(out, obj{"type": compLabel, "id": r.id, "component": child})
		case compActionRow:
			out = append(out, obj{"type": compActionRow, "id": r.id, "components": []obj{child}})
		default:
			out = append(out, obj{"type": r.kind, "id": r.id})
		}
	}
	return out
}
