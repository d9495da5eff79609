package render

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Button custom IDs start with "/" so disgo's handler.Mux routes them, and
// carry the IDs they act on so a button still works after a restart. A
// modal opened by a button uses the button's custom ID: the mux routes
// modal submissions apart from button clicks.

// JobAction is what a button on a job's message does.
type JobAction string

// Job actions; each is the last segment of the button's custom ID.
const (
	ActionCancel       JobAction = "cancel"
	ActionReroll       JobAction = "reroll"
	ActionEdit         JobAction = "edit"
	ActionSaveTemplate JobAction = "savetemplate"
	ActionDM           JobAction = "dm"
	ActionInfo         JobAction = "info"
	ActionDelete       JobAction = "delete"
)

// JobActions lists every job action.
func JobActions() []JobAction {
	return []JobAction{ActionCancel, ActionReroll, ActionEdit, ActionSaveTemplate, ActionDM, ActionInfo, ActionDelete}
}

// Valid reports whether a is a defined action.
func (a JobAction) Valid() bool { return slices.Contains(JobActions(), a) }

// Path is the action's path in permission's requirement table.
func (a JobAction) Path() string { return "job " + string(a) }

// Route patterns for handler.Mux; the variables are named as here.
const (
	JobPattern              = "/job/{id}/{action}"
	HistoryPagePattern      = "/history/{owner}/{status}/{user}/{page}"
	TemplateGeneratePattern = "/template/{id}/generate"
	AdminClearPattern       = "/admin/clear/{guild}/confirm"
)

// JobButtonPattern is the mux pattern of one job action's button.
func JobButtonPattern(a JobAction) string { return "/job/{id}/" + string(a) }

// ErrCustomID is returned for a custom ID that is not one of ours.
var ErrCustomID = errors.New("unknown custom id")

// JobButtonID is the custom ID of a job's button: /job/{id}/{action}.
func JobButtonID(id int64, a JobAction) string {
	return "/job/" + strconv.FormatInt(id, 10) + "/" + string(a)
}

// ParseJobButton reads a custom ID written by JobButtonID.
func ParseJobButton(customID string) (int64, JobAction, error) {
	parts, ok := segments(customID, "job", 3)
	if !ok {
		return 0, "", fmt.Errorf("parse job button %q: %w", customID, ErrCustomID)
	}
	id, err := parseID(parts[1])
	if err != nil {
		return 0, "", fmt.Errorf("parse job button %q: %w", customID, err)
	}
	a := JobAction(parts[2])
	if !a.Valid() {
		return 0, "", fmt.Errorf("parse job button %q: unknown action: %w", customID, ErrCustomID)
	}
	return id, a, nil
}

// HistoryRef is what a history page button carries: who pages, through
// which filter, to which page (1-based), how many jobs a page lists.
type HistoryRef struct {
	Owner      string // the user paging; only they may press
	Status     model.JobStatus
	FilterUser string // empty: the owner's own jobs
	Page       int
	Size       int // jobs per page; 0 means HistoryPageSize
}

// PageSize is how many jobs a page of r lists.
func (r HistoryRef) PageSize() int {
	if r.Size < 1 || r.Size > HistoryPageSize {
		return HistoryPageSize
	}
	return r.Size
}

// ID is the custom ID of a button that shows this page:
// /history/{owner}/{status or "all"}/{filter user or "-"}/{page}, then
// /{size} when a page size was chosen.
func (r HistoryRef) ID() string {
	status := string(r.Status)
	if status == "" {
		status = "all"
	}
	user := r.FilterUser
	if user == "" {
		user = "-"
	}
	id := "/history/" + r.Owner + "/" + status + "/" + user + "/" + strconv.Itoa(r.Page)
	if r.Size != 0 {
		id += "/" + strconv.Itoa(r.Size)
	}
	return id
}

// ParseHistoryPage reads a custom ID written by HistoryRef.ID.
func ParseHistoryPage(customID string) (HistoryRef, error) {
	parts, ok := segments(customID, "history", 6)
	if !ok {
		parts, ok = segments(customID, "history", 5)
	}
	if !ok || parts[1] == "" {
		return HistoryRef{}, fmt.Errorf("parse history button %q: %w", customID, ErrCustomID)
	}
	r := HistoryRef{Owner: parts[1]}
	if parts[2] != "all" {
		s, err := model.ParseJobStatus(parts[2])
		if err != nil || string(s) != parts[2] {
			return HistoryRef{}, fmt.Errorf("parse history button %q: unknown status: %w", customID, ErrCustomID)
		}
		r.Status = s
	}
	switch parts[3] {
	case "":
		// ID writes no filter as "-": an empty field is no button of ours.
		return HistoryRef{}, fmt.Errorf("parse history button %q: no filter user: %w", customID, ErrCustomID)
	case "-":
	default:
		r.FilterUser = parts[3]
	}
	page, err := strconv.Atoi(parts[4])
	if err != nil || page < 0 || strconv.Itoa(page) != parts[4] {
		return HistoryRef{}, fmt.Errorf("parse history button %q: bad page: %w", customID, ErrCustomID)
	}
	r.Page = page
	if len(parts) == 6 {
		size, err := strconv.Atoi(parts[5])
		if err != nil || size < 1 || size > HistoryPageSize || strconv.Itoa(size) != parts[5] {
			return HistoryRef{}, fmt.Errorf("parse history button %q: bad page size: %w", customID, ErrCustomID)
		}
		r.Size = size
	}
	return r, nil
}

// TemplateGenerateID is the custom ID of a template's Generate button.
func TemplateGenerateID(templateID int64) string {
	return "/template/" + strconv.FormatInt(templateID, 10) + "/generate"
}

// ParseTemplateGenerate reads a custom ID written by TemplateGenerateID.
func ParseTemplateGenerate(customID string) (int64, error) {
	parts, ok := segments(customID, "template", 3)
	if !ok || parts[2] != "generate" {
		return 0, fmt.Errorf("parse template button %q: %w", customID, ErrCustomID)
	}
	id, err := parseID(parts[1])
	if err != nil {
		return 0, fmt.Errorf("parse template button %q: %w", customID, err)
	}
	return id, nil
}

// AdminClearID is the custom ID of the button that confirms /admin clear.
func AdminClearID(guildID string) string { return "/admin/clear/" + guildID + "/confirm" }

// ParseAdminClear reads a custom ID written by AdminClearID.
func ParseAdminClear(customID string) (string, error) {
	parts, ok := segments(customID, "admin", 4)
	if !ok || parts[1] != "clear" || parts[2] == "" || parts[3] != "confirm" {
		return "", fmt.Errorf("parse admin clear button %q: %w", customID, ErrCustomID)
	}
	return parts[2], nil
}

// segments splits "/first/a/b" into n parts and checks the first.
func segments(customID, first string, n int) ([]string, bool) {
	rest, ok := strings.CutPrefix(customID, "/")
	if !ok {
		return nil, false
	}
	parts := strings.Split(rest, "/")
	return parts, len(parts) == n && parts[0] == first
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, fmt.Errorf("bad id %q: %w", s, ErrCustomID)
	}
	return id, nil
}
