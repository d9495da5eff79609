package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// printer writes what users see, as it happens: a readable transcript, or
// one JSON object per event. Steps and events share the writer, so both go
// through its lock.
type printer struct {
	w     io.Writer
	json  bool
	start time.Time
	skip  func(discordtest.Event) bool

	mu      sync.Mutex
	line    int           // the script line being run
	seen    int           // timeline events consumed so far
	changed chan struct{} // closed and replaced whenever seen grows
}

func newPrinter(w io.Writer, asJSON bool, start time.Time, skip func(discordtest.Event) bool) *printer {
	return &printer{w: w, json: asJSON, start: start, skip: skip, changed: make(chan struct{})}
}

// pump prints the timeline until ctx ends.
func (p *printer) pump(ctx context.Context, events <-chan discordtest.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			p.event(e)
		}
	}
}

func (p *printer) event(e discordtest.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.skip(e) {
		p.writeEvent(e)
	}
	p.seen = e.Seq + 1
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *printer) writeEvent(e discordtest.Event) {
	t := e.T.Sub(p.start)
	if p.json {
		enc := json.NewEncoder(p.w)
		enc.SetEscapeHTML(false) // mentions stay readable: <@123>
		_ = enc.Encode(jsonOf(e, t))
		return
	}
	fmt.Fprintf(p.w, "%4d  %s  %s\n", p.line, clock(t), eventText(e))
}

// step announces the script line about to run; events print under it from
// now on. The JSON stream carries events only.
func (p *printer) step(st Step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line = st.Line
	if !p.json {
		fmt.Fprintf(p.w, "%4d> %s\n", st.Line, st.Text)
	}
}

// flush waits until every event on the timeline so far has been printed,
// so a step's events show before the next step's line.
func (p *printer) flush(ctx context.Context, upTo int) error {
	for {
		p.mu.Lock()
		done, changed := p.seen >= upTo, p.changed
		p.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("print events: %w", context.Cause(ctx))
		case <-changed:
		}
	}
}

// clock is a time since the start as m:ss.mmm.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	ms := d.Milliseconds()
	return fmt.Sprintf("%d:%02d.%03d", ms/60000, ms/1000%60, ms%1000)
}

// eventText is an event on one line, without its time; `wait until`
// patterns match it.
func eventText(e discordtest.Event) string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Channel != "" {
		b.WriteString(" " + e.Channel)
	}
	if e.User != "" {
		b.WriteString(" @" + e.User)
	}
	if e.Ephemeral {
		b.WriteString(" (only you)")
	}
	if e.Deferred {
		b.WriteString(" is thinking…")
	}
	if e.Error != "" {
		b.WriteString(": " + e.Error)
	}
	if e.Content != "" {
		fmt.Fprintf(&b, " %q", e.Content)
	}
	for _, em := range e.Embeds {
		writeEmbed(&b, em)
	}
	for _, f := range e.Files {
		fmt.Fprintf(&b, " [file %s %dB", f.Name, f.Size)
		if f.Width > 0 {
			fmt.Fprintf(&b, " %dx%d", f.Width, f.Height)
		}
		b.WriteString("]")
	}
	for _, bt := range e.Buttons {
		fmt.Fprintf(&b, " [button %q]", bt.Label)
	}
	for _, c := range e.Choices {
		fmt.Fprintf(&b, " [choice %q=%v]", c.Name, c.Value)
	}
	if m := e.Modal; m != nil {
		fmt.Fprintf(&b, " [modal %q", m.Title)
		for _, f := range m.Fields {
			fmt.Fprintf(&b, " %s=%q", f.CustomID, f.Value)
		}
		b.WriteString("]")
	}
	return b.String()
}

func writeEmbed(b *strings.Builder, em discordtest.Embed) {
	fmt.Fprintf(b, " [embed %q", em.Title)
	if em.Description != "" {
		fmt.Fprintf(b, " %q", em.Description)
	}
	for _, f := range em.Fields {
		fmt.Fprintf(b, " %s=%q", f.Name, f.Value)
	}
	if em.Image != "" {
		fmt.Fprintf(b, " image=%s", em.Image)
	}
	if em.Footer != "" {
		fmt.Fprintf(b, " footer=%q", em.Footer)
	}
	b.WriteString("]")
}

// jsonEvent is one line of --json output.
type jsonEvent struct {
	TMS       int64        `json:"t_ms"`
	Event     string       `json:"event"`
	User      string       `json:"user"`
	Ephemeral bool         `json:"ephemeral"`
	Deferred  bool         `json:"deferred,omitempty"`
	Channel   string       `json:"channel"`
	MessageID string       `json:"message_id"`
	Content   string       `json:"content"`
	Embeds    []jsonEmbed  `json:"embeds"`
	Buttons   []string     `json:"buttons"`
	Files     []jsonFile   `json:"files"`
	Choices   []jsonChoice `json:"choices"`
	Modal     *jsonModal   `json:"modal,omitempty"`
}

type jsonEmbed struct {
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Fields      []jsonField `json:"fields"`
	Image       string      `json:"image"`
	Footer      string      `json:"footer"`
}

type jsonField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type jsonFile struct {
	Name   string `json:"name"`
	Bytes  int    `json:"bytes"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

type jsonChoice struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

type jsonModal struct {
	CustomID string           `json:"custom_id"`
	Title    string           `json:"title"`
	Fields   []jsonModalField `json:"fields"`
}

type jsonModalField struct {
	CustomID string `json:"custom_id"`
	Label    string `json:"label"`
	Value    string `json:"value"`
	Required bool   `json:"required"`
}

// jsonOf converts an event; an error's text is its content, a modal's
// title too.
func jsonOf(e discordtest.Event, t time.Duration) jsonEvent {
	j := jsonEvent{
		TMS: max(t.Milliseconds(), 0), Event: string(e.Kind), User: e.User, Ephemeral: e.Ephemeral,
		Deferred: e.Deferred, Channel: e.Channel, Content: e.Content,
		Embeds: []jsonEmbed{}, Buttons: []string{}, Files: []jsonFile{}, Choices: []jsonChoice{},
	}
	if e.MessageID != 0 {
		j.MessageID = e.MessageID.String()
	}
	if e.Error != "" {
		j.Content = e.Error
	}
	for _, em := range e.Embeds {
		je := jsonEmbed{Title: em.Title, Description: em.Description, Fields: []jsonField{}, Image: em.Image, Footer: em.Footer}
		for _, f := range em.Fields {
			je.Fields = append(je.Fields, jsonField{Name: f.Name, Value: f.Value})
		}
		j.Embeds = append(j.Embeds, je)
	}
	for _, b := range e.Buttons {
		j.Buttons = append(j.Buttons, b.Label)
	}
	for _, f := range e.Files {
		j.Files = append(j.Files, jsonFile{Name: f.Name, Bytes: f.Size, Width: f.Width, Height: f.Height})
	}
	for _, c := range e.Choices {
		j.Choices = append(j.Choices, jsonChoice{Name: c.Name, Value: c.Value})
	}
	if m := e.Modal; m != nil {
		j.Content = m.Title
		j.Modal = &jsonModal{CustomID: m.CustomID, Title: m.Title, Fields: []jsonModalField{}}
		for _, f := range m.Fields {
			j.Modal.Fields = append(j.Modal.Fields, jsonModalField{CustomID: f.CustomID, Label: f.Label, Value: f.Value, Required: f.Required})
		}
	}
	return j
}
