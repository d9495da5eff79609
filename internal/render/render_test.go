package render

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func buttons(m Message) []discord.ButtonComponent {
	var out []discord.ButtonComponent
	for _, c := range m.Components {
		if row, ok := c.(discord.ActionRowComponent); ok {
			for _, ic := range row.Components {
				if b, ok := ic.(discord.ButtonComponent); ok {
					out = append(out, b)
				}
			}
		}
	}
	return out
}

func jsonOf(t *testing.T, payload any) string {
	t.Helper()
	return string(marshal(t, payload))
}

func TestStatusByState(t *testing.T) {
	colors := map[int]model.JobStatus{}
	for _, s := range model.JobStatuses() {
		t.Run(string(s), func(t *testing.T) {
			j := testJob(s)
			m := Status(j, StatusView{Now: testNow, PreviewFile: "preview.png", Fraction: 0.5, Node: "KSampler"})
			checkLimits(t, m)
			bs := buttons(m)
			wantCancel := s == model.StatusQueued || s == model.StatusSubmitted || s == model.StatusRunning
			if got := len(bs) == 1 && bs[0].CustomID == "/job/42/cancel"; got != wantCancel {
				t.Errorf("cancel button present = %v, want %v (buttons %+v)", got, wantCancel, bs)
			}
			e := m.Embeds[0]
			if prev, dup := colors[e.Color]; dup && !(prev.Active() && s.Active() && s != model.StatusQueued && prev != model.StatusQueued) {
				t.Errorf("%s has the colour of %s", s, prev)
			}
			colors[e.Color] = s
			if hasPreview := e.Image != nil; hasPreview != (s == model.StatusRunning || s == model.StatusSubmitted) {
				t.Errorf("preview shown = %v in %s", hasPreview, s)
			}
			if !strings.Contains(e.Description, "<@"+ownerID+">") || !strings.Contains(e.Footer.Text, "Job #42") {
				t.Errorf("owner or footer missing: %q / %q", e.Description, e.Footer.Text)
			}
			if !strings.Contains(e.Description, "cyberpunk") {
				t.Errorf("prompt missing: %q", e.Description)
			}
			up := m.Update()
			if up.Components == nil || (!wantCancel && len(*up.Components) != 0) {
				t.Errorf("update does not clear the buttons of a %s job", s)
			}
		})
	}
}

func TestStatusDetails(t *testing.T) {
	tests := []struct {
		name string
		job  model.Job
		view StatusView
		want []string
	}{
		{"queued position and eta", testJob(model.StatusQueued), StatusView{Position: 3, QueueLength: 7, ETA: 2 * time.Minute}, []string{"#3 of 7", "~2 min"}},
		{"queued unknown", testJob(model.StatusQueued), StatusView{}, []string{"Waiting for a free GPU"}},
		{"running", testJob(model.StatusRunning), StatusView{Now: testNow, Node: "KSampler", Step: 12, MaxSteps: 30, Fraction: 0.42, Elapsed: 65 * time.Second}, []string{"▰▰▰▰▱▱▱▱▱▱ 42%", "KSampler", "step 12/30", "1m 05s"}},
		{"completed here", testJob(model.StatusCompleted), StatusView{Now: testNow}, []string{"Took", "123456789", "Result below."}},
		{"completed elsewhere", testJob(model.StatusCompleted), StatusView{Now: testNow, ResultURL: "https://discord.com/channels/1/2/3"}, []string{"(https://discord.com/channels/1/2/3)"}},
		{"failed", testJob(model.StatusFailed), StatusView{}, []string{"CUDA out of memory", "What to do"}},
		{"cancelled by", testJob(model.StatusCancelled), StatusView{CancelledBy: otherID}, []string{"Cancelled by <@" + otherID + ">"}},
		{"cancelled", testJob(model.StatusCancelled), StatusView{}, []string{"was cancelled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Status(tt.job, tt.view).Embeds[0]
			text := e.Title + "\n" + e.Description
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("status does not contain %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "Traceback") || strings.Contains(text, "execution.py") {
				t.Errorf("status shows a traceback:\n%s", text)
			}
		})
	}
}

// TestPrivatePrompt checks that a DM-delivered job's prompts reach nobody
// but its owner.
func TestPrivatePrompt(t *testing.T) {
	j := dmJob(model.StatusCompleted)
	page := func(viewer string) Message {
		return History(HistoryPage{Ref: HistoryRef{Owner: viewer, FilterUser: ownerID, Page: 1}, Total: 1, Jobs: []model.Job{j}})
	}
	queue := func(viewer string) Message {
		return Queue(QueueView{Viewer: viewer, Now: testNow, Entries: []QueueEntry{{Job: dmJob(model.StatusQueued), Position: 1}}})
	}
	tests := []struct {
		name      string
		forOthers Message
		forOwner  Message
	}{
		{"status", Status(j, StatusView{Now: testNow}), Status(j, StatusView{Now: testNow, Viewer: ownerID})},
		{"info", JobInfo(j, otherID, testNow), JobInfo(j, ownerID, testNow)},
		{"history", page(otherID), page(ownerID)},
		{"queue", queue(otherID), queue(ownerID)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			others, owner := jsonOf(t, tt.forOthers.Create()), jsonOf(t, tt.forOwner.Create())
			if strings.Contains(others, "secret") {
				t.Errorf("others see the prompt:\n%s", others)
			}
			if !strings.Contains(others, "private") {
				t.Errorf("others are not told the prompt is private:\n%s", others)
			}
			if !strings.Contains(owner, "secret portrait") {
				t.Errorf("the owner does not see the prompt:\n%s", owner)
			}
		})
	}
}

func TestResultButtons(t *testing.T) {
	tests := []struct {
		name    string
		job     model.Job
		first   int
		actions []JobAction
	}{
		{"channel", testJob(model.StatusCompleted), 0, []JobAction{ActionReroll, ActionEdit, ActionSaveTemplate, ActionDM, ActionInfo, ActionDelete}},
		{"dm", dmJob(model.StatusCompleted), 0, []JobAction{ActionReroll, ActionEdit, ActionSaveTemplate, ActionInfo, ActionDelete}},
		{"later part", testJob(model.StatusCompleted), 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ResultMessage(Result{Job: tt.job, Now: testNow, Files: []string{"a.png"}, First: tt.first, Total: 11})
			checkLimits(t, m)
			bs := buttons(m)
			if len(bs) != len(tt.actions) {
				t.Fatalf("%d buttons, want %d", len(bs), len(tt.actions))
			}
			for i, b := range bs {
				id, a, err := ParseJobButton(b.CustomID)
				if err != nil || id != 42 || a != tt.actions[i] {
					t.Errorf("button %d: %q parses to %d %q %v, want 42 %q", i, b.CustomID, id, a, err, tt.actions[i])
				}
				if (a == ActionDelete) != (b.Style == discord.ButtonStyleDanger) {
					t.Errorf("button %q has style %d", b.Label, b.Style)
				}
			}
			if len(m.Ping) != 1 || m.Ping[0].String() != ownerID {
				t.Errorf("Ping = %v, want the owner only", m.Ping)
			}
			if !strings.HasPrefix(m.Content, "<@"+ownerID+">") {
				t.Errorf("content %q does not mention the owner", m.Content)
			}
			if img := m.Embeds[0].Image; img == nil || img.URL != "attachment://a.png" {
				t.Errorf("embed image = %+v", img)
			}
		})
	}
}

func TestResultNotes(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want []string
	}{
		{"single", Result{Files: []string{"a.png"}}, []string{"your image is ready"}},
		{"all in one", Result{Files: []string{"a.png", "b.png"}}, []string{"your 2 images are ready"}},
		{"split", Result{Files: []string{"d.png", "e.png", "f.png"}, First: 3, Total: 12}, []string{"images 4–6 of 12", "3 of 12 images in this message"}},
		{"reencoded", Result{Files: []string{"a.jpg"}, Reencoded: 1, Downscaled: 3}, []string{"1 image was re-encoded", "3 images were downscaled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Job, tt.r.Now = testJob(model.StatusCompleted), testNow
			m := ResultMessage(tt.r)
			all := m.Content + "\n" + m.Embeds[0].Description
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("result does not say %q:\n%s", w, all)
				}
			}
		})
	}
}

func TestHistoryPaging(t *testing.T) {
	jobs := make([]model.Job, 12)
	for i := range jobs {
		jobs[i] = testJob(model.StatusCompleted)
		jobs[i].ID = int64(100 - i)
	}
	tests := []struct {
		page, total, size      int
		prevOff, nextOff       bool
		footer                 string
		prevPage, nextPage, nj int
	}{
		{1, 25, 0, true, false, "Page 1/3 · 25 jobs", 0, 2, 10},
		{2, 25, 0, false, false, "Page 2/3 · 25 jobs", 1, 3, 10},
		{3, 25, 0, false, true, "Page 3/3 · 25 jobs", 2, 4, 10},
		{9, 25, 0, false, true, "Page 3/3 · 25 jobs", 2, 4, 10},
		{1, 0, 0, true, true, "Page 1/1 · 0 jobs", 0, 2, 0},
		{1, 10, 0, true, true, "Page 1/1 · 10 jobs", 0, 2, 10},
		{1, 12, 5, true, false, "Page 1/3 · 12 jobs", 0, 2, 5},
		{3, 12, 5, false, true, "Page 3/3 · 12 jobs", 2, 4, 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d by %d", tt.page, tt.total, tt.size), func(t *testing.T) {
			m := History(HistoryPage{Ref: HistoryRef{Owner: ownerID, Page: tt.page, Size: tt.size}, Total: tt.total, Jobs: jobs[:min(tt.total, len(jobs))]})
			checkLimits(t, m)
			bs := buttons(m)
			if len(bs) != 2 {
				t.Fatalf("%d buttons", len(bs))
			}
			if bs[0].Disabled != tt.prevOff || bs[1].Disabled != tt.nextOff {
				t.Errorf("disabled = %v/%v, want %v/%v", bs[0].Disabled, bs[1].Disabled, tt.prevOff, tt.nextOff)
			}
			prev, _ := ParseHistoryPage(bs[0].CustomID)
			next, _ := ParseHistoryPage(bs[1].CustomID)
			if prev.Page != tt.prevPage || next.Page != tt.nextPage || prev.Owner != ownerID || next.Size != tt.size {
				t.Errorf("buttons go to %+v and %+v", prev, next)
			}
			if f := m.Embeds[0].Footer.Text; !strings.HasPrefix(f, tt.footer) {
				t.Errorf("footer %q, want %q…", f, tt.footer)
			}
			if n := strings.Count(m.Embeds[0].Description, "**Job #"); n != tt.nj {
				t.Errorf("%d jobs listed, want %d", n, tt.nj)
			}
		})
	}
}

func TestHelpByLevel(t *testing.T) {
	tests := []struct {
		level   model.Level
		want    []string
		notWant []string
	}{
		{model.LevelUser, []string{"`/queue view`", "`/history list`", "`/help`", "`/preferences`"}, []string{"`/generate`", "`/template save`", "`/admin"}},
		{model.LevelGenerator, []string{"`/generate`", "`/template save`", "`/history rerun`"}, []string{"`/admin"}},
		{model.LevelAdmin, []string{"`/generate`", "`/admin setroles`", "`/admin clear`"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			m := Help(tt.level, Limits{QueuePerUser: 3, MaxSteps: 150, MinSteps: 1})
			checkLimits(t, m)
			d := m.Embeds[0].Description
			for _, w := range tt.want {
				if !strings.Contains(d, w) {
					t.Errorf("help lacks %s", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(d, w) {
					t.Errorf("help offers %s to a %s", w, tt.level)
				}
			}
			if strings.Contains(d, "—\n") || strings.HasSuffix(d, "—") {
				t.Error("a command has no description")
			}
			if !strings.Contains(m.Embeds[0].Fields[0].Value, "Steps 1–150") {
				t.Errorf("limits missing: %+v", m.Embeds[0].Fields)
			}
		})
	}
}

func TestFromError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    string
		notWant string
	}{
		{"queue full", fmt.Errorf("enqueue: %w", &model.QueueFullError{Active: 3, Limit: 3}), "Your queue is full (3/3). Wait for a job to finish or cancel one with /queue cancel.", ""},
		{"domain markdown is kept", fmt.Errorf("load: %w", model.Errorf(model.CodeInvalid, "`steps` must be from 1 to 150")), "`steps` must be from 1 to 150", ""},
		{"mass mentions are defused", model.Errorf(model.CodeNotFound, "no template is called %q", "@everyone"), "no template is called \"@\u200beveryone\"", ""},
		{"internal", errors.New("sql: database is locked at /var/lib/bot.db"), "Something went wrong", "database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := FromError(tt.err)
			checkLimits(t, m)
			d := m.Embeds[0].Description
			if !strings.Contains(d, tt.want) || !m.Ephemeral {
				t.Errorf("FromError = %q (ephemeral %v), want %q", d, m.Ephemeral, tt.want)
			}
			if tt.notWant != "" && strings.Contains(jsonOf(t, m.Create()), tt.notWant) {
				t.Errorf("FromError leaks %q", tt.notWant)
			}
		})
	}
}

func TestModals(t *testing.T) {
	j := testJob(model.StatusCompleted)
	j.Seed, j.Params.Seed = 0, nil
	m := EditJobModal(j)
	checkLimits(t, m)
	values := map[string]string{}
	for _, c := range m.Components {
		in := c.(discord.LabelComponent).Component.(discord.TextInputComponent)
		values[in.CustomID] = in.Value
	}
	want := map[string]string{InputPrompt: j.Params.Prompt, InputNegative: j.Params.Negative, InputSteps: "30", InputCFG: "7.5", InputSeed: ""}
	for k, v := range want {
		if values[k] != v {
			t.Errorf("input %s = %q, want %q", k, values[k], v)
		}
	}
	if id, a, err := ParseJobButton(m.CustomID); err != nil || id != 42 || a != ActionEdit {
		t.Errorf("edit modal custom id %q", m.CustomID)
	}
	long := model.Template{ID: 9, Name: strings.Repeat("n", model.MaxTemplateNameLen), Prompt: hugeText(5000)}
	tm := TemplateGenerateModal(long)
	checkLimits(t, tm)
	if id, err := ParseTemplateGenerate(tm.CustomID); err != nil || id != 9 {
		t.Errorf("template modal custom id %q", tm.CustomID)
	}
}

func TestTemplateChoices(t *testing.T) {
	var ts []model.Template
	for i := range 40 {
		ts = append(ts, model.Template{ID: int64(i + 1), Name: fmt.Sprintf("template %02d", i), Shared: i%2 == 0})
	}
	ts = append([]model.Template{{Name: " "}, {Name: strings.Repeat("x", 150)}}, ts...)
	got := TemplateChoices(ts)
	checkLimits(t, got)
	if len(got) != MaxChoices {
		t.Fatalf("%d choices, want %d", len(got), MaxChoices)
	}
	// Private ones first (the odd ones), then shared ones, each in order.
	for i, want := range []string{"template 01", "template 03"} {
		if c := got[i].(discord.AutocompleteChoiceString); c.Name != want || c.Value != want {
			t.Errorf("choice %d = %+v, want the private %q", i, c, want)
		}
	}
	if c := got[20].(discord.AutocompleteChoiceString); c.Name != "template 00 (shared)" || c.Value != "template 00" {
		t.Errorf("the first shared choice %+v should follow the 20 private ones", c)
	}
}

// TestHugeInputsFit renders the worst inputs the bot can meet and checks
// every payload against Discord's limits.
func TestHugeInputsFit(t *testing.T) {
	var entries []QueueEntry
	for i := range 50 {
		j := hugeJob(model.StatusQueued)
		j.ID, j.UserID = int64(i+1), fmt.Sprintf("%018d", i%7)
		if i%5 == 0 {
			j.Delivery = model.DeliveryDM
		}
		if i < 2 {
			j.Status = model.StatusRunning
		}
		entries = append(entries, QueueEntry{Job: j, Position: max(i-1, 0), Fraction: 0.5})
	}
	var templates []model.Template
	for i := range 200 {
		templates = append(templates, model.Template{ID: int64(i + 1), OwnerID: ownerID, Name: strings.Repeat("名", model.MaxTemplateNameLen), Prompt: hugeText(4000), Negative: hugeText(4000), Shared: i%2 == 0,
			Params: model.Params{Checkpoint: hugeText(400), Workflow: hugeText(400), Steps: model.Ptr(30)}})
	}
	var backends []BackendStatus
	var mappings []model.RoleMapping
	for i := range 250 {
		backends = append(backends, BackendStatus{Name: hugeText(300), Up: i%2 == 0, QueueDepth: i, Error: hugeText(10_000)})
		mappings = append(mappings, model.RoleMapping{RoleID: fmt.Sprintf("%019d", i), Level: model.Levels()[i%3]})
	}
	var files []string
	for i := range 100 {
		files = append(files, fmt.Sprintf("%s_%03d.png", strings.Repeat("f", 80), i))
	}
	var notes []string
	for range 20 {
		notes = append(notes, hugeText(1000))
	}
	var jobs []model.Job
	for range 30 {
		jobs = append(jobs, hugeJob(model.StatusFailed))
	}
	huge := hugeText(10_000)

	payloads := map[string]any{
		"result":        ResultMessage(Result{Job: hugeJob(model.StatusCompleted), Now: testNow, Files: files, Total: 100, Reencoded: 100, Downscaled: 100, Notes: notes}),
		"result part":   ResultMessage(Result{Job: hugeJob(model.StatusCompleted), Now: testNow, Files: files[:10], First: 90, Total: 100}),
		"info":          JobInfo(hugeJob(model.StatusFailed), ownerID, testNow),
		"queue":         Queue(QueueView{Entries: entries, Viewer: fmt.Sprintf("%018d", 0), Limit: 3, Now: testNow}),
		"history":       History(HistoryPage{Ref: HistoryRef{Owner: ownerID, Status: model.StatusFailed, FilterUser: otherID, Page: 2}, Total: 10_000, Jobs: jobs}),
		"template list": TemplateList(templates, ownerID),
		"template view": TemplateView(templates[0], otherID),
		"choices":       TemplateChoices(templates),
		"edit modal":    EditJobModal(hugeJob(model.StatusCompleted)),
		"save modal":    SaveTemplateModal(hugeJob(model.StatusCompleted)),
		"tmpl modal":    TemplateGenerateModal(templates[0]),
		"admin status":  AdminStatus(SystemStatus{Version: huge, Uptime: 1000 * time.Hour, Backends: backends}),
		"admin roles":   AdminRoles(mappings),
		"settings":      ServerSettings(model.Server{Name: huge, DefaultWorkflow: huge, DMPolicy: model.DMEveryone}, ServerDefaults{}),
		"clear":         AdminClearConfirm(guildID, 1_000_000),
		"help":          Help(model.LevelAdmin, Limits{QueuePerUser: 1 << 40, MaxPromptLength: 1 << 40, MaxSteps: 1 << 40, MaxCFG: 1e300, MaxSize: 1 << 40, MaxBatch: 1 << 40}),
		"user error":    UserError(huge, huge, huge),
		"offline":       ComfyOffline(huge),
		"gen failed":    GenerationFailed(huge, huge),
		"invalid":       InvalidOption("steps", huge, "1–150"),
		"domain error":  FromError(model.Errorf(model.CodeInvalid, "%s", huge)),
	}
	for _, s := range model.JobStatuses() {
		payloads["status "+string(s)] = Status(hugeJob(s), StatusView{Now: testNow, Position: 50, QueueLength: 50, ETA: 100 * time.Hour, Node: huge, Step: 1, MaxSteps: 1 << 30, Fraction: 0.5, PreviewFile: files[0], Backend: huge, CancelledBy: otherID, ResultURL: "https://discord.com/channels/1/2/3"})
	}
	for name, p := range payloads {
		t.Run(name, func(t *testing.T) {
			checkLimits(t, p)
			m, ok := p.(Message)
			if !ok || name == "user error" {
				return // modal values are edited, not shown; UserError takes our own markdown
			}
			if md := markdownOf(m); strings.Contains(strings.ReplaceAll(md, `\@everyone`, ""), "@everyone") {
				t.Errorf("an unescaped @everyone reaches Discord's markdown")
			}
		})
	}
}

// markdownOf is the text of m that Discord renders as markdown (footers
// and author names are shown as they are).
func markdownOf(m Message) string {
	parts := []string{m.Content}
	for _, e := range m.Embeds {
		parts = append(parts, e.Title, e.Description)
		for _, f := range e.Fields {
			parts = append(parts, f.Name, f.Value)
		}
	}
	return strings.Join(parts, "\n")
}
