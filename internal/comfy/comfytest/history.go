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
	s.st.historyIDs[h.j.id]++
	if n := len(s.st.history) - maxHistory; n > 0 {
		for _, old := range s.st.history[:n] {
			s.forgetHistoryIDLocked(old.j.id)
		}
		s.st.history = s.st.history[n:]
	}
}

func (s *Server) forgetHistoryIDLocked(id string) {
	if n := s.st.historyIDs[id] - 1; n > 0 {
		s.st.historyIDs[id] = n
	} else {
		delete(s.st.historyIDs, id)
	}
}

// historyLocked finds the oldest entry of a prompt id. A full history holds thousands of
// entries and clients ask for recent ones, so an id known to be unique is looked for from the
// newest end; only a client reusing prompt ids costs a scan from the oldest.
func (s *Server) historyLocked(id string) *historyEntry {
	switch s.st.historyIDs[id] {
	case 0:
		return nil
	case 1:
		for i := len(s.st.history) - 1; i >= 0; i-- {
			if h := s.st.history[i]; h.j.id == id {
				return h
			}
		}
	}
	for _, h := range s.st.history {
		if h.j.id == id {
			return h
		}
	}
	return nil
}

func (s *Server) clearHistoryLocked() {
	s.st.history = nil
	clear(s.st.historyIDs)
}

// deleteHistoryLocked removes the oldest entry of a prompt id.
func (s *Server) deleteHistoryLocked(id string) {
	for i, h := range s.st.history {
		if h.j.id == id {
			s.st.history = append(s.st.history[:i], s.st.history[i+1:]...)
			s.forgetHistoryIDLocked(id)
			return
		}
	}
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
		s.clearHistoryLocked()
	}
	for _, id := range body.Delete {
		s.deleteHistoryLocked(id)
	}
	s.changedLocked()
	s.mu.Unlock()
	writeEmpty(w, http.StatusOK)
}
