package model

import "testing"

func TestQuoteShowsUserTextAsTyped(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"portrait", `"portrait"`},
		{"**bold**", `"\*\*bold\*\*"`},
		{"`code`", "\"\\`code\\`\""},
		{"||spoiler||", `"\|\|spoiler\|\|"`},
		{"[link](https://x.y)", `"\[link\](https://x.y)"`},
		{"@everyone <@&1>", `"\@everyone \<\@&1>"`},
		{`a\b`, `"a\\b"`},
		{"../x", `"../x"`},
		{"# two\nlines", `"\# two lines"`}, // on one line, escaped as at a line's start
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
