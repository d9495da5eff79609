package discordtest

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// The real-clock deadline marks an unanswered interaction failed.
func TestCallbackDeadlineTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := newServer(Options{DisableValidation: true})
		if err != nil {
			t.Fatal(err)
		}
		g := s.AddGuild("Studio")
		ch := g.AddChannel("general", false)
		u := s.AddUser("alice")
		g.AddMember(u)
		s.mu.Lock()
		ia, err := s.newInteractionLocked(iaCommand, u, ch)
		s.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		s.register(ia, obj{})
		time.Sleep(DefaultCallbackDeadline + failGrace - time.Millisecond)
		synctest.Wait()
		select {
		case <-ia.done:
			t.Fatal("failed before the deadline")
		default:
		}
		time.Sleep(2 * time.Millisecond)
		if _, err := ia.Wait(context.Background()); !errors.Is(err, ErrNoResponse) {
			t.Fatalf("Wait = %v, want ErrNoResponse", err)
		}
		if evs := s.Events(); len(evs) != 1 || evs[0].Kind != KindError || evs[0].InteractionID != ia.ID() {
			t.Fatalf("events = %v", evs)
		}
	})
}
