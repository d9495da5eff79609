package bot

import (
	"slices"
	"strings"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

func (b *Bot) templateRoutes() []route {
	return []route{
		{pattern: "/template/save", perm: permission.PathTemplateSave, run: b.templateSave, complete: b.completeGenerate},
		{pattern: "/template/list", perm: permission.PathTemplateList, run: b.templateList},
		{pattern: "/template/load", perm: permission.PathTemplateLoad, run: b.templateLoad, complete: b.completeTemplateName},
		{pattern: "/template/delete", perm: permission.PathTemplateDelete, run: b.templateDelete, complete: b.completeTemplateName},
		{pattern: render.TemplateGeneratePattern, perm: permission.PathTemplateGenerate, ack: ackSelf, run: b.templateGenerateButton, submit: b.templateGenerateSubmit},
	}
}

func (b *Bot) templateSave(c *call) error {
	d := c.slash()
	in := inputFromSlash(d)
	t := model.Template{
		OwnerID:  c.userID(),
		GuildID:  c.guildID(),
		Shared:   d.Bool("shared"),
		Name:     strings.TrimSpace(d.String("name")),
		Prompt:   strings.TrimSpace(in.Prompt),
		Negative: strings.TrimSpace(in.Negative),
		Params:   in.Params,
	}
	t.Params.Workflow = in.Workflow
	if err := model.ValidateTemplateName(t.Name); err != nil {
		return err
	}
	if t.Shared && t.GuildID == "" {
		return model.Errorf(model.CodeInvalid, "Shared templates belong to a server; save it in a server, or without `shared`.")
	}
	if in.Workflow != "" {
		if err := b.checkWorkflowName(c, in.Workflow); err != nil {
			return err
		}
	}
	probe := t.Params
	probe.Prompt, probe.Negative = strings.ReplaceAll(t.Prompt, model.PromptPlaceholder, "x"), t.Negative
	if err := b.checkParams(probe); err != nil {
		return err
	}
	if _, err := b.store.UpsertUser(c.ctx, c.userID(), c.userName()); err != nil {
		return err
	}
	saved, err := b.store.CreateTemplate(c.ctx, t)
	if err != nil {
		return err
	}
	return c.reply(render.TemplateView(saved, c.userID()).Create())
}

func (b *Bot) templateList(c *call) error {
	scope := store.TemplateScope(c.slash().String("scope"))
	ts, err := b.store.ListTemplates(c.ctx, store.TemplateFilter{UserID: c.userID(), GuildID: c.guildID(), Scope: scope})
	if err != nil {
		return err
	}
	return c.reply(render.TemplateList(ts, c.userID()).Create())
}

func (b *Bot) templateLoad(c *call) error {
	t, err := b.store.FindTemplate(c.ctx, c.userID(), c.guildID(), c.slash().String("name"))
	if err != nil {
		return err
	}
	return c.reply(render.TemplateView(t, c.userID()).Create())
}

// templateDelete deletes the caller's template, or a shared one: the
// caller's own with generator, someone else's with admin.
func (b *Bot) templateDelete(c *call) error {
	t, err := b.store.FindTemplate(c.ctx, c.userID(), c.guildID(), c.slash().String("name"))
	if err != nil {
		return err
	}
	if t.OwnerID != c.userID() && c.level < model.LevelAdmin {
		return model.Errorf(model.CodeForbidden, "Template %s was shared by %s; only they or an admin may delete it.", model.Quote(t.Name), render.Mention(t.OwnerID))
	}
	if err := b.store.DeleteTemplate(c.ctx, t.ID); err != nil {
		return err
	}
	return c.text("Deleted template **%s**.", render.Escape(t.Name))
}

// completeTemplateName offers the caller's templates, then the server's
// shared ones; never another user's private ones.
func (b *Bot) completeTemplateName(c *call) error {
	data := c.autocomplete().Data
	choices, err := b.templateChoices(c, data.String(data.Focused().Name))
	if err != nil {
		return err
	}
	return c.e.AutocompleteResult(choices, c.opts())
}

// templateChoices are the templates whose names start with typed: the
// caller's private ones first, then the server's shared ones, at most 25.
// Asking for each group apart keeps a server with many shared templates
// from pushing the caller's own out of the list.
func (b *Bot) templateChoices(c *call, typed string) ([]discord.AutocompleteChoice, error) {
	f := store.TemplateFilter{UserID: c.userID(), GuildID: c.guildID(), Prefix: strings.TrimSpace(typed)}
	f.Scope = store.ScopeMine
	mine, err := b.store.ListTemplates(c.ctx, f)
	if err != nil {
		return nil, err
	}
	ts := slices.DeleteFunc(mine, func(t model.Template) bool { return t.Shared })
	if len(ts) < render.MaxChoices && c.guildID() != "" {
		f.Scope, f.Limit = store.ScopeShared, render.MaxChoices-len(ts)
		shared, err := b.store.ListTemplates(c.ctx, f)
		if err != nil {
			return nil, err
		}
		ts = append(ts, shared...)
	}
	return render.TemplateChoices(ts), nil
}

// templateGenerateButton opens a modal for the prompt; modals cannot follow
// a deferral, so this answers directly.
func (b *Bot) templateGenerateButton(c *call) error {
	t, err := b.templateForButton(c)
	if err != nil {
		return err
	}
	c.answered = true
	return c.e.Modal(render.TemplateGenerateModal(t), c.opts())
}

// templateGenerateSubmit generates with the template and the prompt the
// modal asked for, combined as /generate template: combines them.
func (b *Bot) templateGenerateSubmit(c *call) error {
	t, err := b.templateForButton(c)
	if err != nil {
		return err
	}
	typed := c.modal().Data.Text(render.InputPrompt)
	in := genInput{
		Prompt:   model.CombinePrompt(t.Prompt, typed),
		Negative: t.Negative,
		Workflow: t.Params.Workflow,
		Params:   t.Params,
	}
	in.Params.Workflow = ""
	return b.submit(c, in)
}

// templateForButton finds the template a button names, if the caller may see it.
func (b *Bot) templateForButton(c *call) (model.Template, error) {
	id, err := c.varID("id")
	if err != nil {
		return model.Template{}, err
	}
	t, err := b.store.Template(c.ctx, id)
	if err != nil {
		return model.Template{}, err
	}
	if (!t.Shared && t.OwnerID != c.userID()) || (t.Shared && t.GuildID != c.guildID()) {
		return model.Template{}, model.Errorf(model.CodeNotFound, "That template is not available to you.")
	}
	return t, nil
}
