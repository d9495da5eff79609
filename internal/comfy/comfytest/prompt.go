package comfytest

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/google/uuid"
)

// SubmittedPrompt is a prompt the fake accepted into its queue.
type SubmittedPrompt struct {
	PromptID  string
	ClientID  string
	Number    float64
	Prompt    json.RawMessage
	ExtraData json.RawMessage
}

// Submitted lists the prompts queued since the start (or the last Restart), oldest first; like
// the history it keeps the last 10000.
func (s *Server) Submitted() []SubmittedPrompt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.submitted)
}

func (s *Server) handlePostPrompt(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeServerError(w)
		return
	}
	v, err := decodeOrdered(data)
	body, ok := v.(object)
	if err != nil || !ok {
		writeServerError(w)
		return
	}
	// The number is taken before anything is checked: rejected prompts use one up too.
	s.mu.Lock()
	number := float64(s.st.number)
	if n, ok := body.get("number"); ok {
		number = numberValue(n)
	} else {
		if front, _ := body.get("front"); front == true {
			number = -number
		}
		s.st.number++
	}
	s.mu.Unlock()

	promptValue, ok := body.get("prompt")
	if !ok {
		writeJSON(w, http.StatusBadRequest, rejection("no_prompt", "No prompt provided", "No prompt provided"))
		return
	}
	g, err := parseGraph(promptValue)
	if err != nil {
		writeServerError(w)
		return
	}
	var targets []string
	if t, ok := body.get("partial_execution_targets"); ok && t != nil {
		list, _ := t.([]any)
		targets = stringList(list)
	}

	s.mu.Lock()
	res := validatePrompt(s.cat, g, targets, s.models, s.uploadNamesLocked())
	s.mu.Unlock()
	if res.reject != nil {
		writeJSON(w, http.StatusBadRequest, res.reject)
		return
	}

	id := uuid.NewString()
	if p, ok := body.get("prompt_id"); ok && p != nil {
		id = pyStr(p)
	}
	extra := object{}
	if e, ok := body.get("extra_data"); ok {
		if eo, ok := e.(object); ok {
			extra = append(extra, eo...)
		}
	}
	clientID := ""
	if c, ok := body.get("client_id"); ok {
		clientID = pyStr(c)
		extra.set("client_id", clientID)
	}
	// A decoded value always encodes: it holds only objects, lists, strings, numbers and bools.
	promptJSON, _ := appendJSON(nil, promptValue)
	j := &job{number: number, id: id, clientID: clientID, g: g, prompt: promptJSON, extra: extra, outputs: res.outputs}

	s.mu.Lock()
	j.gen = s.st.gen
	j.listed = s.listedOutputsLocked(j.outputs)
	heap.Push(&s.st.pending, j)
	extraJSON, _ := appendJSON(nil, extra)
	// Callers get a copy: what they do with it must not change what the fake serves.
	s.st.submitted = append(s.st.submitted, SubmittedPrompt{PromptID: id, ClientID: clientID, Number: number,
		Prompt: bytes.Clone(promptJSON), ExtraData: extraJSON})
	if len(s.st.submitted) > maxHistory {
		// A long-running fake keeps as many as ComfyUI keeps history entries.
		s.st.submitted = s.st.submitted[len(s.st.submitted)-maxHistory:]
	}
	s.broadcastStatusLocked()
	s.changedLocked()
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, object{{"prompt_id", id}, {"number", num(number)}, {"node_errors", res.nodeErrors}})
}

func numberValue(v any) float64 {
	switch t := v.(type) {
	case json.Number:
		f, _ := t.Float64()
		return f
	case string:
		f, _ := strconv.ParseFloat(t, 64)
		return f
	case bool:
		if t {
			return 1
		}
	}
	return 0
}
