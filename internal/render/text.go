package render

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Mention writes a user mention; the bot's empty allowed mentions keep it
// from pinging.
func Mention(userID string) string {
	if userID == "" {
		return "someone"
	}
	return "<@" + userID + ">"
}

func roleMention(roleID string) string { return "<@&" + roleID + ">" }

// Escape makes s show as typed in Discord's markdown: no formatting, no
// links, no mentions, no headings or quotes. Domain messages quote user
// text with model.Quote, which escapes the same way.
func Escape(s string) string { return model.EscapeMarkdown(s) }

// text is user text prepared for an embed: cut to n characters first (so a
// cut never splits an escape), then escaped.
func text(s string, n int) string { return Escape(Truncate(s, n)) }

// oneLine folds whitespace so s reads on one list line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cleanError keeps what a person can act on from an error text: no Python
// traceback, no stack frames, at most n characters.
func cleanError(s string, n int) string {
	if i := strings.Index(s, "Traceback (most recent call last)"); i >= 0 {
		s = s[:i]
	}
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, `File "`) {
			continue
		}
		lines = append(lines, t)
	}
	s = strings.Join(lines, "\n")
	if s == "" {
		return "no message was given"
	}
	return Truncate(s, n)
}

// lines joins items, one a line, within budget characters; what does not
// fit is counted in a last "…and N more" line.
func lines(items []string, budget int) string {
	const tail = 20 // room for "\n…and N more"
	var out []string
	used := 0
	for i, it := range items {
		need := runeLen(it)
		if len(out) > 0 {
			need++
		}
		limit := budget
		if i < len(items)-1 {
			limit -= tail
		}
		if used+need > limit {
			out = append(out, fmt.Sprintf("…and %d more", len(items)-i))
			break
		}
		out = append(out, it)
		used += need
	}
	return strings.Join(out, "\n")
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func inline(name, value string) discord.EmbedField {
	t := true
	return discord.EmbedField{Name: name, Value: value, Inline: &t}
}

func field(name, value string) discord.EmbedField {
	return discord.EmbedField{Name: name, Value: value}
}
