package bench

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// Progress is how far a run got.
type Progress struct {
	Delivered int `json:"delivered"`
	Total     int `json:"total"`
}

// stallAfter ends a run when no result arrived for this long, beyond the
// time a job itself takes: the missing jobs are then counted lost.
const stallAfter = 30 * time.Second

// A run ends once status messages were left alone for settleQuiet (more
// than the bot's 2 s between edits), so the last edits of the last jobs
// count too; at most settleMax after the last result.
const (
	settleQuiet = 2500 * time.Millisecond
	settleMax   = 15 * time.Second
)

// refusalPause is how long a user whose /generate was refused waits before
// trying again, when none of their jobs is left to wait for.
const refusalPause = 50 * time.Millisecond

// Run plays the users until every job was delivered or results stopped
// coming, then collects the observations. Each user keeps cfg.PerUser jobs
// in the bot's queue: a burst at the start, then one more for each result.
// progress, if not nil, is called as results arrive.
func (p *Peers) Run(ctx context.Context, progress func(Progress)) (Observations, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rec := newRecorder(p.users, p.cfg)
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		rec.consume(p.discord.Subscribe(ctx))
	}()
	var users sync.WaitGroup
	for i := range p.users {
		users.Go(func() { p.play(ctx, rec, i) })
	}
	stalled := rec.wait(ctx, p.cfg.JobTime+stallAfter, progress)
	if !stalled {
		rec.settle(ctx, settleQuiet, settleMax)
	}
	cancel()
	users.Wait()
	<-consumed
	obs := rec.observations()
	obs.Stalled = stalled
	runs, err := p.runs(context.WithoutCancel(ctx))
	if err != nil {
		return obs, err
	}
	obs.Runs = runs
	for _, ch := range p.channels {
		for _, m := range p.discord.Messages(ch.ID) {
			if !m.Ephemeral && m.InteractionID == 0 {
				obs.Messages = append(obs.Messages, Message{ID: m.ID.String(), Edits: m.EditTimes})
			}
		}
	}
	st := p.discord.Stats()
	obs.Requests, obs.RateLimited, obs.Violations = st.Requests, st.RateLimited, len(p.discord.Violations())
	return obs, nil
}

// play is one user: keep PerUser jobs active until the share is sent.
func (p *Peers) play(ctx context.Context, rec *recorder, i int) {
	if d := p.cfg.startOf(i); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	share := p.cfg.jobsOf(i)
	accepted, open, pending := 0, 0, 0 // pending: sent, reply not seen yet
	for accepted+pending < share || pending > 0 {
		for open < p.cfg.PerUser && accepted+pending < share {
			if !rec.send(ctx, p.discord, i, p.users[i], p.channels[i%len(p.channels)]) {
				return
			}
			open++
			pending++
		}
		var pause <-chan time.Time
		select {
		case <-ctx.Done():
			return
		case ev := <-rec.events[i]:
			switch ev {
			case eventAccepted:
				pending--
				accepted++
			case eventRefused:
				pending--
				open--
				if open == 0 {
					pause = time.After(refusalPause)
				}
			case eventDelivered:
				open--
			}
		}
		if pause != nil {
			select {
			case <-ctx.Done():
				return
			case <-pause:
			}
		}
	}
}

type userEvent int

const (
	eventAccepted userEvent = iota
	eventRefused
	eventDelivered
)

var (
	jobAnnounced = regexp.MustCompile(`Job \*\*#(\d+)\*\*`)
	resultTitle  = regexp.MustCompile(`Job #(\d+)`)
	mention      = regexp.MustCompile(`<@(\d+)>`)
)

// recorder follows the fake Discord's timeline: acknowledgements, replies
// and results, routed to the users they concern.
type recorder struct {
	cfg       Config
	byName    map[string]int
	byID      map[string]int
	events    []chan userEvent
	delivered chan struct{} // one token per first result of a job

	mu      sync.Mutex
	sent    map[snowflake.ID]*Interaction
	acks    map[snowflake.ID]time.Time
	replies map[snowflake.ID]discordtest.Event
	results []Result
	seen    map[int64]bool
	edited  time.Time // last edit of a message posted with the bot token
}

func newRecorder(users []*discordtest.User, cfg Config) *recorder {
	r := &recorder{
		cfg: cfg, byName: map[string]int{}, byID: map[string]int{},
		delivered: make(chan struct{}, cfg.Jobs+1),
		sent:      map[snowflake.ID]*Interaction{}, acks: map[snowflake.ID]time.Time{},
		replies: map[snowflake.ID]discordtest.Event{}, seen: map[int64]bool{},
	}
	for i, u := range users {
		r.byName[u.Name] = i
		r.byID[u.ID.String()] = i
		// Room for every event a user can cause, so consume never blocks.
		r.events = append(r.events, make(chan userEvent, 3*cfg.jobsOf(i)+cfg.PerUser+8))
	}
	return r
}

// send makes user i run /generate; false when the run is over.
func (r *recorder) send(ctx context.Context, d *discordtest.Server, i int, u *discordtest.User, ch *discordtest.Channel) bool {
	at := time.Now()
	ia := d.SlashCommand(ctx, u, ch, "generate", discordtest.StringArg("prompt", fmt.Sprintf("bench %s, a lighthouse at dusk", u.Name)))
	if ia.ID() == 0 {
		return false // the run ended, or the bot is gone
	}
	r.mu.Lock()
	r.sent[ia.ID()] = &Interaction{User: i, Sent: at}
	r.mu.Unlock()
	return true
}

func (r *recorder) consume(events <-chan discordtest.Event) {
	for e := range events {
		switch {
		case e.Kind == discordtest.KindReply && e.InteractionID != 0:
			r.mu.Lock()
			r.acks[e.InteractionID] = e.T
			r.mu.Unlock()
		case e.Kind == discordtest.KindEdit && e.InteractionID != 0:
			r.reply(e)
		case e.Kind == discordtest.KindEdit:
			r.mu.Lock()
			r.edited = e.T
			r.mu.Unlock()
		case e.Kind == discordtest.KindMessage && len(e.Files) > 0:
			r.result(e)
		}
	}
}

// reply is the edit that replaces "thinking…": a job number or a refusal.
func (r *recorder) reply(e discordtest.Event) {
	i, ok := r.byName[e.User]
	if !ok {
		return // the owner's setup command
	}
	r.mu.Lock()
	_, again := r.replies[e.InteractionID]
	r.replies[e.InteractionID] = e
	r.mu.Unlock()
	if again {
		return
	}
	if jobAnnounced.MatchString(e.Content) {
		r.events[i] <- eventAccepted
	} else {
		r.events[i] <- eventRefused
	}
}

func (r *recorder) result(e discordtest.Event) {
	if len(e.Embeds) == 0 {
		return
	}
	m := resultTitle.FindStringSubmatch(e.Embeds[0].Title)
	if m == nil {
		return
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	r.mu.Lock()
	r.results = append(r.results, Result{JobID: id, At: e.T, Files: len(e.Files)})
	first := !r.seen[id]
	r.seen[id] = true
	r.mu.Unlock()
	if !first {
		return
	}
	if u := mention.FindStringSubmatch(e.Content); u != nil {
		if i, ok := r.byID[u[1]]; ok {
			r.events[i] <- eventDelivered
		}
	}
	r.delivered <- struct{}{}
}

// wait returns when every job was delivered (false) or when no result came
// for quiet (true), calling progress along the way.
func (r *recorder) wait(ctx context.Context, quiet time.Duration, progress func(Progress)) (stalled bool) {
	done := 0
	timer := time.NewTimer(quiet)
	defer timer.Stop()
	for done < r.cfg.Jobs {
		select {
		case <-ctx.Done():
			return true
		case <-timer.C:
			return true
		case <-r.delivered:
			done++
			timer.Reset(quiet)
			if progress != nil {
				progress(Progress{Delivered: done, Total: r.cfg.Jobs})
			}
		}
	}
	return false
}

// settle waits until no status message was edited for quiet, or for at
// most limit.
func (r *recorder) settle(ctx context.Context, quiet, limit time.Duration) {
	deadline := time.After(limit)
	tick := time.NewTicker(quiet / 10)
	defer tick.Stop()
	for {
		r.mu.Lock()
		last := r.edited
		r.mu.Unlock()
		if time.Since(last) >= quiet {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			return
		case <-tick.C:
		}
	}
}

func (r *recorder) observations() Observations {
	r.mu.Lock()
	defer r.mu.Unlock()
	var obs Observations
	for id, ia := range r.sent {
		in := *ia
		in.Acked = r.acks[id]
		if e, ok := r.replies[id]; ok {
			if m := jobAnnounced.FindStringSubmatch(e.Content); m != nil {
				in.JobID, _ = strconv.ParseInt(m[1], 10, 64)
			} else {
				in.Refusal = refusalOf(e)
			}
		}
		obs.Interactions = append(obs.Interactions, in)
	}
	obs.Results = append(obs.Results, r.results...)
	return obs
}

func refusalOf(e discordtest.Event) string {
	if len(e.Embeds) > 0 && e.Embeds[0].Title != "" {
		return e.Embeds[0].Title
	}
	return strings.TrimSpace(e.Content)
}
