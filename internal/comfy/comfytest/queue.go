package comfytest

import (
	"container/heap"
	"encoding/json"
	"net/http"
)

// job is one queued prompt.
type job struct {
	number   float64
	id       string
	clientID string
	g        *graph
	prompt   rawJSON  // as submitted, encoded once: /queue, /history and saved images repeat it
	extra    object   // extra_data, with client_id when the prompt had one
	outputs  []string // run in this order
	listed   []string // outputs_to_execute as /queue and /history list it
	gen      int
}

// item is the 5-element queue entry of /queue and of history "prompt".
func (j *job) item() []any {
	return []any{num(j.number), j.id, j.prompt, j.extra, j.listed}
}

// jobHeap is ComfyUI's heapq of (number, prompt_id, ...): /queue shows the raw heap array.
type jobHeap []*job

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, k int) bool {
	if h[i].number != h[k].number {
		return h[i].number < h[k].number
	}
	return h[i].id < h[k].id
}
func (h jobHeap) Swap(i, k int) { h[i], h[k] = h[k], h[i] }
func (h *jobHeap) Push(x any)   { *h = append(*h, x.(*job)) }
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	*h = old[:len(old)-1]
	return j
}

// removeLocked deletes a pending job by prompt id and reports whether it was there.
func (s *Server) removePendingLocked(id string) bool {
	for i, j := range s.st.pending {
		if j.id == id {
			heap.Remove(&s.st.pending, i)
			return true
		}
	}
	return false
}

func (s *Server) handleGetQueue(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	running := []any{}
	if s.st.running != nil {
		running = append(running, s.st.running.item())
	}
	pending := make([]any, 0, len(s.st.pending))
	for _, j := range s.st.pending {
		pending = append(pending, j.item())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, object{{"queue_running", running}, {"queue_pending", pending}})
}

func (s *Server) handlePostQueue(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Clear  bool     `json:"clear"`
		Delete []string `json:"delete"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeServerError(w)
		return
	}
	s.mu.Lock()
	if body.Clear {
		s.st.pending = nil
		s.broadcastStatusLocked()
	}
	for _, id := range body.Delete {
		if s.removePendingLocked(id) {
			s.broadcastStatusLocked()
		}
	}
	s.changedLocked()
	s.mu.Unlock()
	writeEmpty(w, http.StatusOK)
}

// handleInterrupt sets the interrupt flag: for the named prompt only while it runs, or globally
// when no prompt_id is given. The flag takes effect at the next node start or progress step.
func (s *Server) handleInterrupt(w http.ResponseWriter, r *http.Request) {
	var body struct {
		PromptID *string `json:"prompt_id"`
	}
	// Like ComfyUI, an empty or unparsable body means a global interrupt.
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	switch {
	case body.PromptID == nil:
		s.st.interrupt = true
	case s.st.running != nil && s.st.running.id == *body.PromptID:
		s.st.interrupt = true
	default:
		s.log.Info("comfytest: interrupt for a prompt that is not running", "prompt_id", *body.PromptID)
	}
	s.mu.Unlock()
	writeEmpty(w, http.StatusOK)
}

func (s *Server) handleGetPrompt(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	info := s.queueInfoLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, info)
}
