package render

import (
	"errors"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
)

func TestJobButtonRoundTrip(t *testing.T) {
	for _, a := range JobActions() {
		for _, id := range []int64{1, 42, 1<<63 - 1} {
			t.Run(string(a), func(t *testing.T) {
				cid := JobButtonID(id, a)
				if len(cid) > MaxCustomID || !strings.HasPrefix(cid, "/job/") {
					t.Fatalf("JobButtonID = %q", cid)
				}
				gotID, gotAction, err := ParseJobButton(cid)
				if err != nil || gotID != id || gotAction != a {
					t.Errorf("ParseJobButton(%q) = %d, %q, %v", cid, gotID, gotAction, err)
				}
				if want := "/job/{id}/" + string(a); JobButtonPattern(a) != want {
					t.Errorf("JobButtonPattern = %q, want %q", JobButtonPattern(a), want)
				}
			})
		}
	}
}

// TestJobActionsHavePermissions ties the buttons to the permission table:
// a button without a requirement would be refused to everyone but admins.
func TestJobActionsHavePermissions(t *testing.T) {
	for _, a := range JobActions() {
		t.Run(string(a), func(t *testing.T) {
			if !permission.Known(a.Path()) || !permission.IsButton(a.Path()) {
				t.Errorf("%q is not a known button path", a.Path())
			}
		})
	}
}

func TestParseJobButtonRejects(t *testing.T) {
	for _, cid := range []string{
		"", "job/42/cancel", "/job/42", "/job/42/cancel/x", "/job/0/cancel", "/job/-1/cancel",
		"/job/042/cancel", "/job/x/cancel", "/job/42/explode", "/jobs/42/cancel", "/job/99999999999999999999/info",
	} {
		t.Run(cid, func(t *testing.T) {
			if _, _, err := ParseJobButton(cid); !errors.Is(err, ErrCustomID) {
				t.Errorf("ParseJobButton(%q) error = %v, want ErrCustomID", cid, err)
			}
		})
	}
}

func TestHistoryRefRoundTrip(t *testing.T) {
	tests := []struct {
		ref  HistoryRef
		want string
	}{
		{HistoryRef{Owner: ownerID, Page: 1}, "/history/" + ownerID + "/all/-/1"},
		{HistoryRef{Owner: ownerID, Status: model.StatusFailed, FilterUser: otherID, Page: 12}, "/history/" + ownerID + "/failed/" + otherID + "/12"},
		{HistoryRef{Owner: ownerID, Status: model.StatusCompleted, Page: 0}, "/history/" + ownerID + "/completed/-/0"},
		{HistoryRef{Owner: ownerID, FilterUser: otherID, Page: 3, Size: 5}, "/history/" + ownerID + "/all/" + otherID + "/3/5"},
		{HistoryRef{Owner: ownerID, Page: 2, Size: HistoryPageSize}, "/history/" + ownerID + "/all/-/2/10"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.ref.ID(); got != tt.want {
				t.Fatalf("ID() = %q, want %q", got, tt.want)
			}
			if len(tt.want) > MaxCustomID {
				t.Errorf("custom id longer than %d", MaxCustomID)
			}
			got, err := ParseHistoryPage(tt.want)
			if err != nil || got != tt.ref {
				t.Errorf("ParseHistoryPage = %+v, %v, want %+v", got, err, tt.ref)
			}
		})
	}
	for _, cid := range []string{"/history/1/all/-", "/history//all/-/1", "/history/1/done/-/1", "/history/1/ALL/-/1", "/history/1/all/-/x", "/history/1/all/-/-1", "/job/1/all/-/1",
		"/history/1/all/-/01", "/history/1/all/-/1/0", "/history/1/all/-/1/11", "/history/1/all/-/1/05", "/history/1/all/-/1/5/x"} {
		t.Run("reject "+cid, func(t *testing.T) {
			if _, err := ParseHistoryPage(cid); !errors.Is(err, ErrCustomID) {
				t.Errorf("ParseHistoryPage(%q) error = %v, want ErrCustomID", cid, err)
			}
		})
	}
}

func TestTemplateAndAdminIDs(t *testing.T) {
	if got := TemplateGenerateID(7); got != "/template/7/generate" {
		t.Errorf("TemplateGenerateID = %q", got)
	}
	if id, err := ParseTemplateGenerate("/template/7/generate"); err != nil || id != 7 {
		t.Errorf("ParseTemplateGenerate = %d, %v", id, err)
	}
	if got := AdminClearID(guildID); got != "/admin/clear/"+guildID+"/confirm" {
		t.Errorf("AdminClearID = %q", got)
	}
	if g, err := ParseAdminClear(AdminClearID(guildID)); err != nil || g != guildID {
		t.Errorf("ParseAdminClear = %q, %v", g, err)
	}
	for _, cid := range []string{"/template/7/load", "/template/x/generate", "/template/7", "template/7/generate"} {
		t.Run(cid, func(t *testing.T) {
			if _, err := ParseTemplateGenerate(cid); !errors.Is(err, ErrCustomID) {
				t.Errorf("ParseTemplateGenerate(%q) error = %v", cid, err)
			}
		})
	}
	for _, cid := range []string{"/admin/clear//confirm", "/admin/clear/1/go", "/admin/wipe/1/confirm", "/admin/clear/1"} {
		t.Run(cid, func(t *testing.T) {
			if _, err := ParseAdminClear(cid); !errors.Is(err, ErrCustomID) {
				t.Errorf("ParseAdminClear(%q) error = %v", cid, err)
			}
		})
	}
}

func FuzzParseCustomIDs(f *testing.F) {
	for _, s := range []string{"/job/42/cancel", "/history/1/all/-/2", "/history/0/all//0", "/template/7/generate", "/admin/clear/1/confirm", "", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cid string) {
		if id, a, err := ParseJobButton(cid); err == nil && JobButtonID(id, a) != cid {
			t.Errorf("job button %q parses to %d/%s, which writes back differently", cid, id, a)
		}
		if r, err := ParseHistoryPage(cid); err == nil && r.ID() != cid {
			t.Errorf("history button %q parses to %+v, which writes back as %q", cid, r, r.ID())
		}
		if id, err := ParseTemplateGenerate(cid); err == nil && TemplateGenerateID(id) != cid {
			t.Errorf("template button %q parses to %d", cid, id)
		}
		if g, err := ParseAdminClear(cid); err == nil && AdminClearID(g) != cid {
			t.Errorf("admin clear button %q parses to %q", cid, g)
		}
	})
}
