package app

import (
	"context"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/leader"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestClientIDIsTheDatabaseAndBackendNotTheCredentials(t *testing.T) {
	id := func(dbURL, backend string) string {
		cfg := config.Default()
		cfg.Database.URL = dbURL
		return clientID(cfg, config.Backend{Name: backend})
	}
	base := id("postgres://bot:old@db:5432/bot", "gpu1")
	if got := id("postgres://bot:new@db:5432/bot", "gpu1"); got != base {
		t.Errorf("a new database password changed the client id: %s → %s", base, got)
	}
	for name, other := range map[string]string{
		"another backend":  id("postgres://bot:old@db:5432/bot", "gpu2"),
		"another database": id("postgres://bot:old@db:5432/other", "gpu1"),
		"sqlite":           id("sqlite:bot.db", "gpu1"),
	} {
		if other == base {
			t.Errorf("%s has the same client id %s", name, base)
		}
	}
	if a, b := id("sqlite:bot.db", "gpu1"), id("sqlite:bot.db", "gpu1"); a != b {
		t.Errorf("the client id is not stable: %s, %s", a, b)
	}
}

func TestActiveGaugeFollowsTheRole(t *testing.T) {
	leases := &oneLease{}
	e := leader.New(leader.Options{Leases: leases, Self: leader.Identity{Host: "h", PID: 1, Nonce: "n"}})
	reg := prometheus.NewRegistry()
	reg.MustRegister(activeGauge(e))
	value := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil || len(mfs) != 1 || mfs[0].GetName() != "discordsend_active" {
			t.Fatalf("gather: %v %v", mfs, err)
		}
		return mfs[0].GetMetric()[0].GetGauge().GetValue()
	}
	if v := value(); v != 0 {
		t.Fatalf("before Run: %v, want 0 (standby)", v)
	}
	ctx, cancel := context.WithCancel(t.Context())
	seen := make(chan float64)
	done := make(chan error)
	go func() {
		done <- e.Run(ctx, func(ctx context.Context) error {
			seen <- value()
			<-ctx.Done()
			return nil
		})
	}()
	if v := <-seen; v != 1 {
		t.Fatalf("while active: %v, want 1", v)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// oneLease is a lease table of one row that any process may take.
type oneLease struct {
	mu sync.Mutex
	l  model.Lease
}

func (o *oneLease) ReadLease(context.Context, string) (model.Lease, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.l, nil
}

func (o *oneLease) TakeLease(_ context.Context, name, holder string, seen model.Lease) (model.Lease, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.l.Version != seen.Version {
		return model.Lease{}, false, nil
	}
	o.l = model.Lease{Name: name, Holder: holder, Term: seen.Term + 1, Version: seen.Version + 1}
	return o.l, true, nil
}

func (o *oneLease) RenewLease(context.Context, string, string, int64) (bool, error) { return true, nil }

func (o *oneLease) ReleaseLease(context.Context, string, string, int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.l.Holder = ""
	o.l.Version++
	return nil
}
