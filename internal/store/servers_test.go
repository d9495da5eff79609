package store

import (
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestUpsertServerAndServer(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()

	_, err := s.Server(ctx, "900")
	wantCode(t, err, model.CodeNotFound)

	srv, err := s.UpsertServer(ctx, "900", "Art Club")
	if err != nil {
		t.Fatal(err)
	}
	want := model.Server{GuildID: "900", Name: "Art Club", CreatedAt: testEpoch, UpdatedAt: testEpoch}
	if !equalServer(srv, want) {
		t.Fatalf("server = %+v, want %+v", srv, want)
	}
	clock.Advance(time.Minute)
	if _, err := s.UpsertServer(ctx, "900", ""); err != nil {
		t.Fatal(err)
	}
	if srv, err = s.Server(ctx, "900"); err != nil || srv.Name != "Art Club" {
		t.Fatalf("after empty-name upsert: %+v, %v", srv, err)
	}
	if srv, err = s.UpsertServer(ctx, "900", "Art Guild"); err != nil || srv.Name != "Art Guild" {
		t.Fatalf("after rename: %+v, %v", srv, err)
	}
	_, err = s.UpsertServer(ctx, "", "x")
	wantCode(t, err, model.CodeInvalid)
}

func TestUpdateServerSettings(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()
	if _, err := s.UpsertServer(ctx, "900", "Art Club"); err != nil {
		t.Fatal(err)
	}
	set := model.Server{
		GuildID: "900", Name: "Art Club", DefaultChannelID: "55", MaxQueuePerUser: model.Ptr(5),
		DefaultDelivery: model.DeliveryDM, DefaultWorkflow: "sdxl", DMPolicy: model.DMEveryone,
	}
	tests := []struct {
		name     string
		guild    string
		update   ServerSettingsUpdate
		want     model.Server
		wantCode model.ErrorCode
	}{
		{
			name:  "set everything",
			guild: "900",
			update: ServerSettingsUpdate{
				DefaultChannelID: model.Ptr("55"), MaxQueuePerUser: model.Ptr(5),
				DefaultDelivery: model.Ptr(model.DeliveryDM), DefaultWorkflow: model.Ptr("sdxl"),
				DMPolicy: model.Ptr(model.DMEveryone),
			},
			want: set,
		},
		{name: "nil fields leave settings", guild: "900", update: ServerSettingsUpdate{}, want: set},
		{
			name:  "reset some",
			guild: "900",
			update: ServerSettingsUpdate{
				MaxQueuePerUser: model.Ptr(0), DefaultDelivery: model.Ptr(model.Delivery("")), DMPolicy: model.Ptr(model.DMPolicy("")),
			},
			want: model.Server{GuildID: "900", Name: "Art Club", DefaultChannelID: "55", DefaultWorkflow: "sdxl"},
		},
		{
			name:   "reset the rest",
			guild:  "900",
			update: ServerSettingsUpdate{DefaultChannelID: model.Ptr(""), DefaultWorkflow: model.Ptr("")},
			want:   model.Server{GuildID: "900", Name: "Art Club"},
		},
		{
			name:   "unknown server is recorded",
			guild:  "901",
			update: ServerSettingsUpdate{MaxQueuePerUser: model.Ptr(1)},
			want:   model.Server{GuildID: "901", MaxQueuePerUser: model.Ptr(1)},
		},
		{name: "negative limit", guild: "900", update: ServerSettingsUpdate{MaxQueuePerUser: model.Ptr(-1)}, wantCode: model.CodeInvalid},
		{name: "bad delivery", guild: "900", update: ServerSettingsUpdate{DefaultDelivery: model.Ptr(model.Delivery("fax"))}, wantCode: model.CodeInvalid},
		{name: "bad policy", guild: "900", update: ServerSettingsUpdate{DMPolicy: model.Ptr(model.DMPolicy("mods"))}, wantCode: model.CodeInvalid},
		{name: "no guild", guild: "", update: ServerSettingsUpdate{}, wantCode: model.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := clock.Advance(time.Minute)
			got, err := s.UpdateServerSettings(ctx, tt.guild, tt.update)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equalServer(got, tt.want) || !got.UpdatedAt.Equal(now) {
				t.Errorf("server = %+v, want %+v updated at %v", got, tt.want, now)
			}
			stored, err := s.Server(ctx, tt.guild)
			if err != nil || !equalServer(stored, got) {
				t.Errorf("stored = %+v, %v; returned %+v", stored, err, got)
			}
		})
	}
}

// equalServer compares settings, ignoring timestamps unless want has them.
func equalServer(got, want model.Server) bool {
	if !want.CreatedAt.IsZero() && (!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt)) {
		return false
	}
	sameLimit := (got.MaxQueuePerUser == nil) == (want.MaxQueuePerUser == nil) &&
		(got.MaxQueuePerUser == nil || *got.MaxQueuePerUser == *want.MaxQueuePerUser)
	return sameLimit && got.GuildID == want.GuildID && got.Name == want.Name &&
		got.DefaultChannelID == want.DefaultChannelID && got.DefaultDelivery == want.DefaultDelivery &&
		got.DefaultWorkflow == want.DefaultWorkflow && got.DMPolicy == want.DMPolicy
}
