package comfy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"
)

// NewPromptID returns a fresh prompt id in the canonical form every ComfyUI version accepts.
func NewPromptID() string { return uuid.NewString() }

// Submitted is a prompt ComfyUI queued.
type Submitted struct {
	PromptID string
	Number   float64 // ComfyUI's queue priority (lower runs first)
	// Warnings lists outputs that failed validation while others were queued: those outputs
	// will be missing from the result.
	Warnings []NodeError
}

// Submit queues an API-format workflow under promptID (see NewPromptID) for this client's
// WebSocket session. Call Track(promptID) first so no early event is missed. extra is merged
// into extra_data (e.g. extra_pnginfo). A refused workflow returns *ValidationError.
func (c *Client) Submit(ctx context.Context, prompt json.RawMessage, promptID string, extra map[string]any) (Submitted, error) {
	if err := checkPromptID(promptID); err != nil {
		return Submitted{}, err
	}
	body := map[string]any{"client_id": c.clientID, "prompt_id": promptID}
	if len(prompt) > 0 {
		// Without a prompt ComfyUI answers no_prompt, which maps to a clear error.
		body["prompt"] = prompt
	}
	if len(extra) > 0 {
		body["extra_data"] = extra
	}
	data, err := json.Marshal(body)
	if err != nil {
		return Submitted{}, fmt.Errorf("comfy: encode prompt: %w", err)
	}
	cl := call{method: http.MethodPost, path: []string{"prompt"}, body: data, contentType: "application/json"}
	r, err := c.send(ctx, cl)
	if err != nil {
		return Submitted{}, err
	}
	switch {
	case r.status == http.StatusBadRequest:
		if ve, ok := parseValidation(r.body, prompt); ok {
			return Submitted{}, ve
		}
		return Submitted{}, statusError(cl, r)
	case !r.ok():
		return Submitted{}, statusError(cl, r)
	}
	var wire struct {
		PromptID   string         `json:"prompt_id"`
		Number     float64        `json:"number"`
		NodeErrors wireNodeErrors `json:"node_errors"`
	}
	if err := json.Unmarshal(r.body, &wire); err != nil {
		return Submitted{}, fmt.Errorf("comfy: %s: decode answer: %w", cl, err)
	}
	s := Submitted{PromptID: wire.PromptID, Number: wire.Number, Warnings: nodeErrors(wire.NodeErrors, promptNodes(prompt))}
	if s.PromptID == "" {
		s.PromptID = promptID
	}
	if s.PromptID != promptID {
		// Servers before 0.3.45 ignore the client's id; follow theirs.
		c.log.Warn("server chose its own prompt id", "prompt_id", promptID, "server_prompt_id", s.PromptID)
		c.rekey(promptID, s.PromptID)
	}
	c.markSubmitted(s.PromptID)
	return s, nil
}

func checkPromptID(id string) error {
	u, err := uuid.Parse(id)
	if err != nil || u.String() != id {
		return fmt.Errorf("comfy: prompt id %q is not a lowercase UUID (use comfy.NewPromptID)", id)
	}
	return nil
}

// QueueItem is a prompt in ComfyUI's queue.
type QueueItem struct {
	Number   float64
	PromptID string
	ClientID string // extra_data.client_id: which client submitted it
}

// QueueState is GET /queue; Pending is sorted in run order.
type QueueState struct {
	Running []QueueItem
	Pending []QueueItem
}

// Contains reports whether the prompt is running or pending.
func (q QueueState) Contains(promptID string) bool {
	has := func(it QueueItem) bool { return it.PromptID == promptID }
	return slices.ContainsFunc(q.Running, has) || slices.ContainsFunc(q.Pending, has)
}

// Queue returns what ComfyUI is running and what waits.
func (c *Client) Queue(ctx context.Context) (QueueState, error) {
	var wire struct {
		Running []json.RawMessage `json:"queue_running"`
		Pending []json.RawMessage `json:"queue_pending"`
	}
	if err := c.getJSON(ctx, &wire, nil, "queue"); err != nil {
		return QueueState{}, err
	}
	var q QueueState
	for _, raw := range wire.Running {
		q.Running = append(q.Running, queueItem(raw))
	}
	for _, raw := range wire.Pending {
		q.Pending = append(q.Pending, queueItem(raw))
	}
	// ComfyUI shows its heap array; the run order is by number.
	slices.SortStableFunc(q.Pending, func(a, b QueueItem) int {
		switch {
		case a.Number < b.Number:
			return -1
		case a.Number > b.Number:
			return 1
		}
		return 0
	})
	return q, nil
}

// queueItem reads [number, prompt_id, prompt, extra_data, outputs_to_execute].
func queueItem(raw json.RawMessage) QueueItem {
	var parts []json.RawMessage
	_ = json.Unmarshal(raw, &parts)
	var it QueueItem
	if len(parts) > 0 {
		_ = json.Unmarshal(parts[0], &it.Number)
	}
	if len(parts) > 1 {
		_ = json.Unmarshal(parts[1], &it.PromptID)
	}
	if len(parts) > 3 {
		var extra struct {
			ClientID string `json:"client_id"`
		}
		_ = json.Unmarshal(parts[3], &extra)
		it.ClientID = extra.ClientID
	}
	return it
}

// Delete removes pending prompts from ComfyUI's queue. A running prompt is not affected (use
// Interrupt); unknown ids are ignored.
func (c *Client) Delete(ctx context.Context, promptIDs ...string) error {
	if len(promptIDs) == 0 {
		return nil
	}
	_, err := c.postJSON(ctx, map[string]any{"delete": promptIDs}, "queue")
	return err
}

// Interrupt stops the prompt if it is the one running (ComfyUI ≥ 0.3.57 checks the id). There is
// deliberately no way to send a bare interrupt, which would stop whoever's prompt is running.
func (c *Client) Interrupt(ctx context.Context, promptID string) error {
	if promptID == "" {
		return errors.New("comfy: interrupt needs a prompt id (a bare interrupt would stop any running prompt)")
	}
	_, err := c.postJSON(ctx, map[string]string{"prompt_id": promptID}, "interrupt")
	return err
}
