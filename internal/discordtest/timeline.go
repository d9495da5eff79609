package discordtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

// EventKind says what happened on the timeline.
type EventKind string

// Event kinds.
const (
	KindReply        EventKind = "reply"        // initial interaction response (Deferred: "is thinking…")
	KindFollowup     EventKind = "followup"     // followup message
	KindMessage      EventKind = "message"      // channel or DM message posted with the bot token
	KindPost         EventKind = "post"         // a user posted a message (PostUserMessage)
	KindEdit         EventKind = "edit"         // a message changed
	KindDelete       EventKind = "delete"       // a message was deleted, by the bot or a user
	KindModal        EventKind = "modal"        // a modal opened for the user
	KindAutocomplete EventKind = "autocomplete" // choices shown while typing
	KindError        EventKind = "error"        // a failed request, a failed interaction or a violation
)

// Event is one thing a user saw (or an error). Slices are shared and must not
// be modified.
type Event struct {
	Seq  int
	T    time.Time
	Kind EventKind
	// User is who acted (for replies, the interaction user) or who the
	// message is for (DMs, ephemeral messages); empty for public messages the
	// bot posted with its token.
	User          string
	Ephemeral     bool
	Deferred      bool
	ChannelID     snowflake.ID
	Channel       string
	MessageID     snowflake.ID
	InteractionID snowflake.ID
	Content       string
	Embeds        []Embed
	Buttons       []Button
	Files         []File
	Choices       []Choice
	Modal         *Modal
	// Error describes a KindError event.
	Error string
	// Violation marks errors that are contract violations by the bot.
	Violation bool
}

// Embed is the visible part of an embed.
type Embed struct {
	Title       string
	Description string
	URL         string
	Color       int
	Fields      []EmbedField
	Image       string
	Thumbnail   string
	Footer      string
	Author      string
}

// EmbedField is one embed field.
type EmbedField struct {
	Name   string
	Value  string
	Inline bool
}

// Button is a button on a message.
type Button struct {
	Label    string
	CustomID string
	Style    int
	URL      string
	Disabled bool
}

// File is an uploaded attachment. Width and Height are set for PNG, JPEG,
// GIF and WebP images. Data is shared and must not be modified.
type File struct {
	ID          snowflake.ID
	Name        string
	Description string
	ContentType string
	Size        int
	Width       int
	Height      int
	URL         string
	Data        []byte
}

// Choice is an autocomplete choice.
type Choice struct {
	Name  string
	Value any
}

// Modal is a modal the bot opened.
type Modal struct {
	CustomID string
	Title    string
	Fields   []ModalField
}

// ModalField is a text input of a modal.
type ModalField struct {
	CustomID    string
	Label       string
	Style       int
	Required    bool
	MinLength   int
	MaxLength   int
	Value       string
	Placeholder string
}

// String renders the event on one line, as the sandbox prints it.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-12s", e.T.Format("15:04:05.000"), e.Kind)
	if e.Channel != "" {
		fmt.Fprintf(&b, " %s", e.Channel)
	}
	if e.User != "" {
		fmt.Fprintf(&b, " @%s", e.User)
	}
	if e.Ephemeral {
		b.WriteString(" (only you)")
	}
	if e.Deferred {
		b.WriteString(" is thinking…")
	}
	if e.Error != "" {
		fmt.Fprintf(&b, " %s", e.Error)
	}
	if e.Content != "" {
		fmt.Fprintf(&b, " %q", e.Content)
	}
	for _, em := range e.Embeds {
		fmt.Fprintf(&b, " [embed %q", em.Title)
		if em.Description != "" {
			fmt.Fprintf(&b, " %q", em.Description)
		}
		for _, f := range em.Fields {
			fmt.Fprintf(&b, " %s=%q", f.Name, f.Value)
		}
		if em.Image != "" {
			fmt.Fprintf(&b, " image=%s", em.Image)
		}
		b.WriteString("]")
	}
	for _, f := range e.Files {
		fmt.Fprintf(&b, " [file %s %dB", f.Name, f.Size)
		if f.Width > 0 {
			fmt.Fprintf(&b, " %dx%d", f.Width, f.Height)
		}
		b.WriteString("]")
	}
	for _, bt := range e.Buttons {
		fmt.Fprintf(&b, " [button %q %s]", bt.Label, bt.CustomID)
	}
	for _, c := range e.Choices {
		fmt.Fprintf(&b, " [choice %q=%v]", c.Name, c.Value)
	}
	if e.Modal != nil {
		fmt.Fprintf(&b, " [modal %q %s", e.Modal.Title, e.Modal.CustomID)
		for _, f := range e.Modal.Fields {
			fmt.Fprintf(&b, " %s", f.CustomID)
		}
		b.WriteString("]")
	}
	return b.String()
}

// timeline is an append-only log of events with change notification.
type timeline struct {
	mu      sync.Mutex
	events  []Event
	changed chan struct{}
}

func newTimeline() *timeline { return &timeline{changed: make(chan struct{})} }

func (t *timeline) add(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.Seq = len(t.events)
	t.events = append(t.events, e)
	close(t.changed)
	t.changed = make(chan struct{})
}

// since returns the events from index i on and a channel closed on the next
// append.
func (t *timeline) since(i int) ([]Event, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i > len(t.events) {
		i = len(t.events)
	}
	return append([]Event(nil), t.events[i:]...), t.changed
}

// Events returns a copy of the timeline so far.
func (s *Server) Events() []Event {
	evs, _ := s.timeline.since(0)
	return evs
}

// WaitFor returns the first event on the timeline, past or future, for which
// match returns true. Match on something specific to the step under test,
// such as InteractionID or MessageID, or on Seq beyond a known point.
func (s *Server) WaitFor(ctx context.Context, match func(Event) bool) (Event, error) {
	next := 0
	for {
		evs, changed := s.timeline.since(next)
		for _, e := range evs {
			if match(e) {
				return e, nil
			}
		}
		next += len(evs)
		select {
		case <-ctx.Done():
			return Event{}, fmt.Errorf("wait for event: %w", context.Cause(ctx))
		case <-changed:
		}
	}
}

// Subscribe streams the whole timeline, from the first event on, until ctx
// is done; the channel is then closed.
func (s *Server) Subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event)
	go func() {
		defer close(ch)
		next := 0
		for {
			evs, changed := s.timeline.since(next)
			for _, e := range evs {
				select {
				case ch <- e:
				case <-ctx.Done():
					return
				}
			}
			next += len(evs)
			select {
			case <-ctx.Done():
				return
			case <-changed:
			}
		}
	}()
	return ch
}
