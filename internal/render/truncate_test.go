package render

import (
	"testing"
	"unicode/utf8"
)

// A cut never splits what a reader sees as one character: it goes before
// the whole of it.
func TestTruncateKeepsCharactersWhole(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"combining mark", "cafe\u0301s", 5, "caf…"},
		{"two combining marks", "xa\u0308\u0304y", 3, "x…"},
		{"hebrew with points", "אש\u05c1\u05b8ל", 3, "א…"},
		{"arabic with a vowel mark", "سم\u064eر", 3, "س…"},
		{"before a letter", "e\u0301e\u0301ex", 5, "e\u0301e\u0301…"},
		{"skin tone", "a👩🏽b", 3, "a…"},
		{"zwj sequence", "a👨\u200d👩\u200d👧\u200d👦b", 5, "a…"},
		{"zwj sequence cut after the joiner", "a👨\u200d👩b", 4, "a…"},
		{"variation selector", "a❤\ufe0fb", 3, "a…"},
		{"keycap", "a1\ufe0f\u20e3b", 4, "a…"},
		{"rainbow flag", "a🏳\ufe0f\u200d🌈b", 5, "a…"},
		{"regional indicator pair", "a🇫🇷b", 3, "a…"},
		{"second flag of two", "🇫🇷🇯🇵x", 4, "🇫🇷…"},
		{"after a whole flag", "🇫🇷🇯🇵x", 3, "🇫🇷…"},
		{"subdivision flag tags", "a🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007fb", 5, "a…"},
		{"zero width non-joiner", "ab\u200ccd", 3, "a…"},
		{"zero width space is a character", "ab\u200bcd", 4, "ab\u200b…"},
		{"right-to-left mark is a character", "ab\u200fcd", 4, "ab\u200f…"},
		{"one cluster longer than n", "e\u0301\u0301\u0301\u0301", 3, "…"},
		{"plain text is cut where it was", "abcdef", 4, "abc…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.n || !utf8.ValidString(got) {
				t.Errorf("Truncate(%q, %d) = %q: %d characters, valid UTF-8 %v", tt.in, tt.n, got, n, utf8.ValidString(got))
			}
		})
	}
}
