package model

import "strings"

// PromptPlaceholder marks where a template puts the user's prompt.
const PromptPlaceholder = "{prompt}"

// CombinePrompt merges a user's text with a template's: a template text
// containing {prompt} takes the user's text there; otherwise the user's text
// comes first and the template's is appended after a comma.
func CombinePrompt(template, user string) string {
	template, user = strings.TrimSpace(template), strings.TrimSpace(user)
	switch {
	case strings.Contains(template, PromptPlaceholder):
		return strings.TrimSpace(strings.ReplaceAll(template, PromptPlaceholder, user))
	case template == "":
		return user
	case user == "":
		return template
	}
	return user + ", " + template
}
