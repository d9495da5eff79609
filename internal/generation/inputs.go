package generation

import (
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// inputSlots pairs each input slot with the workflow parameter it fills.
var inputSlots = []struct {
	slot  string
	param workflow.Param
	field func(*workflow.Params) **string
}{
	{model.InputImage, workflow.ParamImage, func(p *workflow.Params) **string { return &p.Image }},
	{model.InputImage2, workflow.ParamImage2, func(p *workflow.Params) **string { return &p.Image2 }},
}

// CheckInputs refuses images that do not fit the workflow: it takes an
// image and none was given, or one was given that it has no place for. The
// second image is optional: a workflow keeps its own file where none is
// given.
func CheckInputs(entry *workflow.Entry, inputs []model.Input) error {
	for _, s := range inputSlots {
		_, bound := entry.Bindings.Get(s.param)
		given := hasInput(inputs, s.slot)
		switch {
		case bound && !given && s.slot == model.InputImage:
			return model.Errorf(model.CodeInvalid, "The workflow %s starts from an image: attach one with the image option.", entry.Name)
		case given && !bound:
			return model.Errorf(model.CodeInvalid, "The workflow %s takes no %s; leave that option out or pick a workflow that takes an input image.",
				entry.Name, SlotNoun(s.slot))
		}
	}
	return nil
}

// SlotNoun names an input slot in a sentence.
func SlotNoun(slot string) string {
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

// pendingInputs are the graph inputs the images are written to: the
// server's list of input files is the one its catalogue was read with,
// which does not hold the files uploaded since, so they are not checked
// against it.
func pendingInputs(b workflow.Bindings, r Request) []workflow.Target {
	var out []workflow.Target
	for _, s := range inputSlots {
		if bind, ok := b.Get(s.param); ok && hasInput(r.Inputs, s.slot) {
			out = append(out, bind.Targets...)
		}
	}
	return out
}
