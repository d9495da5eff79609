package store

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestRecordDelivery(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t)
	ctx := t.Context()
	j := jobIn(t, s, model.StatusDelivering)

	first := clock.Advance(time.Second)
	recorded, err := s.RecordDelivery(ctx, j.ID, 1, "55", "m1", []string{"https://cdn/a.png", "https://cdn/b.png"})
	if err != nil || !recorded {
		t.Fatalf("first record = %v, %v", recorded, err)
	}
	clock.Advance(time.Second)
	recorded, err = s.RecordDelivery(ctx, j.ID, 1, "56", "m-again", nil)
	if err != nil || recorded {
		t.Fatalf("second record of the same part = %v, %v; want false", recorded, err)
	}
	recorded, err = s.RecordDelivery(ctx, j.ID, 0, "55", "m0", nil)
	if err != nil || !recorded {
		t.Fatalf("other part = %v, %v", recorded, err)
	}

	got, err := s.Deliveries(ctx, j.ID)
	want := []model.DeliveryRecord{
		{JobID: j.ID, Part: 0, ChannelID: "55", MessageID: "m0", AttachmentURLs: []string{}, DeliveredAt: first.Add(time.Second)},
		{JobID: j.ID, Part: 1, ChannelID: "55", MessageID: "m1", AttachmentURLs: []string{"https://cdn/a.png", "https://cdn/b.png"}, DeliveredAt: first},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Deliveries = %+v, %v\nwant %+v", got, err, want)
	}

	t.Run("unknown job", func(t *testing.T) {
		_, err := s.RecordDelivery(ctx, 9999, 0, "55", "m", nil)
		wantCode(t, err, model.CodeNotFound)
	})
	t.Run("no deliveries", func(t *testing.T) {
		other := jobIn(t, s, model.StatusQueued)
		got, err := s.Deliveries(ctx, other.ID)
		if err != nil || len(got) != 0 {
			t.Fatalf("Deliveries = %+v, %v", got, err)
		}
	})
}

// Two deliverers racing on one part: exactly one records it.
func TestRecordDeliveryConcurrent(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	j := jobIn(t, s, model.StatusDelivering)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	start := make(chan struct{})
	for range 5 {
		wg.Go(func() {
			<-start
			recorded, err := s.RecordDelivery(t.Context(), j.ID, 0, "55", "m", nil)
			if err != nil {
				t.Errorf("RecordDelivery: %v", err)
			}
			if recorded {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d deliverers recorded the part, want 1", wins)
	}
}
