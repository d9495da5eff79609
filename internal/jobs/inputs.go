package jobs

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/generation"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// uploadInputs sends a job's images to the backend it is about to run on,
// under names scoped to the job, and returns what LoadImage must name for
// each slot. Uploading without overwrite is safe to repeat: ComfyUI keeps
// an identical file under its name, so a re-queued job reuses its upload.
func uploadInputs(ctx context.Context, c *comfy.Client, job model.Job, inputs []model.Input) (map[string]string, error) {
	names := map[string]string{}
	for _, in := range inputs {
		f, err := c.UploadImage(ctx, uploadName(job.ID, in), in.Data, false)
		if err != nil {
			return nil, fmt.Errorf("upload the %s: %w", generation.SlotNoun(in.Slot), err)
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
