//go:build !race

package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// A workflow whose seed input ends at 1000 runs from /generate without a
// seed (the seed is drawn within the input's range, not refused after
// "queued"), and its PreviewImage is not delivered beside the result: the
// generate command does the same (TestGenerateDrawsSeedsInRangeAndSavesNoPreview).
func TestTheBotDrawsSeedsInRangeAndDeliversNoPreview(t *testing.T) {
	graph := readFile(t, testdataPath(t, "small_seed.json"))
	w := newWorld(t, withComfy(withTinySeed()))
	owner := w.guild.Owner()
	alice := w.generator("alice")
	if r := w.addWorkflow(owner, "tiny", "small_seed.json", graph); !strings.Contains(text(r), "saved") {
		t.Fatalf("add: %s", text(r))
	}
	for i := range 3 {
		id := jobIDOf(t, w.slash(alice, "generate", discordtest.StringArg("prompt", fmt.Sprintf("fox %d", i)), discordtest.StringArg("workflow", "tiny")))
		res := w.resultMessage(w.general, id)
		w.waitStatus(id, model.StatusCompleted)
		job := w.jobOf(id)
		if job.Status != model.StatusCompleted || job.Seed > tinySeedMax {
			t.Errorf("job %d: %s with seed %d, want completed with one of 0..%d (%s)", id, job.Status, job.Seed, tinySeedMax, job.ErrorMessage)
		}
		if got := w.graphOf(id)["20"].Inputs["seed"]; fmt.Sprint(got) != fmt.Sprint(job.Seed) {
			t.Errorf("job %d: ComfyUI got seed %v, the job says %d", id, got, job.Seed)
		}
		if len(res.Files) != 1 || strings.Contains(res.Files[0].Name, "temp") || len(job.Images) != 1 {
			t.Errorf("job %d: delivered %+v (recorded %d); want the SaveImage result only", id, res.Files, len(job.Images))
		}
	}
	if n := strings.Count(w.logs.String(), "checkpoint not on backend"); n > 3 {
		t.Errorf("the checkpoint swap was logged %d times for 3 jobs, want once per job at most", n)
	}
	w.noViolations()
}
