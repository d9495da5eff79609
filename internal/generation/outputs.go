package generation

import (
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Results are what a finished prompt gives its owner: every result file
// (saved to ComfyUI's output folder; previews in temp are never results),
// of every kind, then the text outputs.
func Results(o comfy.Outcome) []model.ImageRef {
	refs := make([]model.ImageRef, 0, len(o.Files)+len(o.Texts))
	for _, f := range o.Files {
		if !f.Result() {
			continue
		}
		refs = append(refs, model.ImageRef{
			Filename: f.Filename, Subfolder: f.Subfolder, Type: f.Type, NodeID: f.NodeID,
			Kind: KindOf(f), MediaType: f.MediaType(),
		})
	}
	for _, t := range o.Texts {
		refs = append(refs, model.ImageRef{NodeID: t.NodeID, Kind: model.KindText, Text: t.Text})
	}
	return refs
}

// KindOf tells how a file can be shown and shrunk. ComfyUI's own video
// savers list videos under "images", so the media type decides, and an
// image is animated when its node says so or VideoHelperSuite made it.
func KindOf(f comfy.File) model.OutputKind {
	mt := f.MediaType()
	switch {
	case strings.HasPrefix(mt, "image/"):
		if f.Animated || f.Kind == "gifs" {
			return model.KindAnimation
		}
		return model.KindImage
	case strings.HasPrefix(mt, "video/"):
		return model.KindVideo
	case strings.HasPrefix(mt, "audio/"):
		return model.KindAudio
	case strings.HasPrefix(mt, "model/") || f.Kind == "3d":
		return model.Kind3D
	}
	return model.KindFile
}
