package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/disgoorg/disgo/discord"
)

// Discord's message limits, counted in characters (code points).
const (
	MaxContent          = 2000
	MaxEmbeds           = 10
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldName        = 256
	MaxFieldValue       = 1024
	MaxFooter           = 2048
	MaxAuthorName       = 256
	MaxEmbedTotal       = 6000
	MaxActionRows       = 5
	MaxRowButtons       = 5
	MaxCustomID         = 100
	MaxButtonLabel      = 80
	MaxModalTitle       = 45
	MaxModalComponents  = 5
	MaxLabel            = 45
	MaxTextInputValue   = 4000
	MaxChoices          = 25
	MaxChoiceName       = 100
	MaxChoiceValue      = 100
)

const ellipsis = "…"

// blank stands in for an empty field name or value, which Discord rejects.
const blank = "\u200b"

// Truncate cuts s to at most n characters, ending in "…" when it had to cut.
// The cut falls between the characters a reader sees: a letter keeps its
// combining marks and an emoji sequence (joined by ZWJ, with a skin tone or
// a variation selector, a keycap, a flag) stays whole or goes whole.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n == 1 {
		return ellipsis
	}
	cut, i := 0, 0
	for i = range s {
		if cut == n-1 {
			break
		}
		cut++
	}
	return strings.TrimRight(s[:clusterStart(s, i)], " \t\n") + ellipsis
}

// clusterStart moves a cut before byte i of s back to the start of the
// grapheme cluster it falls in. It follows Unicode's rules (UAX #29) for
// what prompts hold, and errs towards cutting earlier: marks, joiners,
// variation selectors and skin tones belong to what precedes them, what
// follows a ZWJ joins it, and regional indicators pair into flags.
func clusterStart(s string, i int) int {
	for i > 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		prev, size := utf8.DecodeLastRuneInString(s[:i])
		if !extendsCluster(r) && prev != zeroWidthJoiner {
			break
		}
		i -= size
	}
	if r, _ := utf8.DecodeRuneInString(s[i:]); !regionalIndicator(r) {
		return i
	}
	run := 0
	for j := i; j > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		if !regionalIndicator(r) {
			break
		}
		run++
		j -= size
	}
	if run%2 == 1 { // the cut would split a flag
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

const zeroWidthJoiner = '\u200d'

// extendsCluster reports whether r belongs to the character before it.
func extendsCluster(r rune) bool {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc):
		return true // combining marks, variation selectors, the keycap
	case r == zeroWidthJoiner, r == '\u200c':
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF:
		return true // skin tones
	case r >= 0xE0020 && r <= 0xE007F:
		return true // tags of subdivision flags
	}
	return false
}

func regionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// Fit returns copies of embeds cut to Discord's limits: at most 10 embeds
// of at most 25 fields, every text within its own limit and all of them
// together within 6000 characters. When the total is over, the longest
// texts are cut to a common length, so short ones (titles, footers, field
// names) survive whole. Embeds that already fit come back unchanged.
func Fit(embeds []discord.Embed) []discord.Embed {
	if embeds == nil {
		return nil
	}
	out := make([]discord.Embed, min(len(embeds), MaxEmbeds))
	for i := range out {
		out[i] = fitEmbed(embeds[i])
	}
	fitTotal(textSlots(out), MaxEmbedTotal)
	return out
}

// fitEmbed copies e, applying the limits of each of its texts.
func fitEmbed(e discord.Embed) discord.Embed {
	e.Title = Truncate(e.Title, MaxEmbedTitle)
	e.Description = Truncate(e.Description, MaxEmbedDescription)
	if e.Footer != nil {
		f := *e.Footer
		f.Text = Truncate(f.Text, MaxFooter)
		e.Footer = &f
	}
	if e.Author != nil {
		a := *e.Author
		a.Name = Truncate(a.Name, MaxAuthorName)
		e.Author = &a
	}
	if e.Fields != nil {
		fields := make([]discord.EmbedField, min(len(e.Fields), MaxEmbedFields))
		for i := range fields {
			f := e.Fields[i]
			f.Name = nonBlank(Truncate(f.Name, MaxFieldName))
			f.Value = nonBlank(Truncate(f.Value, MaxFieldValue))
			if f.Inline != nil {
				inline := *f.Inline
				f.Inline = &inline
			}
			fields[i] = f
		}
		e.Fields = fields
	}
	return e
}

func nonBlank(s string) string {
	if strings.TrimSpace(s) == "" {
		return blank
	}
	return s
}

// textSlots points at every text that counts towards the 6000 total.
func textSlots(embeds []discord.Embed) []*string {
	var slots []*string
	for i := range embeds {
		e := &embeds[i]
		slots = append(slots, &e.Title, &e.Description)
		for j := range e.Fields {
			slots = append(slots, &e.Fields[j].Name, &e.Fields[j].Value)
		}
		if e.Footer != nil {
			slots = append(slots, &e.Footer.Text)
		}
		if e.Author != nil {
			slots = append(slots, &e.Author.Name)
		}
	}
	return slots
}

// fitTotal cuts the longest slots to the largest common length that brings
// the sum within total.
func fitTotal(slots []*string, total int) {
	lens := make([]int, len(slots))
	sum, longest := 0, 0
	for i, s := range slots {
		lens[i] = utf8.RuneCountInString(*s)
		sum += lens[i]
		longest = max(longest, lens[i])
	}
	if sum <= total {
		return
	}
	sumCapped := func(c int) int {
		n := 0
		for _, l := range lens {
			n += min(l, c)
		}
		return n
	}
	// The largest cap whose sum fits; 1 always fits, as Fit allows at most
	// 10×(4+2×25) slots.
	lo, hi := 1, longest
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if sumCapped(mid) <= total {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for i, s := range slots {
		if lens[i] > lo {
			*s = Truncate(*s, lo)
		}
	}
}
