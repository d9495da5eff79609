package model

import (
	"slices"
	"testing"
)

func TestJobStatusClasses(t *testing.T) {
	tests := []struct {
		status        JobStatus
		final, active bool
	}{
		{StatusQueued, false, true},
		{StatusSubmitted, false, true},
		{StatusRunning, false, true},
		{StatusDelivering, false, false},
		{StatusCompleted, true, false},
		{StatusFailed, true, false},
		{StatusCancelled, true, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			if !tt.status.Valid() {
				t.Error("Valid() = false")
			}
			if got := tt.status.Final(); got != tt.final {
				t.Errorf("Final() = %v, want %v", got, tt.final)
			}
			if got := tt.status.Active(); got != tt.active {
				t.Errorf("Active() = %v, want %v", got, tt.active)
			}
			if tt.final && len(tt.status.Next()) > 0 {
				t.Errorf("final status has transitions %v", tt.status.Next())
			}
		})
	}
	if JobStatus("pending").Valid() {
		t.Error(`"pending" is valid`)
	}
}

func TestCanTransition(t *testing.T) {
	allowed := map[[2]JobStatus]bool{
		{StatusQueued, StatusSubmitted}:     true,
		{StatusQueued, StatusCancelled}:     true,
		{StatusQueued, StatusFailed}:        true,
		{StatusSubmitted, StatusRunning}:    true,
		{StatusSubmitted, StatusDelivering}: true,
		{StatusSubmitted, StatusQueued}:     true,
		{StatusSubmitted, StatusCancelled}:  true,
		{StatusSubmitted, StatusFailed}:     true,
		{StatusRunning, StatusDelivering}:   true,
		{StatusRunning, StatusQueued}:       true,
		{StatusRunning, StatusCancelled}:    true,
		{StatusRunning, StatusFailed}:       true,
		{StatusDelivering, StatusCompleted}: true,
		{StatusDelivering, StatusFailed}:    true,
	}
	for _, from := range JobStatuses() {
		for _, to := range JobStatuses() {
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				want := allowed[[2]JobStatus{from, to}]
				if got := CanTransition(from, to); got != want {
					t.Errorf("CanTransition = %v, want %v", got, want)
				}
				if got := slices.Contains(TransitionSources(to), from); got != want {
					t.Errorf("TransitionSources(%s) contains %s = %v, want %v", to, from, got, want)
				}
			})
		}
	}
	if CanTransition("bogus", StatusQueued) || len(TransitionSources("bogus")) != 0 {
		t.Error("an unknown status takes part in transitions")
	}
}

func TestParseJobStatus(t *testing.T) {
	for _, s := range JobStatuses() {
		t.Run(string(s), func(t *testing.T) {
			got, err := ParseJobStatus(" " + string(s) + " ")
			if err != nil || got != s {
				t.Errorf("ParseJobStatus(%q) = %q, %v", s, got, err)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		if _, err := ParseJobStatus("pending"); ErrorCodeOf(err) != CodeInvalid {
			t.Errorf("error = %v, want invalid", err)
		}
	})
}
