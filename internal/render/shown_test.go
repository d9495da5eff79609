package render

import (
	"testing"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// A job shows the values its graph ran with, the workflow's own where the
// user gave none; "default" only for jobs stored before those were kept.
func TestJobsShowTheValuesThatRan(t *testing.T) {
	sdxl := model.Params{
		Steps: model.Ptr(25), CFG: model.Ptr(6.0), Width: model.Ptr(832), Height: model.Ptr(1216),
		BatchSize: model.Ptr(1), Denoise: model.Ptr(1.0), Checkpoint: "sdxl-base.safetensors",
	}
	// A Flux graph has no CFG input and no checkpoint loader.
	flux := model.Params{Steps: model.Ptr(20), Width: model.Ptr(1024), Height: model.Ptr(1024), BatchSize: model.Ptr(1)}
	tests := []struct {
		name       string
		asked, ran model.Params
		result     map[string]string // result embed field → value; "" must be absent
		info       map[string]string // info embed field → value
	}{
		{"the workflow's values stood", model.Params{Prompt: "a fox"}, sdxl,
			map[string]string{"Steps": "25", "CFG": "6", "Size": "832×1216", "Checkpoint": "sdxl-base.safetensors", "Denoise": "", "Batch": ""},
			map[string]string{"Steps": "25", "CFG": "6", "Size": "832×1216", "Batch": "1", "Denoise": "1", "Checkpoint": "sdxl-base.safetensors"}},
		{"the user's values ran", model.Params{Prompt: "a fox", Steps: model.Ptr(40), Denoise: model.Ptr(1.0)},
			model.Params{Steps: model.Ptr(40), CFG: model.Ptr(6.0), Denoise: model.Ptr(1.0)},
			map[string]string{"Steps": "40", "CFG": "6", "Denoise": "1", "Size": ""},
			map[string]string{"Steps": "40", "Size": "—", "Checkpoint": "—"}},
		{"a knob the workflow lacks", model.Params{Prompt: "a fox"}, flux,
			map[string]string{"Steps": "20", "CFG": "", "Size": "1024×1024", "Checkpoint": ""},
			map[string]string{"CFG": "—", "Checkpoint": "—", "Denoise": "—"}},
		{"stored before values were kept", model.Params{Prompt: "a fox", Steps: model.Ptr(30)}, model.Params{},
			map[string]string{"Steps": "30", "CFG": "default", "Size": "default"},
			map[string]string{"Steps": "30", "CFG": "default", "Checkpoint": "default"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := testJob(model.StatusCompleted)
			j.Params, j.Ran = tc.asked, tc.ran
			checkFields(t, "result", paramFields(j, testNow), tc.result)
			info := JobInfo(j, ownerID, testNow)
			checkFields(t, "info", info.Embeds[0].Fields, tc.info)
			edit := EditJobModal(j)
			if got, want := modalValue(t, edit, InputSteps), tc.result["Steps"]; got != want && want != "default" {
				t.Errorf("edit modal steps = %q, want %q, the steps that ran", got, want)
			}
		})
	}
}

func checkFields(t *testing.T, what string, fs []discord.EmbedField, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, f := range fs {
		got[f.Name] = f.Value
	}
	for name, v := range want {
		if g, ok := got[name]; v == "" && ok {
			t.Errorf("%s: field %s = %q, want none", what, name, g)
		} else if v != "" && g != v {
			t.Errorf("%s: field %s = %q, want %q", what, name, g, v)
		}
	}
}

func modalValue(t *testing.T, m discord.ModalCreate, customID string) string {
	t.Helper()
	for _, c := range m.Components {
		if l, ok := c.(discord.LabelComponent); ok {
			if in, ok := l.Component.(discord.TextInputComponent); ok && in.CustomID == customID {
				return in.Value
			}
		}
	}
	t.Fatalf("modal %q has no input %q", m.Title, customID)
	return ""
}
