package generation

import (
	"encoding/json"
	"strconv"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// MaxSeed keeps drawn seeds typeable: Discord's integer options end at 2^53.
const MaxSeed = 1<<53 - 1

// Seed is the seed a generation runs with: the one asked for, else the
// workflow's sidecar default, else one drawn with next within the range of
// the seed input on s (the workflow's own bound seed input, as s types it)
// and at most MaxSeed, so that it can be typed back into /generate.
func Seed(entry *workflow.Entry, asked *uint64, s Server, next func() uint64) uint64 {
	if asked != nil {
		return *asked
	}
	if entry.Sidecar != nil && entry.Sidecar.Defaults.Seed != nil {
		return *entry.Sidecar.Defaults.Seed
	}
	r := workflow.Range{Min: "0", Max: json.Number(strconv.FormatUint(MaxSeed, 10))}
	if s.Info != nil {
		b := workflow.BindWith(entry.Workflow, entry.Sidecar, s.Info)
		if in, ok := s.Info.ParamRange(entry.Workflow, b, workflow.ParamSeed); ok {
			r = r.Intersect(in)
		}
	}
	return workflow.RandomSeed(next, r)
}
