package bench

import "time"

// Observations are what the peer process saw during a run: the users'
// side of Discord and the backends' side of ComfyUI.
type Observations struct {
	// Interactions are the /generate commands the users sent.
	Interactions []Interaction `json:"interactions"`
	// Results are the messages with files Discord accepted, by job.
	Results []Result `json:"results"`
	// Messages are the bot's channel messages and when each was edited.
	Messages []Message `json:"messages"`
	// Runs are the prompts the fake ComfyUIs executed.
	Runs []Run `json:"runs"`
	// Requests counts REST requests to Discord; RateLimited the 429s among
	// them; Violations the requests Discord would have refused.
	Requests    int `json:"requests"`
	RateLimited int `json:"rate_limited"`
	Violations  int `json:"violations"`
	// PeerCPU is the CPU time the peer process used (fakes and users).
	PeerCPU time.Duration `json:"peer_cpu"`
	// Stalled is set when the run ended because results stopped coming.
	Stalled bool `json:"stalled"`
}

// Interaction is one /generate and what became of it.
type Interaction struct {
	User  int       `json:"user"`
	Sent  time.Time `json:"sent"`
	Acked time.Time `json:"acked"` // zero: never acknowledged
	// JobID is the job the reply announced; zero when it was refused.
	JobID int64 `json:"job_id"`
	// Refusal is the title of the reply when no job was queued.
	Refusal string `json:"refusal,omitempty"`
}

// Result is a message that delivered a job's images.
type Result struct {
	JobID int64     `json:"job_id"`
	At    time.Time `json:"at"`
	Files int       `json:"files"`
}

// Message is one message the bot posted with its token.
type Message struct {
	ID    string      `json:"id"`
	Edits []time.Time `json:"edits"`
}

// Run is one prompt a backend executed.
type Run struct {
	Backend  int       `json:"backend"`
	PromptID string    `json:"prompt_id"`
	Start    time.Time `json:"start"`
	Success  time.Time `json:"success"` // zero: it did not succeed
}
