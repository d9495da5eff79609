package store

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func mustCreateTemplate(t *testing.T, s *Store, tpl model.Template) model.Template {
	t.Helper()
	got, err := s.CreateTemplate(t.Context(), tpl)
	if err != nil {
		t.Fatalf("CreateTemplate(%+v): %v", tpl, err)
	}
	return got
}

func TestCreateTemplateRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	in := model.Template{
		OwnerID: "100", GuildID: "900", Shared: true, Name: "Portrait-Style",
		Prompt: "cinematic lighting, 8k", Negative: "blurry",
		Params: model.Params{Steps: model.Ptr(30), CFG: model.Ptr(7.5), Seed: model.Ptr(uint64(18446744073709551615))},
	}
	got := mustCreateTemplate(t, s, in)
	want := in
	want.ID, want.CreatedAt, want.UpdatedAt = got.ID, testEpoch, testEpoch
	if got.ID == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("created = %+v, want %+v", got, want)
	}
	byID, err := s.Template(t.Context(), got.ID)
	if err != nil || !reflect.DeepEqual(byID, want) {
		t.Fatalf("Template(%d) = %+v, %v", got.ID, byID, err)
	}
	_, err = s.Template(t.Context(), got.ID+100)
	wantCode(t, err, model.CodeNotFound)
}

func TestCreateTemplateValidation(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	tests := []struct {
		name    string
		tpl     model.Template
		wantMsg string
	}{
		{name: "empty name", tpl: model.Template{OwnerID: "100", Name: ""}, wantMsg: "empty"},
		{name: "long name", tpl: model.Template{OwnerID: "100", Name: strings.Repeat("n", 33)}, wantMsg: "longer"},
		{name: "control char", tpl: model.Template{OwnerID: "100", Name: "a\tb"}, wantMsg: "control"},
		{name: "no owner", tpl: model.Template{Name: "x"}, wantMsg: "owner"},
		{name: "shared outside a server", tpl: model.Template{OwnerID: "100", Name: "x", Shared: true}, wantMsg: "server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateTemplate(t.Context(), tt.tpl)
			wantCode(t, err, model.CodeInvalid)
			if !strings.Contains(model.ErrorMessageOf(err), tt.wantMsg) {
				t.Errorf("message %q does not mention %q", model.ErrorMessageOf(err), tt.wantMsg)
			}
		})
	}
}

// Names are unique per owner among private templates and per server among
// shared ones, ignoring case; the conflict says which rule.
func TestTemplateNameUniqueness(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	mustCreateTemplate(t, s, model.Template{OwnerID: "100", GuildID: "900", Name: "Portrait", Prompt: "p"})
	mustCreateTemplate(t, s, model.Template{OwnerID: "100", GuildID: "900", Shared: true, Name: "Landscape", Prompt: "l"})
	tests := []struct {
		name    string
		tpl     model.Template
		wantMsg string // "" when allowed
	}{
		{name: "same owner, other case", tpl: model.Template{OwnerID: "100", Name: "PORTRAIT"}, wantMsg: "You already have"},
		{name: "same owner, other server", tpl: model.Template{OwnerID: "100", GuildID: "901", Name: "portrait"}, wantMsg: "You already have"},
		{name: "other owner", tpl: model.Template{OwnerID: "200", GuildID: "900", Name: "portrait"}},
		{name: "shared in same server, other owner", tpl: model.Template{OwnerID: "200", GuildID: "900", Shared: true, Name: "landscape"}, wantMsg: "This server already has"},
		{name: "shared in other server", tpl: model.Template{OwnerID: "100", GuildID: "901", Shared: true, Name: "Landscape"}},
		{name: "private beside shared of the same name", tpl: model.Template{OwnerID: "100", GuildID: "900", Name: "landscape"}},
		{name: "shared beside private of the same name", tpl: model.Template{OwnerID: "100", GuildID: "900", Shared: true, Name: "Portrait"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateTemplate(t.Context(), tt.tpl)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("CreateTemplate: %v", err)
				}
				return
			}
			wantCode(t, err, model.CodeConflict)
			if msg := model.ErrorMessageOf(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestFindTemplate(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	mine := mustCreateTemplate(t, s, model.Template{OwnerID: "100", GuildID: "900", Name: "Style", Prompt: "mine"})
	shared := mustCreateTemplate(t, s, model.Template{OwnerID: "200", GuildID: "900", Shared: true, Name: "style", Prompt: "shared"})
	mustCreateTemplate(t, s, model.Template{OwnerID: "200", GuildID: "900", Name: "secret", Prompt: "theirs"})
	tests := []struct {
		name           string
		user, guild    string
		lookup         string
		wantID         int64 // 0: not found
		wantNotFoundOf string
	}{
		{name: "private first", user: "100", guild: "900", lookup: "STYLE", wantID: mine.ID},
		{name: "private from another server", user: "100", guild: "901", lookup: "style", wantID: mine.ID},
		{name: "private from a DM", user: "100", guild: "", lookup: "style", wantID: mine.ID},
		{name: "shared when no private", user: "300", guild: "900", lookup: "Style", wantID: shared.ID},
		{name: "shared not seen from other server", user: "300", guild: "901", lookup: "style"},
		{name: "another user's private", user: "100", guild: "900", lookup: "secret"},
		{name: "missing", user: "100", guild: "900", lookup: "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FindTemplate(t.Context(), tt.user, tt.guild, tt.lookup)
			if tt.wantID == 0 {
				wantCode(t, err, model.CodeNotFound)
				if !strings.Contains(model.ErrorMessageOf(err), tt.lookup) {
					t.Errorf("message %q does not name %q", model.ErrorMessageOf(err), tt.lookup)
				}
				return
			}
			if err != nil || got.ID != tt.wantID {
				t.Fatalf("FindTemplate = %+v, %v; want id %d", got, err, tt.wantID)
			}
		})
	}
}

func TestListTemplates(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	create := func(owner, guild string, shared bool, name string) {
		mustCreateTemplate(t, s, model.Template{OwnerID: owner, GuildID: guild, Shared: shared, Name: name, Prompt: "p"})
	}
	create("100", "900", false, "beta")
	create("100", "900", false, "Alpha")
	create("100", "901", false, "gamma")      // private: visible everywhere to 100
	create("100", "900", true, "alpha")       // 100's shared in 900
	create("200", "900", true, "delta")       // 200's shared in 900
	create("200", "900", false, "alphabet")   // 200's private: never listed for 100
	create("200", "901", true, "epsilon")     // shared in another server
	create("100", "900", false, "50%_off")    // LIKE wildcards in a name
	create("100", "900", false, "50 percent") // would match an unescaped "50%"

	names := func(ts []model.Template) []string {
		var out []string
		for _, tpl := range ts {
			n := tpl.Name
			if tpl.Shared {
				n += "*"
			}
			out = append(out, n)
		}
		return out
	}
	tests := []struct {
		name     string
		filter   TemplateFilter
		want     []string // shared ones marked *
		wantCode model.ErrorCode
	}{
		{name: "all", filter: TemplateFilter{UserID: "100", GuildID: "900"},
			want: []string{"50 percent", "50%_off", "Alpha", "alpha*", "beta", "delta*", "gamma"}},
		{name: "mine", filter: TemplateFilter{UserID: "100", GuildID: "900", Scope: ScopeMine},
			want: []string{"50 percent", "50%_off", "Alpha", "alpha*", "beta", "gamma"}},
		{name: "shared", filter: TemplateFilter{UserID: "100", GuildID: "900", Scope: ScopeShared},
			want: []string{"alpha*", "delta*"}},
		{name: "in a DM", filter: TemplateFilter{UserID: "100", Scope: ScopeAll},
			want: []string{"50 percent", "50%_off", "Alpha", "beta", "gamma"}},
		{name: "other user", filter: TemplateFilter{UserID: "200", GuildID: "900"},
			want: []string{"alpha*", "alphabet", "delta*"}},
		{name: "prefix ignores case", filter: TemplateFilter{UserID: "100", GuildID: "900", Prefix: "AL"},
			want: []string{"Alpha", "alpha*"}},
		{name: "prefix with wildcards", filter: TemplateFilter{UserID: "100", GuildID: "900", Prefix: "50%_"},
			want: []string{"50%_off"}},
		{name: "limit", filter: TemplateFilter{UserID: "100", GuildID: "900", Limit: 2},
			want: []string{"50 percent", "50%_off"}},
		{name: "unknown scope", filter: TemplateFilter{UserID: "100", Scope: "everyone"}, wantCode: model.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListTemplates(t.Context(), tt.filter)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				return
			}
			if err != nil || !reflect.DeepEqual(names(got), tt.want) {
				t.Fatalf("ListTemplates = %v, %v; want %v", names(got), err, tt.want)
			}
		})
	}
}

func TestUpdateTemplate(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()
	tpl := mustCreateTemplate(t, s, model.Template{OwnerID: "100", GuildID: "900", Name: "style", Prompt: "old"})
	mustCreateTemplate(t, s, model.Template{OwnerID: "100", GuildID: "900", Name: "other", Prompt: "o"})
	mustCreateTemplate(t, s, model.Template{OwnerID: "200", GuildID: "900", Shared: true, Name: "Taken", Prompt: "t"})

	t.Run("change everything", func(t *testing.T) {
		now := clock.Advance(time.Hour)
		in := tpl
		in.Name, in.Prompt, in.Negative = "Style", "new", "ugly"
		in.Params = model.Params{Width: model.Ptr(768)}
		in.OwnerID = "999" // the owner cannot change
		got, err := s.UpdateTemplate(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.OwnerID, want.UpdatedAt = "100", now
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("updated = %+v, want %+v", got, want)
		}
		tpl = got
	})
	t.Run("rename onto own private", func(t *testing.T) {
		in := tpl
		in.Name = "OTHER"
		_, err := s.UpdateTemplate(ctx, in)
		wantCode(t, err, model.CodeConflict)
	})
	t.Run("share onto a taken shared name", func(t *testing.T) {
		in := tpl
		in.Name, in.Shared = "taken", true
		_, err := s.UpdateTemplate(ctx, in)
		wantCode(t, err, model.CodeConflict)
	})
	t.Run("share", func(t *testing.T) {
		in := tpl
		in.Shared = true
		got, err := s.UpdateTemplate(ctx, in)
		if err != nil || !got.Shared {
			t.Fatalf("UpdateTemplate = %+v, %v", got, err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		in := tpl
		in.ID += 100
		_, err := s.UpdateTemplate(ctx, in)
		wantCode(t, err, model.CodeNotFound)
	})
	t.Run("invalid name", func(t *testing.T) {
		in := tpl
		in.Name = ""
		_, err := s.UpdateTemplate(ctx, in)
		wantCode(t, err, model.CodeInvalid)
	})
}

func TestDeleteTemplate(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	tpl := mustCreateTemplate(t, s, model.Template{OwnerID: "100", Name: "style", Prompt: "p"})
	if err := s.DeleteTemplate(ctx, tpl.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.Template(ctx, tpl.ID)
	wantCode(t, err, model.CodeNotFound)
	wantCode(t, s.DeleteTemplate(ctx, tpl.ID), model.CodeNotFound)
	// The name is free again.
	mustCreateTemplate(t, s, model.Template{OwnerID: "100", Name: "Style", Prompt: "p"})
}
