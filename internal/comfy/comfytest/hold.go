package comfytest

import (
	"context"
	"fmt"
)

// Stage is where a held worker stops.
type Stage int

const (
	// StageTaken: the prompt left the queue (status sent), before execution_start.
	StageTaken Stage = iota + 1
	// StageNode: a node started (progress_state and executing sent) and passed its interrupt
	// check, before it does any work: an interrupt sent now stops the prompt at its next node
	// or progress step, as in ComfyUI.
	StageNode
	// StageDone: every node finished (the last executed sent), before execution_success.
	StageDone
)

func (s Stage) String() string {
	switch s {
	case StageTaken:
		return "taken"
	case StageNode:
		return "node"
	case StageDone:
		return "done"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// Checkpoint says where the held worker is.
type Checkpoint struct {
	PromptID string
	Stage    Stage
	Node     string // for StageNode
}

type parked struct {
	at      Checkpoint
	release chan struct{}
}

// Hold makes the worker stop at every checkpoint until Step or Release, so a test can act at an
// exact point of a prompt's run (between "executed" and "execution_success", for instance).
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = true
}

// Step lets a held worker go on to its next checkpoint.
func (s *Server) Step() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unparkLocked()
}

// Release ends Hold and lets the worker run freely.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked()
}

func (s *Server) releaseLocked() {
	s.hold = false
	s.unparkLocked()
}

func (s *Server) unparkLocked() {
	if s.parked != nil {
		close(s.parked.release)
		s.parked = nil
		s.changedLocked()
	}
}

// WaitHeld blocks until the held worker stops at a checkpoint and says where.
func (s *Server) WaitHeld(ctx context.Context) (Checkpoint, error) {
	var at Checkpoint
	err := s.waitFor(ctx, func() bool {
		if s.parked != nil {
			at = s.parked.at
			return true
		}
		return false
	})
	return at, err
}

// Settle blocks until the worker is stopped at a checkpoint or has nothing left to do: after
// it returns, the server sends nothing until the test acts (or steps the worker).
func (s *Server) Settle(ctx context.Context) error {
	return s.waitFor(ctx, func() bool {
		return s.parked != nil || (s.st.running == nil && len(s.st.pending) == 0)
	})
}

// checkpoint stops a held worker; it reports whether the job is still the running one.
func (s *Server) checkpoint(ctx context.Context, j *job, stage Stage, node string) bool {
	s.mu.Lock()
	if s.st.running != j || ctx.Err() != nil {
		s.mu.Unlock()
		return false
	}
	if !s.hold {
		s.mu.Unlock()
		return true
	}
	p := &parked{at: Checkpoint{PromptID: j.id, Stage: stage, Node: node}, release: make(chan struct{})}
	s.parked = p
	s.changedLocked()
	s.mu.Unlock()
	select {
	case <-p.release:
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parked == p {
		s.parked = nil
		s.changedLocked()
	}
	return s.st.running == j && ctx.Err() == nil
}
