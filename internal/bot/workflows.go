package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// maxWorkflowFile caps an uploaded workflow: the largest real ones are a
// few hundred KiB.
const maxWorkflowFile = 2 << 20

var workflowName = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

func (b *Bot) workflowRoutes() []route {
	return []route{
		{pattern: "/admin/workflow/add", perm: permission.PathAdminWorkflowAdd, run: b.workflowAdd},
		{pattern: "/admin/workflow/list", perm: permission.PathAdminWorkflowList, run: b.workflowList},
		{pattern: "/admin/workflow/remove", perm: permission.PathAdminWorkflowRemove, run: b.workflowRemove, complete: b.completeServerWorkflow},
		{pattern: "/admin/workflow/default", perm: permission.PathAdminWorkflowDefault, run: b.workflowDefault, complete: b.completeDefaultWorkflow},
	}
}

// workflowAdd reads an uploaded workflow, checks it against ComfyUI and
// stores it for this server. Nothing is stored unless every check passed,
// so a refused file leaves a workflow of the same name as it was.
func (b *Bot) workflowAdd(c *call) error {
	d := c.slash()
	name := d.String("name")
	if !workflowName.MatchString(name) {
		return model.Errorf(model.CodeInvalid, "A workflow name is 1–%d characters of a-z, 0-9, `-` and `_` (you gave %s); for example `name:portrait-sdxl`.",
			maxWorkflowName, model.Quote(name))
	}
	if err := b.library.CheckServerName(name); err != nil {
		return workflowProblem(err)
	}
	file, ok := d.OptAttachment("file")
	if !ok {
		return model.Errorf(model.CodeInvalid, "Attach the workflow file as `file:` (in ComfyUI: Workflow → Export (API)).")
	}
	cats := b.jobs.Catalogues()
	if len(cats) == 0 {
		return model.Errorf(model.CodeUnavailable, "No ComfyUI backend is up, so the workflow cannot be checked against its nodes. "+
			"Try again when `/admin status` shows a backend up.")
	}
	data, err := b.download(c.ctx, file)
	if err != nil {
		return err
	}
	w, format, err := workflow.Load(data, cats[0].Info)
	if err != nil {
		return refusedFile(file.Filename, cats[0].Backend, err)
	}
	clean, redacted := workflow.Sanitize(w)
	entry := workflow.NewEntry(name, strings.TrimSpace(d.String("description")), clean, nil)
	cat, err := fitting(clean, entry.Bindings, cats)
	if err != nil {
		return refusedFile(file.Filename, cat.Backend, err)
	}
	graph, err := clean.Encode()
	if err != nil {
		return fmt.Errorf("encode workflow %q: %w", name, err)
	}
	if _, _, err := b.store.SaveWorkflow(c.ctx, c.guildID(), model.Workflow{Name: name, Description: entry.Description, Graph: graph}); err != nil {
		return err
	}
	replaced, err := b.library.Add(c.guildID(), entry)
	if err != nil {
		return workflowProblem(err)
	}
	report := workflow.InspectWith(clean, nil, cat.Info)
	b.log.Info("workflow saved", "guild_id", c.guildID(), "by", c.userID(), "workflow", name,
		"replaced", replaced, "format", string(format), "nodes", clean.Len(), "redacted", redacted)
	return c.reply(render.WorkflowAdded(render.WorkflowSaved{
		Name:        name,
		Description: entry.Description,
		Replaced:    replaced,
		Converted:   format == workflow.FormatUI,
		Nodes:       clean.Len(),
		CheckedOn:   cat.Backend,
		Redacted:    redacted,
		Bindings:    bindingRows(report),
		Warnings:    append(report.Warnings, checkpointWarnings(report, cat)...),
	}).Create())
}

// download fetches an uploaded file from Discord's CDN, within
// maxWorkflowFile, and checks that it is JSON.
func (b *Bot) download(ctx context.Context, file discord.Attachment) ([]byte, error) {
	data, err := b.fetchAttachment(ctx, file, maxWorkflowFile, func(size int) error {
		return model.Errorf(model.CodeInvalid, "`%s` is %s; a workflow file may be at most %s. Export it again without embedded images, or remove unused nodes.",
			file.Filename, mib(size), mib(maxWorkflowFile))
	})
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	if kind := http.DetectContentType(data); !strings.HasPrefix(kind, "text/plain") && !strings.Contains(kind, "json") ||
		!bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return nil, model.Errorf(model.CodeInvalid, "`%s` is not a JSON workflow (it looks like %s). Upload the .json file ComfyUI saves: Workflow → Export (API), or Save.",
			file.Filename, strings.SplitN(http.DetectContentType(data), ";", 2)[0])
	}
	return data, nil
}

func mib(n int) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// fitting returns the first catalogue the workflow validates against, after
// the checkpoint swap jobs make; when none fits, it returns the catalogue
// with the fewest problems and its error, which lists them all.
func fitting(w *workflow.Workflow, b workflow.Bindings, cats []jobs.Catalogue) (jobs.Catalogue, error) {
	var (
		best    error
		bestCat jobs.Catalogue
	)
	fewest := -1
	for _, cat := range cats {
		built, err := workflow.ResolveCheckpoint(w, b, cat.Checkpoints, nil)
		if err == nil {
			err = workflow.Validate(built, cat.Info, b.InputImages()...)
		}
		if err == nil {
			return cat, nil
		}
		n := 1
		if ve, ok := errors.AsType[*workflow.ValidationError](err); ok {
			n = len(ve.Problems)
		}
		if fewest < 0 || n < fewest {
			best, bestCat, fewest = err, cat, n
		}
	}
	return bestCat, best
}

// refusedFile is the reply for a file that did not pass: every problem,
// and that nothing changed.
func refusedFile(filename, backend string, err error) error {
	unchanged := "Nothing was saved; a workflow of this name stays as it was."
	if ve, ok := errors.AsType[*workflow.ValidationError](err); ok {
		items := make([]string, len(ve.Problems))
		for i, p := range ve.Problems {
			items[i] = "• " + render.Escape(p.Message)
		}
		return &model.Error{Code: model.CodeInvalid, Err: err, Message: fmt.Sprintf(
			"`%s` does not fit ComfyUI **%s** (%d problem(s)):\n%s\n\n%s Install the missing nodes or models, or fix the values, and upload it again.",
			filename, backend, len(items), strings.Join(items, "\n"), unchanged)}
	}
	if we, ok := errors.AsType[*workflow.Error](err); ok {
		hint := "Fix the file and upload it again."
		switch we.Code {
		case workflow.CodeUIFormat:
			hint = ""
		case workflow.CodeInvalidJSON:
			hint = "Export it again from ComfyUI and upload that file."
		}
		return &model.Error{Code: model.CodeInvalid, Err: err, Message: strings.TrimSpace(fmt.Sprintf("`%s` was refused: %s\n\n%s %s",
			filename, render.Escape(we.Error()), unchanged, hint))}
	}
	return err
}

// bindingRows is the binding table of a report, in parameter order.
func bindingRows(r workflow.Report) []render.WorkflowBinding {
	var rows []render.WorkflowBinding
	for _, p := range workflow.AllParams() {
		row := render.WorkflowBinding{Param: string(p)}
		if br := r.Bindings[p]; br != nil {
			row.Node, row.Input, row.Via, row.More = br.Node, br.Input, string(br.Via), len(br.Targets)-1
		}
		rows = append(rows, row)
	}
	return rows
}

// checkpointWarnings names checkpoints the backend lacks: jobs run with the
// backend's first checkpoint instead until it is installed.
func checkpointWarnings(r workflow.Report, cat jobs.Catalogue) []string {
	var out []string
	for _, m := range r.Models {
		if m.Kind == "checkpoint" && !slices.Contains(cat.Checkpoints, m.Name) && len(cat.Checkpoints) > 0 {
			out = append(out, fmt.Sprintf("checkpoint %s (node %s) is not installed on %s; jobs use %s until it is",
				m.Name, m.Node, cat.Backend, cat.Checkpoints[0]))
		}
	}
	return out
}

// workflowList shows every workflow this server can use.
func (b *Bot) workflowList(c *call) error {
	def, err := b.serverDefaultWorkflow(c)
	if err != nil {
		return err
	}
	var items []render.WorkflowItem
	for _, e := range b.library.Entries(c.guildID()) {
		it := render.WorkflowItem{Name: e.Name, Source: string(e.Source), Description: e.Description, Default: e.Name == def}
		for _, p := range workflow.AllParams() {
			if _, ok := e.Bindings.Get(p); ok {
				it.Bound = append(it.Bound, string(p))
			}
		}
		items = append(items, it)
	}
	return c.reply(render.WorkflowList(items).Create())
}

// serverDefaultWorkflow is the workflow /generate runs when none is given.
func (b *Bot) serverDefaultWorkflow(c *call) (string, error) {
	srv, err := b.store.Server(c.ctx, c.guildID())
	if err != nil && model.ErrorCodeOf(err) != model.CodeNotFound {
		return "", err
	}
	if srv.DefaultWorkflow != "" {
		return srv.DefaultWorkflow, nil
	}
	return workflow.DefaultName, nil
}

// workflowRemove removes one of this server's workflows; folder and
// built-in ones are refused with where they live.
func (b *Bot) workflowRemove(c *call) error {
	name := c.slash().String("name")
	if e, err := b.library.Get(c.guildID(), name); err == nil && e.Source != workflow.SourceServer {
		return workflowProblem(b.library.Remove(c.guildID(), name))
	}
	wasDefault, err := b.store.DeleteWorkflow(c.ctx, c.guildID(), name)
	if err != nil {
		return err
	}
	// A stored workflow that did not load at start is not in the library.
	if err := b.library.Remove(c.guildID(), name); err != nil && !isWorkflowCode(err, workflow.CodeNotFound) {
		return workflowProblem(err)
	}
	b.log.Info("workflow removed", "guild_id", c.guildID(), "by", c.userID(), "workflow", name, "was_default", wasDefault)
	msg := fmt.Sprintf("Removed the workflow **%s**.", name)
	if wasDefault {
		msg += fmt.Sprintf(" It was this server's default workflow, so that setting was cleared: /generate now uses **%s** when no workflow is given.", workflow.DefaultName)
	}
	return c.text("%s", msg)
}

// workflowDefault sets the server's default workflow, as
// /admin config default_workflow does.
func (b *Bot) workflowDefault(c *call) error {
	name := c.slash().String("name")
	if err := b.checkWorkflowName(c, name); err != nil {
		return err
	}
	if _, err := b.store.UpdateServerSettings(c.ctx, c.guildID(), store.ServerSettingsUpdate{DefaultWorkflow: &name}); err != nil {
		return err
	}
	b.log.Info("server settings changed", "guild_id", c.guildID(), "by", c.userID(), "default_workflow", name)
	return c.text("**%s** is now this server's default workflow: /generate uses it when no workflow is given.", name)
}

// checkWorkflowName refuses a workflow name this server cannot use.
func (b *Bot) checkWorkflowName(c *call, name string) error {
	names := b.library.Names(c.guildID())
	if !slices.Contains(names, name) {
		return model.Errorf(model.CodeInvalid, "There is no workflow named %s. Available: %s.", model.Quote(name), strings.Join(names, ", "))
	}
	return nil
}

// completeServerWorkflow offers this server's own workflows (the ones
// /admin workflow remove can remove).
func (b *Bot) completeServerWorkflow(c *call) error {
	data := c.autocomplete().Data
	typed := strings.ToLower(data.String(data.Focused().Name))
	choices := []discord.AutocompleteChoice{}
	for _, e := range b.library.Entries(c.guildID()) {
		if e.Source == workflow.SourceServer && strings.Contains(e.Name, typed) && len(choices) < render.MaxChoices {
			choices = append(choices, discord.AutocompleteChoiceString{Name: e.Name, Value: e.Name})
		}
	}
	return c.e.AutocompleteResult(choices, c.opts())
}

// workflowProblem turns a library error into the user's message.
func workflowProblem(err error) error {
	we, ok := errors.AsType[*workflow.Error](err)
	if !ok {
		return err
	}
	code := model.CodeInvalid
	switch we.Code {
	case workflow.CodeNotFound:
		code = model.CodeNotFound
	case workflow.CodeNotRemovable:
		code = model.CodeForbidden
	}
	msg := we.Message
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	return &model.Error{Code: code, Message: render.Escape(msg), Err: err}
}

func isWorkflowCode(err error, code workflow.Code) bool {
	we, ok := errors.AsType[*workflow.Error](err)
	return ok && we.Code == code
}
