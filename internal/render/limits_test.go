package render

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/disgoorg/disgo/discord"
)

// checkLimits fails t for anything in payload that Discord would reject.
func checkLimits(t *testing.T, payload any) {
	t.Helper()
	switch p := payload.(type) {
	case Message:
		checkLimits(t, p.Create())
		checkLimits(t, p.Update())
	case discord.MessageCreate:
		checkLen(t, "content", p.Content, 0, MaxContent)
		checkEmbeds(t, p.Embeds)
		checkRows(t, p.Components)
		checkMentions(t, p.AllowedMentions)
	case discord.MessageUpdate:
		if p.Content == nil || p.Embeds == nil || p.Components == nil {
			t.Errorf("update leaves content, embeds or components unset: %+v", p)
			return
		}
		checkLen(t, "content", *p.Content, 0, MaxContent)
		checkEmbeds(t, *p.Embeds)
		checkRows(t, *p.Components)
		checkMentions(t, p.AllowedMentions)
	case discord.ModalCreate:
		checkModal(t, p)
	case []discord.AutocompleteChoice:
		checkChoices(t, p)
	default:
		t.Fatalf("checkLimits: unknown payload %T", payload)
	}
	if _, err := json.Marshal(payload); err != nil {
		t.Errorf("payload does not marshal: %v", err)
	}
}

func checkLen(t *testing.T, what, s string, minLen, maxLen int) {
	t.Helper()
	if n := utf8.RuneCountInString(s); n < minLen || n > maxLen {
		t.Errorf("%s has %d characters, want %d..%d: %.80q", what, n, minLen, maxLen, s)
	}
}

func checkMentions(t *testing.T, m *discord.AllowedMentions) {
	t.Helper()
	if m == nil {
		t.Error("allowed mentions unset: the REST default would apply")
		return
	}
	if len(m.Parse) != 0 || len(m.Roles) != 0 || len(m.Users) > 1 {
		t.Errorf("allowed mentions too wide: %+v", m)
	}
}

func embedTotal(embeds []discord.Embed) int {
	n := 0
	for _, e := range embeds {
		n += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		for _, f := range e.Fields {
			n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
		if e.Footer != nil {
			n += utf8.RuneCountInString(e.Footer.Text)
		}
		if e.Author != nil {
			n += utf8.RuneCountInString(e.Author.Name)
		}
	}
	return n
}

func checkEmbeds(t *testing.T, embeds []discord.Embed) {
	t.Helper()
	if len(embeds) > MaxEmbeds {
		t.Errorf("%d embeds, want at most %d", len(embeds), MaxEmbeds)
	}
	for i, e := range embeds {
		checkLen(t, "title", e.Title, 0, MaxEmbedTitle)
		checkLen(t, "description", e.Description, 0, MaxEmbedDescription)
		if len(e.Fields) > MaxEmbedFields {
			t.Errorf("embed %d has %d fields", i, len(e.Fields))
		}
		for _, f := range e.Fields {
			checkLen(t, "field name", f.Name, 1, MaxFieldName)
			checkLen(t, "field value", f.Value, 1, MaxFieldValue)
			if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
				t.Errorf("blank field %+v", f)
			}
		}
		if e.Footer != nil {
			checkLen(t, "footer", e.Footer.Text, 0, MaxFooter)
		}
		if e.Author != nil {
			checkLen(t, "author", e.Author.Name, 0, MaxAuthorName)
		}
	}
	if n := embedTotal(embeds); n > MaxEmbedTotal {
		t.Errorf("embeds total %d characters, want at most %d", n, MaxEmbedTotal)
	}
}

func checkRows(t *testing.T, rows []discord.LayoutComponent) {
	t.Helper()
	if len(rows) > MaxActionRows {
		t.Errorf("%d action rows, want at most %d", len(rows), MaxActionRows)
	}
	ids := map[string]bool{}
	for _, c := range rows {
		row, ok := c.(discord.ActionRowComponent)
		if !ok {
			t.Errorf("top-level component %T, want action rows", c)
			continue
		}
		if n := len(row.Components); n == 0 || n > MaxRowButtons {
			t.Errorf("action row with %d components", n)
		}
		for _, ic := range row.Components {
			b, ok := ic.(discord.ButtonComponent)
			if !ok {
				t.Errorf("component %T, want buttons", ic)
				continue
			}
			checkLen(t, "button label", b.Label, 1, MaxButtonLabel)
			checkCustomID(t, b.CustomID, ids)
			if !strings.HasPrefix(b.CustomID, "/") {
				t.Errorf("custom id %q does not start with / (the mux would not route it)", b.CustomID)
			}
		}
	}
}

func checkCustomID(t *testing.T, id string, seen map[string]bool) {
	t.Helper()
	checkLen(t, "custom id", id, 1, MaxCustomID)
	if seen[id] {
		t.Errorf("custom id %q used twice in one payload", id)
	}
	seen[id] = true
}

func checkModal(t *testing.T, m discord.ModalCreate) {
	t.Helper()
	checkCustomID(t, m.CustomID, map[string]bool{})
	checkLen(t, "modal title", m.Title, 1, MaxModalTitle)
	if n := len(m.Components); n == 0 || n > MaxModalComponents {
		t.Errorf("modal has %d components", n)
	}
	ids := map[string]bool{}
	for _, c := range m.Components {
		l, ok := c.(discord.LabelComponent)
		if !ok {
			t.Errorf("modal component %T, want labels", c)
			continue
		}
		checkLen(t, "label", l.Label, 1, MaxLabel)
		checkLen(t, "label description", l.Description, 0, 100)
		in, ok := l.Component.(discord.TextInputComponent)
		if !ok {
			t.Errorf("label holds %T, want a text input", l.Component)
			continue
		}
		checkCustomID(t, in.CustomID, ids)
		if in.MaxLength < 1 || in.MaxLength > MaxTextInputValue {
			t.Errorf("text input max_length %d", in.MaxLength)
		}
		checkLen(t, "text input value", in.Value, 0, in.MaxLength)
	}
}

func checkChoices(t *testing.T, choices []discord.AutocompleteChoice) {
	t.Helper()
	if len(choices) > MaxChoices {
		t.Errorf("%d choices, want at most %d", len(choices), MaxChoices)
	}
	for _, c := range choices {
		s, ok := c.(discord.AutocompleteChoiceString)
		if !ok {
			t.Errorf("choice %T, want strings", c)
			continue
		}
		checkLen(t, "choice name", s.Name, 1, MaxChoiceName)
		checkLen(t, "choice value", s.Value, 1, MaxChoiceValue)
	}
}
