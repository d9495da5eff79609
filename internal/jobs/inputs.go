package jobs

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// inputSlots pairs each input slot with the workflow parameter it fills.
var inputSlots = []struct {
	slot  string
	param workflow.Param
}{{model.InputImage, workflow.ParamImage}, {model.InputImage2, workflow.ParamImage2}}

// checkInputs refuses a job whose images do not fit its workflow: the
// workflow takes an image and none was given, or an image was given that
// the workflow has no place for. The second image is optional: a workflow
// keeps its own file where none is given.
func checkInputs(entry *workflow.Entry, inputs []model.Input) error {
	for _, s := range inputSlots {
		_, bound := entry.Bindings.Get(s.param)
		given := hasInput(inputs, s.slot)
		switch {
		case bound && !given && s.slot == model.InputImage:
			return model.Errorf(model.CodeInvalid, "The workflow %s starts from an image: attach one with the image option.", entry.Name)
		case given && !bound:
			return model.Errorf(model.CodeInvalid, "The workflow %s takes no %s; leave that option out or pick a workflow that takes an input image.",
				entry.Name, slotNoun(s.slot))
		}
	}
	return nil
}

func slotNoun(slot string) string {
	if slot == model.InputImage2 {
		return "second image"
	}
	return "input image"
}

func hasInput(inputs []model.Input, slot string) bool {
	for _, in := range inputs {
		if in.Slot == slot {
			return true
		}
	}
	return false
}

// pendingInputs are the graph inputs the job's images are written to: their
// file names exist only once uploaded, so the backend's list of input files
// cannot be checked against them.
func pendingInputs(b workflow.Bindings, inputs []model.Input) []workflow.Target {
	var out []workflow.Target
	for _, s := range inputSlots {
		if bind, ok := b.Get(s.param); ok && hasInput(inputs, s.slot) {
			out = append(out, bind.Targets...)
		}
	}
	return out
}

// uploadInputs sends a job's images to the backend it is about to run on,
// under names scoped to the job, and returns what LoadImage must name for
// each slot. Uploading without overwrite is safe to repeat: ComfyUI keeps
// an identical file under its name, so a re-queued job reuses its upload.
func uploadInputs(ctx context.Context, c *comfy.Client, job model.Job, inputs []model.Input) (map[string]string, error) {
	names := map[string]string{}
	for _, in := range inputs {
		f, err := c.UploadImage(ctx, uploadName(job.ID, in), in.Data, false)
		if err != nil {
			return nil, fmt.Errorf("upload the %s: %w", slotNoun(in.Slot), err)
		}
		names[in.Slot] = path.Join(f.Subfolder, f.Filename)
	}
	return names, nil
}

// uploadName is the job's own file name for an input, so that two jobs never
// share a file and an operator can tell where a file in ComfyUI's input
// folder came from.
func uploadName(jobID int64, in model.Input) string {
	ext := strings.TrimPrefix(in.MIME, "image/")
	if ext == "jpeg" {
		ext = "jpg"
	}
	return "discordsend-job" + strconv.FormatInt(jobID, 10) + "-" + in.Slot + "." + ext
}

// refused tells an upload the server turned down (a 4xx: too large, a bad
// name) from one that may work on a later try.
func refused(err error) bool {
	var he *comfy.HTTPError
	return errors.As(err, &he) && he.Status >= 400 && he.Status < 500
}
