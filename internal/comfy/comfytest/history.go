package comfytest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// maxHistory is ComfyUI's history cap; the oldest entries are evicted.
const maxHistory = 10000

type historyEntry struct {
	j        *job
	outputs  object
	meta     object
	statusOK bool
	messages []any
}

func (h *historyEntry) value() object {
	str := "error"
	if h.statusOK {
		str = "success"
	}
	return object{
		{"prompt", h.j.item()},
		{"outputs", h.outputs},
		{"status", object{{"status_str", str}, {"completed", h.statusOK}, {"messages", h.messages}}},
		{"meta", h.meta},
	}
}

func (s *Server) addHistoryLocked(h *historyEntry) {
	s.st.history = append(s.st.history, h)
	if len(s.st.history) > maxHistory {
		s.st.history = s.st.history[len(s.st.history)-maxHistory:]
	}
}

func (s *Server) historyLocked(id string) *historyEntry {
	for _, h := range s.st.history {
		if h.j.id == id {
			return h
		}
	}
	return nil
}

func (s *Server) handleGetHistoryEntry(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := object{}
	if h := s.historyLocked(r.PathValue("id")); h != nil {
		out = object{{h.j.id, h.value()}}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// handleGetHistory follows PromptQueue.get_history: oldest first, max_items from the end unless an
// offset is given.
func (s *Server) handleGetHistory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	maxItems := -1
	if v := q.Get("max_items"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeServerError(w)
			return
		}
		maxItems = n
	}
	offset := -1
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeServerError(w)
			return
		}
		offset = n
	}
	s.mu.Lock()
	if offset < 0 && maxItems >= 0 {
		offset = len(s.st.history) - maxItems
	}
	out := object{}
	for i, h := range s.st.history {
		if i < offset {
			continue
		}
		out = append(out, member{h.j.id, h.value()})
		if maxItems >= 0 && len(out) >= maxItems {
			break
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePostHistory(w http.ResponseWriter, r *http.Request) {
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
		s.st.history = nil
	}
	for _, id := range body.Delete {
		for i, h := range s.st.history {
			if h.j.id == id {
				s.st.history = append(s.st.history[:i], s.st.history[i+1:]...)
				break
			}
		}
	}
	s.changedLocked()
	s.mu.Unlock()
	writeEmpty(w, http.StatusOK)
}
