package discordtest

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Discord's documented limits.
const (
	maxContent           = 2000
	maxEmbeds            = 10
	maxEmbedTitle        = 256
	maxEmbedDescription  = 4096
	maxEmbedFields       = 25
	maxEmbedFieldName    = 256
	maxEmbedFieldValue   = 1024
	maxEmbedFooter       = 2048
	maxEmbedAuthor       = 256
	maxEmbedTotal        = 6000
	maxActionRows        = 5
	maxRowButtons        = 5
	maxV2Components      = 40
	maxCustomID          = 100
	maxButtonLabel       = 80
	maxSelectOptions     = 25
	maxSelectPlaceholder = 150
	maxModalTitle        = 45
	maxModalComponents   = 5
	maxModalLabel        = 45
	maxLabelDescription  = 100
	maxTextInput         = 4000
	maxTextPlaceholder   = 100
	maxChoices           = 25
	maxChoiceName        = 100
	maxChoiceValue       = 100
	maxFiles             = 10
)

// Component types.
const (
	compActionRow     = 1
	compButton        = 2
	compStringSelect  = 3
	compTextInput     = 4
	compUserSelect    = 5
	compRoleSelect    = 6
	compMentionSelect = 7
	compChannelSelect = 8
	compTextDisplay   = 10
	compLabel         = 18
	compFileUpload    = 19
)

func length(s string) int { return utf8.RuneCountInString(s) }

func checkMax(fe formErrors, path, s string, limit int) {
	if length(s) > limit {
		fe.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", limit))
	}
}

func checkRange(fe formErrors, path, s string, lo, hi int) {
	if n := length(s); n < lo || n > hi {
		fe.add(path, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between %d and %d in length.", lo, hi))
	}
}

func checkCount(fe formErrors, path string, n, limit int) {
	if n > limit {
		fe.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", limit))
	}
}

func required(fe formErrors, path string) {
	fe.add(path, "BASE_TYPE_REQUIRED", "This field is required")
}

// checkMessage checks the fields a create or edit request sets. prefix is
// "data" inside interaction callbacks.
func checkMessage(fe formErrors, prefix string, p *messagePayload, v2 bool) {
	if p.Content != nil {
		checkMax(fe, join(prefix, "content"), *p.Content, maxContent)
		if v2 && *p.Content != "" {
			fe.add(join(prefix, "content"), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2")
		}
	}
	if p.Embeds != nil {
		checkEmbeds(fe, join(prefix, "embeds"), *p.Embeds)
		if v2 && len(*p.Embeds) > 0 {
			fe.add(join(prefix, "embeds"), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2")
		}
	}
	if p.Components != nil {
		checkComponents(fe, join(prefix, "components"), *p.Components, v2)
	}
	checkAllowedMentions(fe, prefix, p.allowed)
}

func checkEmbeds(fe formErrors, path string, embeds []embedJSON) {
	checkCount(fe, path, len(embeds), maxEmbeds)
	total := 0
	for i, e := range embeds {
		p := join(path, strconv.Itoa(i))
		checkMax(fe, join(p, "title"), e.Title, maxEmbedTitle)
		checkMax(fe, join(p, "description"), e.Description, maxEmbedDescription)
		checkCount(fe, join(p, "fields"), len(e.Fields), maxEmbedFields)
		total += length(e.Title) + length(e.Description)
		for j, f := range e.Fields {
			fp := join(p, "fields."+strconv.Itoa(j))
			if f.Name == nil {
				required(fe, join(fp, "name"))
			} else {
				checkMax(fe, join(fp, "name"), *f.Name, maxEmbedFieldName)
				total += length(*f.Name)
			}
			if f.Value == nil {
				required(fe, join(fp, "value"))
			} else {
				checkMax(fe, join(fp, "value"), *f.Value, maxEmbedFieldValue)
				total += length(*f.Value)
			}
		}
		if e.Footer != nil {
			checkMax(fe, join(p, "footer.text"), e.Footer.Text, maxEmbedFooter)
			total += length(e.Footer.Text)
		}
		if e.Author != nil {
			checkMax(fe, join(p, "author.name"), e.Author.Name, maxEmbedAuthor)
			total += length(e.Author.Name)
		}
	}
	if total > maxEmbedTotal {
		fe.add(path, "MAX_EMBED_SIZE_EXCEEDED", fmt.Sprintf("Embed size exceeds maximum size of %d", maxEmbedTotal))
	}
}

// checkComponents applies the legacy layout rules (up to 5 action rows of up
// to 5 buttons or one select) or, with IS_COMPONENTS_V2, the 40-component
// cap; custom ids are checked everywhere.
func checkComponents(fe formErrors, path string, comps []any, v2 bool) {
	ids := map[string]bool{}
	if v2 {
		if n := countComponents(comps); n > maxV2Components {
			fe.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxV2Components))
		}
		walkComponents(comps, path, func(c obj, p string) { checkInteractive(fe, p, c, ids) })
		return
	}
	checkCount(fe, path, len(comps), maxActionRows)
	for i, raw := range comps {
		p := join(path, strconv.Itoa(i))
		row, ok := raw.(obj)
		if !ok || intField(row, "type") != compActionRow {
			fe.add(join(p, "type"), "UNION_TYPE_CHOICES", `Value of field "type" must be one of (1,).`)
			continue
		}
		children, _ := row["components"].([]any)
		if len(children) == 0 {
			fe.add(join(p, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
		}
		checkCount(fe, join(p, "components"), len(children), maxRowButtons)
		selects := 0
		for j, rawChild := range children {
			cp := join(p, "components."+strconv.Itoa(j))
			child, _ := rawChild.(obj)
			switch t := intField(child, "type"); t {
			case compButton:
			case compStringSelect, compUserSelect, compRoleSelect, compMentionSelect, compChannelSelect:
				selects++
			default:
				fe.add(join(cp, "type"), "COMPONENT_TYPE_INVALID", fmt.Sprintf("Component type %d is not allowed in an action row of a message", t))
			}
			checkInteractive(fe, cp, child, ids)
		}
		if selects > 0 && len(children) > 1 {
			fe.add(join(p, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
		}
	}
}

func checkInteractive(fe formErrors, path string, c obj, ids map[string]bool) {
	t := intField(c, "type")
	customID, hasID := c["custom_id"].(string)
	switch t {
	case compButton:
		label, _ := c["label"].(string)
		checkMax(fe, join(path, "label"), label, maxButtonLabel)
		switch style := intField(c, "style"); style {
		case 5:
			if url, _ := c["url"].(string); url == "" {
				required(fe, join(path, "url"))
			}
			if hasID {
				fe.add(join(path, "custom_id"), "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id cannot be specified for link buttons")
			}
			return
		case 6:
			if _, ok := c["sku_id"]; !ok {
				required(fe, join(path, "sku_id"))
			}
			return
		case 1, 2, 3, 4:
		default:
			fe.add(join(path, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")
		}
	case compStringSelect:
		opts, _ := c["options"].([]any)
		if len(opts) == 0 {
			required(fe, join(path, "options"))
		}
		checkCount(fe, join(path, "options"), len(opts), maxSelectOptions)
		fallthrough
	case compUserSelect, compRoleSelect, compMentionSelect, compChannelSelect:
		ph, _ := c["placeholder"].(string)
		checkMax(fe, join(path, "placeholder"), ph, maxSelectPlaceholder)
	default:
		return
	}
	if !hasID {
		required(fe, join(path, "custom_id"))
		return
	}
	checkRange(fe, join(path, "custom_id"), customID, 1, maxCustomID)
	if ids[customID] {
		fe.add(join(path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
	}
	ids[customID] = true
}

// checkFiles enforces the attachment count and per-file size.
func checkFiles(count int, files []upload, limit int) *apiError {
	if count > maxFiles {
		return errTooManyAttachments()
	}
	for _, f := range files {
		if len(f.data) > limit {
			return errTooLarge()
		}
	}
	return nil
}

func checkChoices(fe formErrors, choices []choiceJSON) {
	checkCount(fe, "data.choices", len(choices), maxChoices)
	for i, c := range choices {
		p := "data.choices." + strconv.Itoa(i)
		checkRange(fe, join(p, "name"), c.Name, 1, maxChoiceName)
		if s, ok := c.Value.(string); ok {
			checkMax(fe, join(p, "value"), s, maxChoiceValue)
		} else if c.Value == nil {
			required(fe, join(p, "value"))
		}
	}
}

// checkModal enforces the modal rules on a type-9 callback's data.
func checkModal(fe formErrors, m *modalDef) {
	checkRange(fe, "data.custom_id", m.CustomID, 1, maxCustomID)
	checkRange(fe, "data.title", m.Title, 1, maxModalTitle)
	if n := len(m.rows); n < 1 || n > maxModalComponents {
		fe.add("data.components", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxModalComponents))
	}
	ids := map[string]bool{}
	for i, r := range m.rows {
		p := "data.components." + strconv.Itoa(i)
		switch r.kind {
		case compLabel:
			checkRange(fe, join(p, "label"), r.label, 1, maxModalLabel)
			checkMax(fe, join(p, "description"), r.description, maxLabelDescription)
			p = join(p, "component")
		case compActionRow:
			p = join(p, "components.0")
			if r.input != nil {
				checkRange(fe, join(p, "label"), r.input.Label, 1, maxModalLabel)
			}
		case compTextDisplay:
			continue
		default:
			fe.add(join(p, "type"), "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1, 10, 18).")
			continue
		}
		if r.input == nil {
			if r.other == nil {
				required(fe, join(p, "type"))
			}
			continue
		}
		in := r.input
		checkRange(fe, join(p, "custom_id"), in.CustomID, 1, maxCustomID)
		if ids[in.CustomID] {
			fe.add(join(p, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
		}
		ids[in.CustomID] = true
		if in.Style != 1 && in.Style != 2 {
			fe.add(join(p, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
		}
		if in.MinLength != nil && (*in.MinLength < 0 || *in.MinLength > maxTextInput) {
			fe.add(join(p, "min_length"), "NUMBER_TYPE_MAX", fmt.Sprintf("Must be between 0 and %d.", maxTextInput))
		}
		if in.MaxLength != nil && (*in.MaxLength < 1 || *in.MaxLength > maxTextInput) {
			fe.add(join(p, "max_length"), "NUMBER_TYPE_MAX", fmt.Sprintf("Must be between 1 and %d.", maxTextInput))
		}
		checkMax(fe, join(p, "value"), in.Value, maxTextInput)
		checkMax(fe, join(p, "placeholder"), in.Placeholder, maxTextPlaceholder)
	}
}

func intField(o obj, key string) int {
	switch v := o[key].(type) {
	case float64:
		return int(v)
	case int:
		return v
	}
	return 0
}

// walkComponents visits every component of a tree (action rows, sections,
// containers, labels) depth first.
func walkComponents(comps []any, path string, visit func(c obj, path string)) {
	for i, raw := range comps {
		if c, ok := raw.(obj); ok {
			walkComponent(c, join(path, strconv.Itoa(i)), visit)
		}
	}
}

func walkComponent(c obj, path string, visit func(c obj, path string)) {
	visit(c, path)
	if children, ok := c["components"].([]any); ok {
		walkComponents(children, join(path, "components"), visit)
	}
	for _, key := range []string{"accessory", "component"} {
		if child, ok := c[key].(obj); ok {
			walkComponent(child, join(path, key), visit)
		}
	}
}

func countComponents(comps []any) int {
	n := 0
	walkComponents(comps, "", func(obj, string) { n++ })
	return n
}
