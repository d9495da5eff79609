package store

import (
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestLeaseLifecycle(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()

	never, err := s.ReadLease(ctx, "active")
	if err != nil {
		t.Fatal(err)
	}
	if never != (model.Lease{Name: "active"}) {
		t.Fatalf("never taken: got %+v, want the zero lease", never)
	}
	a, ok, err := s.TakeLease(ctx, "active", "a", never)
	if err != nil || !ok {
		t.Fatalf("first take: ok=%v err=%v", ok, err)
	}
	if a.Holder != "a" || a.Term != 1 || a.Version != 1 || !a.RenewedAt.Equal(testEpoch) {
		t.Fatalf("first take: got %+v", a)
	}
	if _, ok, err := s.TakeLease(ctx, "active", "b", never); err != nil || ok {
		t.Fatalf("take of a lease seen as never taken, now held: ok=%v err=%v, want refused", ok, err)
	}

	clock.Advance(time.Second)
	if ok, err := s.RenewLease(ctx, "active", "a", 1); err != nil || !ok {
		t.Fatalf("renew by holder: ok=%v err=%v", ok, err)
	}
	if ok, err := s.RenewLease(ctx, "active", "b", 1); err != nil || ok {
		t.Fatalf("renew by another: ok=%v err=%v, want refused", ok, err)
	}
	renewed, err := s.ReadLease(ctx, "active")
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Version != 2 || renewed.Term != 1 || !renewed.RenewedAt.Equal(testEpoch.Add(time.Second)) {
		t.Fatalf("after renewal: got %+v", renewed)
	}
	if _, ok, err := s.TakeLease(ctx, "active", "b", a); err != nil || ok {
		t.Fatalf("take with a stale version: ok=%v err=%v, want refused", ok, err)
	}

	b, ok, err := s.TakeLease(ctx, "active", "b", renewed)
	if err != nil || !ok {
		t.Fatalf("takeover: ok=%v err=%v", ok, err)
	}
	if b.Holder != "b" || b.Term != 2 || b.Version != 3 {
		t.Fatalf("takeover: got %+v", b)
	}
	if ok, err := s.RenewLease(ctx, "active", "a", 1); err != nil || ok {
		t.Fatalf("renew by the deposed holder: ok=%v err=%v, want refused", ok, err)
	}
	if err := s.ReleaseLease(ctx, "active", "a", 1); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ReadLease(ctx, "active"); got.Holder != "b" {
		t.Fatalf("a deposed holder's release changed the lease: %+v", got)
	}

	if err := s.ReleaseLease(ctx, "active", "b", 2); err != nil {
		t.Fatal(err)
	}
	released, err := s.ReadLease(ctx, "active")
	if err != nil {
		t.Fatal(err)
	}
	if released.Held() || released.Term != 2 || released.Version != 4 {
		t.Fatalf("after release: got %+v", released)
	}
	c, ok, err := s.TakeLease(ctx, "active", "c", released)
	if err != nil || !ok || c.Term != 3 {
		t.Fatalf("take after release: %+v ok=%v err=%v", c, ok, err)
	}
}

func TestLeaseTakeoverRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := t.Context()
	seen, err := s.ReadLease(ctx, "active")
	if err != nil {
		t.Fatal(err)
	}
	const racers = 8
	wins := make(chan string, racers)
	errs := make(chan error, racers)
	for i := range racers {
		go func() {
			name := string(rune('a' + i))
			_, ok, err := s.TakeLease(ctx, "active", name, seen)
			if ok {
				wins <- name
			}
			errs <- err
		}()
	}
	for range racers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(wins)
	var winners []string
	for w := range wins {
		winners = append(winners, w)
	}
	if len(winners) != 1 {
		t.Fatalf("winners = %v, want exactly one", winners)
	}
	if got, _ := s.ReadLease(ctx, "active"); got.Holder != winners[0] || got.Term != 1 {
		t.Fatalf("lease = %+v, want held by %s in term 1", got, winners[0])
	}
}

func TestTakeLeaseNeedsAHolder(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	if _, ok, err := s.TakeLease(t.Context(), "active", "", model.Lease{}); err == nil || ok {
		t.Fatalf("ok=%v err=%v, want an error", ok, err)
	}
}
