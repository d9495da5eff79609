package render

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/disgoorg/disgo/discord"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello", 10, "hello"},
		{"hello world", 6, "hello…"},
		{"hello world", 7, "hello…"}, // the space before the cut goes
		{"héllo wörld", 4, "hél…"},
		{"🎨🎨🎨", 2, "🎨…"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
		{"", 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Truncate(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > max(tt.n, 0) {
				t.Errorf("Truncate(%q, %d) has %d characters", tt.in, tt.n, n)
			}
		})
	}
}

// randText is up to n characters of mixed width, sometimes empty or blank.
func randText(r *rand.Rand, n int) string {
	switch r.IntN(10) {
	case 0:
		return ""
	case 1:
		return "   "
	}
	alphabet := []rune("abc xyz*_\né漢🎨")
	l := r.IntN(n + 1)
	b := make([]rune, l)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func randEmbeds(r *rand.Rand) []discord.Embed {
	// Sizes range from comfortably small to far past every limit.
	scale := []int{20, 20, 300, 3000, 5000}[r.IntN(5)]
	embeds := make([]discord.Embed, r.IntN(13))
	for i := range embeds {
		e := discord.Embed{Title: randText(r, scale/4), Description: randText(r, scale*2), Color: r.IntN(0xFFFFFF)}
		if r.IntN(2) == 0 {
			e.Footer = &discord.EmbedFooter{Text: randText(r, scale)}
		}
		if r.IntN(3) == 0 {
			e.Author = &discord.EmbedAuthor{Name: randText(r, scale/4)}
		}
		for range r.IntN(30) {
			inline := r.IntN(2) == 0
			e.Fields = append(e.Fields, discord.EmbedField{Name: randText(r, scale/8), Value: randText(r, scale/2), Inline: &inline})
		}
		embeds[i] = e
	}
	return embeds
}

// cutFrom reports whether got is s, or a prefix of s followed by "…".
func cutFrom(got, s string) bool {
	if got == s {
		return true
	}
	prefix, ok := strings.CutSuffix(got, ellipsis)
	return ok && strings.HasPrefix(s, prefix)
}

func fitsAlready(embeds []discord.Embed) bool {
	if len(embeds) > MaxEmbeds || embedTotal(embeds) > MaxEmbedTotal {
		return false
	}
	for _, e := range embeds {
		if utf8.RuneCountInString(e.Title) > MaxEmbedTitle || utf8.RuneCountInString(e.Description) > MaxEmbedDescription || len(e.Fields) > MaxEmbedFields {
			return false
		}
		if e.Footer != nil && utf8.RuneCountInString(e.Footer.Text) > MaxFooter {
			return false
		}
		if e.Author != nil && utf8.RuneCountInString(e.Author.Name) > MaxAuthorName {
			return false
		}
		for _, f := range e.Fields {
			if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" ||
				utf8.RuneCountInString(f.Name) > MaxFieldName || utf8.RuneCountInString(f.Value) > MaxFieldValue {
				return false
			}
		}
	}
	return true
}

func TestFitProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var unchanged, cut int
	for i := range 250 {
		in := randEmbeds(r)
		before := cloneEmbeds(in)
		got := Fit(in)

		checkEmbeds(t, got)
		if !reflect.DeepEqual(in, before) {
			t.Fatalf("case %d: Fit changed its input", i)
		}
		if again := Fit(got); !reflect.DeepEqual(again, got) {
			t.Fatalf("case %d: Fit is not idempotent", i)
		}
		if fitsAlready(in) {
			unchanged++
			if !reflect.DeepEqual(got, in) {
				t.Fatalf("case %d: Fit changed embeds that already fit", i)
			}
		} else if embedTotal(in) > MaxEmbedTotal {
			cut++
		}
		if len(got) != min(len(in), MaxEmbeds) {
			t.Fatalf("case %d: %d embeds from %d", i, len(got), len(in))
		}
		for k, e := range got {
			src := in[k]
			if e.Color != src.Color {
				t.Errorf("case %d: colour changed", i)
			}
			if !cutFrom(e.Title, src.Title) || !cutFrom(e.Description, src.Description) {
				t.Errorf("case %d: title or description is not a cut of the original", i)
			}
			if len(e.Fields) != min(len(src.Fields), MaxEmbedFields) {
				t.Errorf("case %d: %d fields from %d", i, len(e.Fields), len(src.Fields))
			}
			for f := range e.Fields {
				name, value := e.Fields[f].Name, e.Fields[f].Value
				if (name != blank && !cutFrom(name, src.Fields[f].Name)) || (value != blank && !cutFrom(value, src.Fields[f].Value)) {
					t.Errorf("case %d: field %d is not a cut of the original", i, f)
				}
			}
			if e.Footer != nil && !cutFrom(e.Footer.Text, src.Footer.Text) {
				t.Errorf("case %d: footer is not a cut of the original", i)
			}
		}
	}
	// The generator must reach both sides of the property.
	if unchanged < 10 || cut < 10 {
		t.Errorf("only %d fitting and %d oversized cases", unchanged, cut)
	}
}

// TestFitKeepsShortTexts checks that a huge description is what gets cut,
// not the title or the footer.
func TestFitKeepsShortTexts(t *testing.T) {
	in := []discord.Embed{
		{Title: "Job #42", Description: strings.Repeat("a", 4096), Footer: &discord.EmbedFooter{Text: "Job #42 · gpu1"}},
		{Title: "Second", Description: strings.Repeat("b", 4096)},
	}
	got := Fit(in)
	if got[0].Title != "Job #42" || got[1].Title != "Second" || got[0].Footer.Text != "Job #42 · gpu1" {
		t.Errorf("short texts were cut: %q %q %q", got[0].Title, got[1].Title, got[0].Footer.Text)
	}
	// Both descriptions are cut to one common length, so at most one
	// character per cut text is left unused.
	if n := embedTotal(got); n > MaxEmbedTotal || n < MaxEmbedTotal-len(in) {
		t.Errorf("total %d, want %d..%d (nothing cut more than needed)", n, MaxEmbedTotal-len(in), MaxEmbedTotal)
	}
	if !strings.HasSuffix(got[0].Description, ellipsis) || !strings.HasSuffix(got[1].Description, ellipsis) {
		t.Error("long descriptions do not end in …")
	}
}

func TestFitBlankFields(t *testing.T) {
	got := Fit([]discord.Embed{{Fields: []discord.EmbedField{{Name: "", Value: " "}}}})
	if f := got[0].Fields[0]; f.Name != blank || f.Value != blank {
		t.Errorf("blank field became %q/%q, want zero-width spaces", f.Name, f.Value)
	}
	if Fit(nil) != nil {
		t.Error("Fit(nil) is not nil")
	}
}

func cloneEmbeds(in []discord.Embed) []discord.Embed {
	out := make([]discord.Embed, len(in))
	for i, e := range in {
		if e.Footer != nil {
			f := *e.Footer
			e.Footer = &f
		}
		if e.Author != nil {
			a := *e.Author
			e.Author = &a
		}
		fields := make([]discord.EmbedField, len(e.Fields))
		for j, f := range e.Fields {
			if f.Inline != nil {
				v := *f.Inline
				f.Inline = &v
			}
			fields[j] = f
		}
		if e.Fields == nil {
			fields = nil
		}
		e.Fields = fields
		out[i] = e
	}
	return out
}
