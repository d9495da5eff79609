package render

import (
	"strings"
	"testing"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// A prompt longer than a modal's text box is not prefilled cut: the box
// starts empty, says why, and leaving it empty keeps the whole prompt.
func TestModalsKeepPromptsLongerThanABox(t *testing.T) {
	fits, long := strings.Repeat("a", MaxTextInputValue), strings.Repeat("b", 6000)
	for _, tc := range []struct {
		name            string
		prompt          string
		wantValue       string
		wantRequired    bool
		wantDescription string
	}{
		{"a prompt that fits is prefilled whole", fits, fits, true, ""},
		{"a longer one is left out", long, "", false, "6000 characters, more than this box holds: leave it empty to keep them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := testJob(model.StatusCompleted)
			j.Params.Prompt, j.Params.Negative = tc.prompt, tc.prompt
			for name, md := range map[string]discord.ModalCreate{"Edit": EditJobModal(j), "Use as input": UseInputModal(j, 1)} {
				for i, want := range []string{InputPrompt, InputNegative} {
					l := md.Components[i].(discord.LabelComponent)
					in := l.Component.(discord.TextInputComponent)
					if in.CustomID != want || in.Value != tc.wantValue || (want == InputPrompt && in.Required != tc.wantRequired) ||
						(tc.wantDescription != "" && l.Description != tc.wantDescription) {
						t.Errorf("%s modal, %s box: value of %d characters, required %v, description %q",
							name, in.CustomID, runeLen(in.Value), in.Required, l.Description)
					}
				}
			}
		})
	}
	for _, tc := range []struct{ typed, prefilled, want string }{
		{"", long, long},
		{"  ", long, long},
		{"new", long, "new"},
		{"", fits, ""},
		{"new", fits, "new"},
	} {
		if got := KeptText(tc.typed, tc.prefilled); got != tc.want {
			t.Errorf("KeptText(%q, %d characters) = %d characters, want %d", tc.typed, runeLen(tc.prefilled), runeLen(got), runeLen(tc.want))
		}
	}
}
