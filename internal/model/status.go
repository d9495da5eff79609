package model

import (
	"slices"
	"strings"
)

// JobStatus is where a job is in its life. The values are stored in the
// database as they are, so they must never be renamed.
type JobStatus string

// Job statuses, in the order a successful job passes through them.
const (
	StatusQueued     JobStatus = "queued"     // waiting in the bot's queue
	StatusSubmitted  JobStatus = "submitted"  // posted to a ComfyUI backend, not started
	StatusRunning    JobStatus = "running"    // executing on a backend
	StatusDelivering JobStatus = "delivering" // outputs ready, being posted to Discord
	StatusCompleted  JobStatus = "completed"
	StatusFailed     JobStatus = "failed"
	StatusCancelled  JobStatus = "cancelled"
)

// JobStatuses lists every status in lifecycle order.
func JobStatuses() []JobStatus {
	return []JobStatus{
		StatusQueued, StatusSubmitted, StatusRunning, StatusDelivering,
		StatusCompleted, StatusFailed, StatusCancelled,
	}
}

// ActiveStatuses are the statuses that count against a user's queue limit.
func ActiveStatuses() []JobStatus {
	return []JobStatus{StatusQueued, StatusSubmitted, StatusRunning}
}

// FinalStatuses are the statuses a job never leaves.
func FinalStatuses() []JobStatus {
	return []JobStatus{StatusCompleted, StatusFailed, StatusCancelled}
}

// Valid reports whether s is one of the defined statuses.
func (s JobStatus) Valid() bool { return slices.Contains(JobStatuses(), s) }

// Final reports whether the job is over: completed, failed or cancelled.
func (s JobStatus) Final() bool { return slices.Contains(FinalStatuses(), s) }

// Active reports whether the job still waits for or uses a GPU. A delivering
// job is not active: its images exist and it no longer occupies the user's
// queue slot.
func (s JobStatus) Active() bool { return slices.Contains(ActiveStatuses(), s) }

// Next lists the statuses a job may move to from s.
//
// Beyond the happy path: a queued job fails when it cannot be dispatched at
// all (its workflow cannot be built); a submitted job may go straight to
// delivering when recovery finds it already finished in the backend's
// history; submitted and running jobs go back to queued when their backend
// lost them; delivering fails when Discord refuses every attempt.
func (s JobStatus) Next() []JobStatus {
	switch s {
	case StatusQueued:
		return []JobStatus{StatusSubmitted, StatusCancelled, StatusFailed}
	case StatusSubmitted:
		return []JobStatus{StatusRunning, StatusDelivering, StatusQueued, StatusCancelled, StatusFailed}
	case StatusRunning:
		return []JobStatus{StatusDelivering, StatusQueued, StatusCancelled, StatusFailed}
	case StatusDelivering:
		return []JobStatus{StatusCompleted, StatusFailed}
	}
	return nil
}

// CanTransition reports whether a job in status from may move to status to.
func CanTransition(from, to JobStatus) bool { return slices.Contains(from.Next(), to) }

// TransitionSources lists the statuses from which a job may move to to, in
// lifecycle order; the store uses it to make a transition a compare-and-set.
func TransitionSources(to JobStatus) []JobStatus {
	var from []JobStatus
	for _, s := range JobStatuses() {
		if CanTransition(s, to) {
			from = append(from, s)
		}
	}
	return from
}

// ParseJobStatus reads a status name, ignoring case and surrounding space.
func ParseJobStatus(s string) (JobStatus, error) {
	v := JobStatus(strings.ToLower(strings.TrimSpace(s)))
	if !v.Valid() {
		return "", Errorf(CodeInvalid, "unknown job status %q", s)
	}
	return v, nil
}
