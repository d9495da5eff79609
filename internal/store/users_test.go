package store

import (
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestUpsertUser(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()

	u, err := s.UpsertUser(ctx, "100", "alice")
	if err != nil {
		t.Fatal(err)
	}
	// No preference yet: the server default must be able to apply.
	want := model.User{ID: "100", Name: "alice", CreatedAt: testEpoch}
	if u != want {
		t.Fatalf("new user = %+v, want %+v", u, want)
	}

	clock.Advance(time.Hour)
	tests := []struct {
		name, in, want string
	}{
		{"rename", "alice2", "alice2"},
		{"empty name keeps the stored one", "", "alice2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.UpsertUser(ctx, "100", tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if u.Name != tt.want || !u.CreatedAt.Equal(testEpoch) {
				t.Errorf("user = %+v, want name %q created at %v", u, tt.want, testEpoch)
			}
		})
	}
	t.Run("empty id", func(t *testing.T) {
		_, err := s.UpsertUser(ctx, "", "x")
		wantCode(t, err, model.CodeInvalid)
	})
}

func TestUser(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	if _, err := s.UpsertUser(t.Context(), "100", "alice"); err != nil {
		t.Fatal(err)
	}
	u, err := s.User(t.Context(), "100")
	if err != nil || u.Name != "alice" {
		t.Fatalf("User = %+v, %v", u, err)
	}
	_, err = s.User(t.Context(), "200")
	wantCode(t, err, model.CodeNotFound)
}

func TestSetDefaultDelivery(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	tests := []struct {
		name     string
		user     string
		delivery model.Delivery
		want     model.Delivery
		wantCode model.ErrorCode
	}{
		{name: "dm", user: "100", delivery: model.DeliveryDM, want: model.DeliveryDM},
		{name: "back to channel", user: "100", delivery: model.DeliveryChannel, want: model.DeliveryChannel},
		{name: "clear", user: "100", delivery: "", want: ""},
		{name: "unknown user is recorded", user: "300", delivery: model.DeliveryDM, want: model.DeliveryDM},
		{name: "invalid", user: "100", delivery: "pigeon", wantCode: model.CodeInvalid},
	}
	if _, err := s.UpsertUser(ctx, "100", "alice"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.SetDefaultDelivery(ctx, tt.user, tt.delivery)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u, err := s.User(ctx, tt.user)
			if err != nil || u.DefaultDelivery != tt.want {
				t.Errorf("user = %+v, %v; want delivery %q", u, err, tt.want)
			}
		})
	}
}
