package render

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestProgressBar(t *testing.T) {
	tests := []struct {
		fraction float64
		width    int
		want     string
	}{
		{0.42, 10, "▰▰▰▰▱▱▱▱▱▱ 42%"},
		{0, 10, "▱▱▱▱▱▱▱▱▱▱ 0%"},
		{1, 10, "▰▰▰▰▰▰▰▰▰▰ 100%"},
		{0.999, 10, "▰▰▰▰▰▰▰▰▰▱ 99%"},
		{1.7, 5, "▰▰▰▰▰ 100%"},
		{-0.3, 5, "▱▱▱▱▱ 0%"},
		{math.NaN(), 4, "▱▱▱▱ 0%"},
		{math.Inf(1), 4, "▰▰▰▰ 100%"},
		{0.5, 0, "▱ 50%"},
		{0.5, -3, "▱ 50%"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%d", tt.fraction, tt.width), func(t *testing.T) {
			if got := ProgressBar(tt.fraction, tt.width); got != tt.want {
				t.Errorf("ProgressBar(%v, %d) = %q, want %q", tt.fraction, tt.width, got, tt.want)
			}
		})
	}
	t.Run("width capped", func(t *testing.T) {
		if n := utf8.RuneCountInString(ProgressBar(0.5, 10_000)); n > 110 {
			t.Errorf("a huge width gives %d characters", n)
		}
	})
}

func TestDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{42*time.Second + 400*time.Millisecond, "42s"},
		{3*time.Minute + 5*time.Second, "3m 05s"},
		{time.Hour + 2*time.Minute + 59*time.Second, "1h 02m"},
		{26 * time.Hour, "26h 00m"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := Duration(tt.d); got != tt.want {
				t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestETA(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "<1 min"},
		{time.Minute, "~1 min"},
		{90 * time.Second, "~2 min"},
		{59 * time.Minute, "~59 min"},
		{2 * time.Hour, "~2 h"},
		{80 * time.Minute, "~1 h 20 min"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := ETA(tt.d); got != tt.want {
				t.Errorf("ETA(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"*bold* _it_ ~~s~~ `c` ||spoiler||", `\*bold\* \_it\_ \~\~s\~\~ \` + "`" + `c\` + "`" + ` \|\|spoiler\|\|`},
		{"@everyone <@&123> [x](http://a)", `\@everyone \<\@&123> \[x\](http://a)`},
		{"# title\n> quote\n- item\n  + item", "\\# title\n\\> quote\n\\- item\n  \\+ item"},
		{"high-res #1 a>b", "high-res #1 a>b"},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanError(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"traceback dropped", "CUDA out of memory\nTraceback (most recent call last):\n  File \"x.py\", line 1\nRuntimeError: boom", "CUDA out of memory"},
		{"frames dropped", "bad input\n  File \"nodes.py\", line 3, in load\nvalue not in list", "bad input\nvalue not in list"},
		{"empty", "  \n", "no message was given"},
		{"only a traceback", "Traceback (most recent call last):\n  File \"x\"", "no message was given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanError(tt.in, 100); got != tt.want {
				t.Errorf("cleanError = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("cut", func(t *testing.T) {
		if got := cleanError(strings.Repeat("x", 10_000), 50); utf8.RuneCountInString(got) != 50 || !strings.HasSuffix(got, ellipsis) {
			t.Errorf("cleanError of 10 kB = %d characters %q", utf8.RuneCountInString(got), got)
		}
	})
}

func TestLines(t *testing.T) {
	items := make([]string, 50)
	for i := range items {
		items[i] = fmt.Sprintf("line %02d %s", i, strings.Repeat("x", 40))
	}
	tests := []struct {
		name   string
		items  []string
		budget int
		want   string
	}{
		{"all fit", items[:2], 1000, items[0] + "\n" + items[1]},
		{"none", nil, 100, ""},
		{"some", items, 120, items[0] + "\n" + items[1] + "\n…and 48 more"},
		{"last one needs no tail room", items[:2], 99, items[0] + "\n" + items[1]},
		{"first too long", items, 10, "…and 50 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lines(tt.items, tt.budget)
			if got != tt.want {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
			if tt.budget >= 20 && utf8.RuneCountInString(got) > tt.budget {
				t.Errorf("lines has %d characters, budget %d", utf8.RuneCountInString(got), tt.budget)
			}
		})
	}
}
