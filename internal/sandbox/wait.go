package sandbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

const (
	// quietFor is how long the timeline must stay still for `wait idle`:
	// long enough for the last status edits after a job ended.
	quietFor  = 300 * time.Millisecond
	pollEvery = 100 * time.Millisecond
)

func (s *Session) wait(ctx context.Context, st Step) error {
	switch st.WaitFor {
	case "duration":
		return pause(ctx, st.Timeout)
	case "until":
		return s.waitUntil(ctx, st)
	case "idle":
		return s.waitIdle(ctx, st.Timeout)
	}
	return s.scriptErr(st, "unknown wait %q", st.WaitFor)
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// waitUntil waits for an event whose text matches, among those since the
// last action (any line but a wait) began: what that action caused, even
// when it showed before the wait. Like expect, a match also consumes the
// events up to it, so two waits need two events.
func (s *Session) waitUntil(ctx context.Context, st Step) error {
	ctx, cancel := context.WithTimeoutCause(ctx, st.Timeout, fmt.Errorf("wait until: nothing matched /%s/ within %s", st.Pattern, st.Timeout))
	defer cancel()
	from := max(s.cursor, s.actionSeq)
	e, err := s.discord.WaitFor(ctx, func(e discordtest.Event) bool {
		return e.Seq >= from && !s.isHidden(e) && st.Pattern.MatchString(eventText(e))
	})
	if err != nil {
		return context.Cause(ctx)
	}
	s.cursor = e.Seq + 1
	return nil
}

// waitIdle waits until the bot is done with every job and its messages.
func (s *Session) waitIdle(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		busy, err := s.busy(ctx)
		if err == nil && busy == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-deadline.C:
			if err != nil {
				return fmt.Errorf("wait idle: %w", err)
			}
			return fmt.Errorf("wait idle: still busy after %s: %s", timeout, busy)
		case <-tick.C:
		}
	}
}

// busy says what the bot is still doing, or "" when it is idle: no
// unfinished job, no status message waiting for its final (throttled) edit,
// nothing on the timeline for quietFor.
func (s *Session) busy(ctx context.Context) (string, error) {
	active, err := s.db.ActiveJobs(ctx)
	if err != nil {
		return "", fmt.Errorf("read the bot's jobs: %w", err)
	}
	if len(active) > 0 {
		return describeJobs(active), nil
	}
	if id, ok := s.stalledStatus(); ok {
		return fmt.Sprintf("the status message of finished job #%d still offers Cancel", id), nil
	}
	if !s.quiet() {
		return "messages still changing", nil
	}
	return "", nil
}

// stalledStatus finds a status message that still has its Cancel button,
// which only an unfinished job's has; called when no job is unfinished.
func (s *Session) stalledStatus() (int64, bool) {
	channels := []*discordtest.Channel{s.general, s.nsfw}
	for _, u := range s.users {
		channels = append(channels, s.discord.DM(u))
	}
	for _, ch := range channels {
		for _, m := range s.discord.Messages(ch.ID) {
			for _, b := range m.Buttons {
				if id, a, err := render.ParseJobButton(b.CustomID); err == nil && a == render.ActionCancel && !b.Disabled {
					return id, true
				}
			}
		}
	}
	return 0, false
}

// quiet reports whether nothing happened on the timeline for quietFor.
func (s *Session) quiet() bool {
	evs := s.discord.Events()
	return len(evs) == 0 || s.now().Sub(evs[len(evs)-1].T) >= quietFor
}

func describeJobs(jobs []model.Job) string {
	var parts []string
	for _, j := range jobs {
		parts = append(parts, fmt.Sprintf("job #%d %s", j.ID, j.Status))
	}
	return strings.Join(parts, ", ")
}
