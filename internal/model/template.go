package model

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxTemplateNameLen is the longest template name, in characters. Discord
// shows autocomplete choices of up to 100 characters; 32 keeps lists readable.
const MaxTemplateNameLen = 32

// Template is a saved prompt preset. A private template belongs to its owner
// everywhere; a shared one is visible to everyone in its server.
type Template struct {
	ID       int64
	OwnerID  string // Discord user snowflake
	GuildID  string // server it was saved in; required when Shared
	Shared   bool
	Name     string
	Prompt   string
	Negative string
	// Params holds the other saved knobs; its Prompt and Negative are unused
	// (the fields above carry them).
	Params    Params
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AsParams returns the template as one layer for Params.Merge, prompts
// included.
func (t Template) AsParams() Params {
	p := t.Params
	p.Prompt, p.Negative = t.Prompt, t.Negative
	return p
}

// ValidateTemplateName checks a template name: 1 to 32 characters of valid
// UTF-8, not only spaces, no control characters. The error names the rule.
func ValidateTemplateName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return Errorf(CodeInvalid, "template name is empty")
	case !utf8.ValidString(name):
		return Errorf(CodeInvalid, "template name is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxTemplateNameLen:
		return Errorf(CodeInvalid, "template name is longer than %d characters", MaxTemplateNameLen)
	case strings.ContainsFunc(name, unicode.IsControl):
		return Errorf(CodeInvalid, "template name contains a control character")
	}
	return nil
}

// TemplateKey is the form of a name that uniqueness and lookups compare, so
// "Portrait" and "portrait" are the same template.
func TemplateKey(name string) string { return strings.ToLower(name) }
