package bot

import (
	"fmt"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/permission"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// ImageWorkflows name the workflows the image buttons run (workflows.upscale
// and workflows.img2img); an empty name, or one the server does not have,
// takes its buttons away.
type ImageWorkflows struct {
	Upscale string
	Img2Img string
}

// varyDenoise is how much of an image a variation repaints: enough to
// change details, little enough to keep its composition.
const varyDenoise = 0.55

// imageActionRoutes are the buttons on each result image. Like the other
// result buttons they carry only ids, and read the image back from the
// ComfyUI that made it, so they work after restarts.
func (b *Bot) imageActionRoutes() []route {
	return []route{
		{pattern: render.ImageActionPattern(render.ActionUpscale), perm: permission.PathJobUpscale, run: b.upscaleButton},
		{pattern: render.ImageActionPattern(render.ActionVary), perm: permission.PathJobVary, run: b.varyButton},
		{pattern: render.ImageActionPattern(render.ActionUseInput), perm: permission.PathJobUseInput, ack: ackSelf,
			run: b.useInputButton, submit: b.useInputSubmit},
	}
}

// imageActions says which image buttons a job's result offers.
func (b *Bot) imageActions(job model.Job) render.ImageActions {
	img2img := b.takesImage(job.GuildID, b.imageWorkflows.Img2Img)
	return render.ImageActions{
		Upscale:  b.takesImage(job.GuildID, b.imageWorkflows.Upscale),
		Vary:     img2img || b.binds(job.GuildID, job.WorkflowName, workflow.ParamSeed),
		UseInput: img2img || b.takesImage(job.GuildID, job.WorkflowName),
	}
}

func (b *Bot) takesImage(guild, name string) bool { return b.binds(guild, name, workflow.ParamImage) }

// binds reports whether the server's workflow name has a place for p.
func (b *Bot) binds(guild, name string, p workflow.Param) bool {
	if name == "" {
		return false
	}
	e, err := b.library.Get(guild, name)
	if err != nil {
		return false
	}
	_, ok := e.Bindings.Get(p)
	return ok
}

// imageButtonJob is the job and image number an image button names.
func (b *Bot) imageButtonJob(c *call) (model.Job, int, error) {
	id, err := c.varID("id")
	if err != nil {
		return model.Job{}, 0, err
	}
	n, err := c.varID("image")
	if err != nil {
		return model.Job{}, 0, err
	}
	job, err := b.reusableJob(c, id)
	return job, int(n), err
}

// resultImage reads image n of a job back from ComfyUI, as an input.
func (b *Bot) resultImage(c *call, job model.Job, n int) (model.Input, error) {
	files, err := b.jobs.Images(c.ctx, job)
	if err != nil {
		return model.Input{}, &model.Error{Code: model.CodeUnavailable, Err: err, Message: fmt.Sprintf(
			"Image %d of job #%d could not be read back from ComfyUI; it may have been removed from ComfyUI's output folder, or its server is down.", n, job.ID)}
	}
	var images []jobs.Image
	for _, f := range files {
		if f.Kind == model.KindImage || f.Kind == "" {
			images = append(images, f)
		}
	}
	if n < 1 || n > len(images) {
		return model.Input{}, model.Errorf(model.CodeNotFound, "Job #%d has no image %d.", job.ID, n)
	}
	return b.checkInput(model.InputImage, images[n-1].Name, images[n-1].Data)
}

// imageWorkflow is the workflow a new job starting from an image of job
// runs: the job's own when it takes an image, else the server's img2img.
func (b *Bot) imageWorkflow(job model.Job) (string, error) {
	switch {
	case b.takesImage(job.GuildID, job.WorkflowName):
		return job.WorkflowName, nil
	case b.takesImage(job.GuildID, b.imageWorkflows.Img2Img):
		return b.imageWorkflows.Img2Img, nil
	}
	return "", model.Errorf(model.CodeUnavailable, "No workflow here starts from an image. An operator can name one as `workflows.img2img` in the bot's configuration.")
}

func (b *Bot) upscaleButton(c *call) error {
	job, n, err := b.imageButtonJob(c)
	if err != nil {
		return err
	}
	if !b.takesImage(job.GuildID, b.imageWorkflows.Upscale) {
		return model.Errorf(model.CodeUnavailable, "Upscaling is not set up here any more (`workflows.upscale` names no workflow that takes an image).")
	}
	img, err := b.resultImage(c, job, n)
	if err != nil {
		return err
	}
	return b.submit(c, genInput{Prompt: job.Params.Prompt, Negative: job.Params.Negative, Workflow: b.imageWorkflows.Upscale,
		Delivery: job.Delivery, Inputs: []model.Input{img}})
}

// varyButton makes a variation of image n: a light repaint of it with the
// img2img workflow where there is one, else the job again with a nearby seed.
func (b *Bot) varyButton(c *call) error {
	job, n, err := b.imageButtonJob(c)
	if err != nil {
		return err
	}
	in := inputFromJob(job)
	if !b.takesImage(job.GuildID, b.imageWorkflows.Img2Img) {
		seed := (job.Seed + uint64(n)) % (maxTypedSeed + 1)
		in.Params.Seed = &seed
		return b.submit(c, in)
	}
	img, err := b.resultImage(c, job, n)
	if err != nil {
		return err
	}
	denoise := varyDenoise
	in.Workflow, in.Inputs, in.Params.Denoise = b.imageWorkflows.Img2Img, []model.Input{img}, &denoise
	in.Params.Width, in.Params.Height, in.Params.BatchSize = nil, nil, nil // the image sets them
	return b.submit(c, in)
}

func (b *Bot) useInputButton(c *call) error {
	job, n, err := b.imageButtonJob(c)
	if err != nil {
		return err
	}
	if _, err := b.imageWorkflow(job); err != nil {
		return err
	}
	c.answered = true
	return c.e.Modal(render.UseInputModal(job, n), c.opts())
}

// useInputSubmit starts a job from image n with the prompt the modal gave.
func (b *Bot) useInputSubmit(c *call) error {
	job, n, err := b.imageButtonJob(c)
	if err != nil {
		return err
	}
	wf, err := b.imageWorkflow(job)
	if err != nil {
		return err
	}
	img, err := b.resultImage(c, job, n)
	if err != nil {
		return err
	}
	data := c.modal().Data
	return b.submit(c, genInput{Prompt: render.KeptText(data.Text(render.InputPrompt), job.Params.Prompt),
		Negative: render.KeptText(data.Text(render.InputNegative), job.Params.Negative),
		Workflow: wf, Delivery: job.Delivery, Inputs: []model.Input{img}})
}
