package bot

import (
	"strconv"
	"strings"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
)

// fromImageCommand is the message command on any message with an image.
func fromImageCommand() discord.ApplicationCommandCreate {
	return discord.MessageCommandCreate{Name: permission.PathFromImage, Contexts: contexts, IntegrationTypes: installs}
}

// fromImageRoutes: the command opens a prompt; the prompt, named by the
// message and attachment, reads the image afresh from Discord (attachment
// URLs expire) and queues the job.
func (b *Bot) fromImageRoutes() []route {
	return []route{
		{pattern: "/" + permission.PathFromImage, perm: permission.PathFromImage, ack: ackSelf, run: b.fromImageCommand},
		{pattern: render.FromImagePattern, perm: permission.PathFromImage, run: b.fromImageSubmit, submit: b.fromImageSubmit},
	}
}

func (b *Bot) fromImageCommand(c *call) error {
	msg := c.e.Interaction.(discord.ApplicationCommandInteraction).MessageCommandInteractionData().TargetMessage()
	n, ok := firstImage(msg.Attachments)
	if !ok {
		return model.Errorf(model.CodeInvalid, "That message has no PNG, JPEG or WEBP image to start from. Pick Apps → %s on a message with one.", permission.PathFromImage)
	}
	if _, err := b.startingWorkflow(c); err != nil {
		return err
	}
	c.answered = true
	return c.e.Modal(render.FromImageModal(msg.ChannelID, msg.ID, n, msg.Attachments[n].Filename), c.opts())
}

func (b *Bot) fromImageSubmit(c *call) error {
	ch, err := snowflake.Parse(c.vars["channel"])
	if err != nil {
		return err
	}
	id, err := snowflake.Parse(c.vars["message"])
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.vars["attachment"])
	if err != nil {
		return err
	}
	wf, err := b.startingWorkflow(c)
	if err != nil {
		return err
	}
	msg, err := b.client.Rest.GetMessage(ch, id, c.opts())
	if err != nil || n < 0 || n >= len(msg.Attachments) {
		return &model.Error{Code: model.CodeNotFound, Err: err, Message: "The image's message is gone, or the bot cannot read it any more; post the image again."}
	}
	img, err := b.fetchInput(c.ctx, model.InputImage, msg.Attachments[n])
	if err != nil {
		return err
	}
	data := c.modal().Data
	return b.submit(c, genInput{Prompt: data.Text(render.InputPrompt), Negative: data.Text(render.InputNegative),
		Workflow: wf, Inputs: []model.Input{img}})
}

// startingWorkflow is what a job from a posted image runs: the server's
// default workflow when it takes an image, else workflows.img2img.
func (b *Bot) startingWorkflow(c *call) (string, error) {
	def := ""
	if c.guildID() != "" {
		s, err := b.store.Server(c.ctx, c.guildID())
		if err != nil && model.ErrorCodeOf(err) != model.CodeNotFound {
			return "", err
		}
		def = s.DefaultWorkflow
	}
	return b.imageWorkflow(model.Job{GuildID: c.guildID(), WorkflowName: def})
}

// firstImage finds the first attachment that says it is an image the bot
// takes; its bytes are checked again once downloaded.
func firstImage(atts []discord.Attachment) (int, bool) {
	for i, a := range atts {
		ct := ""
		if a.ContentType != nil {
			ct = strings.SplitN(*a.ContentType, ";", 2)[0]
		}
		if _, ok := inputKinds[ct]; ok {
			return i, true
		}
	}
	return 0, false
}
