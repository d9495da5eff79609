package model

import "strings"

// EscapeMarkdown makes s show as typed in Discord's markdown: no
// formatting, no links, no mentions, no headings or quotes. Domain messages
// are markdown (the bot shows them as written), so user text inside one is
// escaped; render.Escape is this function.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart := true
	for _, r := range s {
		switch r {
		case '\\', '*', '_', '~', '`', '|', '[', ']', '<', '@':
			b.WriteByte('\\')
		case '-', '#', '>', '+':
			if lineStart {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
	}
	return b.String()
}

// Quote puts user text, such as a name someone typed, into a domain
// message: in double quotes, on one line and escaped, so it shows as typed
// and cannot format, hide, link or ping anything around it. It replaces
// %q, whose quotes leave markdown working: "**x**" shows a bold x.
func Quote(s string) string {
	return `"` + EscapeMarkdown(strings.Join(strings.Fields(s), " ")) + `"`
}
