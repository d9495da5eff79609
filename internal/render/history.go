package render

import (
	"fmt"
	"strconv"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// HistoryPageSize is how many jobs a history page lists.
const HistoryPageSize = 10

// HistoryPage is one page of /history list: the jobs on it (newest first),
// how many match in all, and the filter that selected them. Ref.Page is
// 1-based; Ref.Owner is who pages and reads; Ref.PageSize jobs fill a page.
type HistoryPage struct {
	Ref   HistoryRef
	Jobs  []model.Job
	Total int
}

// Pages is how many pages of size jobs total jobs fill; never less than one.
func Pages(total, size int) int {
	size = max(size, 1)
	return max(1, (total+size-1)/size)
}

// History renders a history page with Previous and Next buttons.
func History(h HistoryPage) Message {
	size := h.Ref.PageSize()
	pages := Pages(h.Total, size)
	page := min(max(h.Ref.Page, 1), pages)
	items := make([]string, 0, len(h.Jobs))
	for _, j := range h.Jobs[:min(len(h.Jobs), size)] {
		items = append(items, historyLine(j, h.Ref.Owner))
	}
	desc := "No jobs yet."
	if len(items) > 0 {
		desc = lines(items, 3500)
	}
	if other(h.Ref) {
		desc = "Jobs of " + Mention(h.Ref.FilterUser) + "\n\n" + desc
	}
	e := discord.Embed{
		Title:       historyTitle(h.Ref),
		Description: desc,
		Color:       colorInfo,
		Footer:      &discord.EmbedFooter{Text: historyFooter(h.Ref, page, pages, h.Total)},
	}
	prev, next := h.Ref, h.Ref
	prev.Page, next.Page = page-1, page+1
	row := discord.NewActionRow(
		discord.NewSecondaryButton("◀ Previous", prev.ID()).WithDisabled(page <= 1),
		discord.NewSecondaryButton("Next ▶", next.ID()).WithDisabled(page >= pages),
	)
	return fitted(Message{
		Embeds:     []discord.Embed{e},
		Components: []discord.LayoutComponent{row},
		Ephemeral:  true,
	})
}

func historyTitle(r HistoryRef) string {
	if other(r) {
		return "History of a member"
	}
	return "Your history"
}

func historyFooter(r HistoryRef, page, pages, total int) string {
	status := "all"
	if r.Status != "" {
		status = string(r.Status)
	}
	return footer(fmt.Sprintf("Page %d/%d", page, pages), plural(total, "job", "jobs"), "status: "+status)
}

func historyLine(j model.Job, viewer string) string {
	line := StatusEmoji(j.Status) + " **Job #" + strconv.FormatInt(j.ID, 10) + "**"
	if t := firstTime(j.FinishedAt, j.QueuedAt, j.CreatedAt); !t.IsZero() {
		line += " · " + Timestamp(t, "R")
	}
	if j.UserID != viewer {
		line += " · " + Mention(j.UserID)
	}
	return line + " · " + listPrompt(j, viewer)
}

// other reports whether the page shows someone else's jobs.
func other(r HistoryRef) bool { return r.FilterUser != "" && r.FilterUser != r.Owner }
