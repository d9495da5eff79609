package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// QueueEntry is one active job with its place in the queue.
type QueueEntry struct {
	Job      model.Job
	Position int     // 1-based place among queued jobs; 0 once it left the queue
	Fraction float64 // progress of a running job, 0..1
}

// QueueView is the input of /queue view: the whole queue in order, who is
// looking and their per-user limit (0 unknown).
type QueueView struct {
	Entries []QueueEntry
	Viewer  string
	Limit   int
	Now     time.Time
}

const listPromptBudget = 60

// Queue renders /queue view: the viewer's jobs first, then everyone's.
func Queue(v QueueView) Message {
	var mine, all []string
	for _, e := range v.Entries {
		all = append(all, queueLine(e, v.Viewer, v.Now))
		if e.Job.UserID == v.Viewer {
			mine = append(mine, ownQueueLine(e, v.Now))
		}
	}
	var d strings.Builder
	d.WriteString(yourJobsHeading(len(mine), v.Limit))
	d.WriteByte('\n')
	if len(mine) == 0 {
		d.WriteString("You have no jobs in the queue.")
	} else {
		d.WriteString(lines(mine, 1200))
	}
	d.WriteString("\n\n**Everyone**\n")
	if len(all) == 0 {
		d.WriteString("The queue is empty.")
	} else {
		d.WriteString(lines(all, 2600))
	}
	e := discord.Embed{
		Title:       "Queue · " + plural(len(v.Entries), "job", "jobs"),
		Description: d.String(),
		Color:       colorInfo,
		Footer:      &discord.EmbedFooter{Text: queueFooter(v.Entries)},
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

func yourJobsHeading(n, limit int) string {
	if limit > 0 {
		return fmt.Sprintf("**Your jobs** (%d/%d)", n, limit)
	}
	return "**Your jobs**"
}

func queueFooter(entries []QueueEntry) string {
	running, queued := 0, 0
	for _, e := range entries {
		if e.Job.Status == model.StatusQueued {
			queued++
		} else {
			running++
		}
	}
	return fmt.Sprintf("%d running · %d waiting", running, queued)
}

// place is "#3" in the queue or "▶" once the job left it.
func place(e QueueEntry) string {
	if e.Position > 0 {
		return "`#" + strconv.Itoa(e.Position) + "`"
	}
	return "`▶`"
}

func queueLine(e QueueEntry, viewer string, now time.Time) string {
	j := e.Job
	return place(e) + " " + StatusEmoji(j.Status) + " " + Mention(j.UserID) + " · " + progressOrState(e, now) + " · " + listPrompt(j, viewer)
}

func ownQueueLine(e QueueEntry, now time.Time) string {
	j := e.Job
	return place(e) + " " + StatusEmoji(j.Status) + " **Job #" + strconv.FormatInt(j.ID, 10) + "** · " + progressOrState(e, now) + " · " + listPrompt(j, j.UserID)
}

func progressOrState(e QueueEntry, now time.Time) string {
	switch e.Job.Status {
	case model.StatusRunning:
		bar := ProgressBar(e.Fraction, barWidth)
		if d, ok := runTime(e.Job, now); ok {
			bar += " · " + Duration(d)
		}
		return bar
	case model.StatusQueued:
		if !e.Job.QueuedAt.IsZero() {
			return "queued " + Timestamp(e.Job.QueuedAt, "R")
		}
	}
	return string(e.Job.Status)
}

// listPrompt is a prompt on one list line.
func listPrompt(j model.Job, viewer string) string {
	if hidesPrompt(j, viewer) {
		return "(private)"
	}
	p := oneLine(j.Params.Prompt)
	if p == "" {
		return "*(empty prompt)*"
	}
	return text(p, listPromptBudget)
}
