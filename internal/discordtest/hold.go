package discordtest

import (
	"context"
	"slices"
)

// messageHold is the state of HoldCreatedMessages, guarded by Server.mu.
type messageHold struct {
	match func(Message) bool // nil holds nothing
	gate  chan struct{}      // closed by ReleaseCreatedMessages
	held  []Message          // created, their answers not sent yet
}

// HoldCreatedMessages makes Discord take every new message match accepts
// (POST /channels/{id}/messages, with the bot token) as usual: stored,
// shown on the timeline, its enforced nonce remembered. Only the answer
// is held, until ReleaseCreatedMessages, so that a test can stop the bot
// between Discord posting a message and the bot learning its id. A held
// answer is then sent as it was made, or dropped when the client hung up
// first. A create answered from its nonce (the message exists already) is
// not held.
func (s *Server) HoldCreatedMessages(match func(Message) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgHold.match = match
	if s.msgHold.gate == nil {
		s.msgHold.gate = make(chan struct{})
	}
}

// ReleaseCreatedMessages ends HoldCreatedMessages and sends every held
// answer.
func (s *Server) ReleaseCreatedMessages() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgHold.match = nil
	if s.msgHold.gate != nil {
		close(s.msgHold.gate)
		s.msgHold.gate = nil
	}
}

// HeldMessages lists the messages created whose answers are held now.
func (s *Server) HeldMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgHold.held)
}

// holdLocked marks rq's answer to be held when m is to be.
func (s *Server) holdLocked(rq *request, m *message) {
	h := &s.msgHold
	if h.match == nil {
		return
	}
	snap := s.snapshotLocked(m)
	if !h.match(snap) {
		return
	}
	h.held = append(h.held, snap)
	rq.held, rq.heldID = h.gate, m.id
}

// awaitRelease waits until rq's answer may go, if it is held, and reports
// whether it is to be sent: not when the client hung up meanwhile.
func (s *Server) awaitRelease(ctx context.Context, rq *request) bool {
	if rq.held == nil {
		return true
	}
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.msgHold.held = slices.DeleteFunc(s.msgHold.held, func(m Message) bool { return m.ID == rq.heldID })
	}()
	select {
	case <-rq.held:
		return true
	case <-ctx.Done():
		return false
	}
}
