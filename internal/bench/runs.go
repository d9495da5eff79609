package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// runs reads every backend's /history, as any ComfyUI client can: the
// execution_start and execution_success messages of each prompt carry
// ComfyUI's own timestamps.
func (p *Peers) runs(ctx context.Context) ([]Run, error) {
	var out []Run
	for i, f := range p.comfy {
		rs, err := readHistory(ctx, f.URL())
		if err != nil {
			return nil, fmt.Errorf("backend %d: %w", i+1, err)
		}
		for _, r := range rs {
			r.Backend = i
			out = append(out, r)
		}
	}
	return out, nil
}

type historyItem struct {
	Status struct {
		Messages []json.RawMessage `json:"messages"`
	} `json:"status"`
}

func readHistory(ctx context.Context, base string) ([]Run, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/history", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read history: %s", resp.Status)
	}
	var items map[string]historyItem
	if err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	out := make([]Run, 0, len(items))
	for id, it := range items {
		r := Run{PromptID: id}
		for _, raw := range it.Status.Messages {
			typ, at, err := statusMessage(raw)
			if err != nil {
				return nil, fmt.Errorf("read history of %s: %w", id, err)
			}
			switch typ {
			case "execution_start":
				r.Start = at
			case "execution_success":
				r.Success = at
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// statusMessage decodes ["type", {"timestamp": ms, ...}].
func statusMessage(raw json.RawMessage) (string, time.Time, error) {
	var pair []json.RawMessage
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
		return "", time.Time{}, fmt.Errorf("status message %s is not a [type, data] pair", raw)
	}
	var typ string
	var data struct {
		Timestamp int64 `json:"timestamp"`
	}
	if err := json.Unmarshal(pair[0], &typ); err != nil {
		return "", time.Time{}, fmt.Errorf("status message type: %w", err)
	}
	if err := json.Unmarshal(pair[1], &data); err != nil {
		return "", time.Time{}, fmt.Errorf("status message data: %w", err)
	}
	return typ, time.UnixMilli(data.Timestamp), nil
}
