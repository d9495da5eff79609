package generation

import (
	"reflect"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

func TestResultsKeepEveryResultKindAndNoPreview(t *testing.T) {
	o := comfy.Outcome{
		Files: []comfy.File{
			{Filename: "ComfyUI_00001_.png", Type: "output", NodeID: "9", Kind: "images"},
			{Filename: "ComfyUI_temp_abcde_00001_.png", Type: "temp", NodeID: "10", Kind: "images"},
			{Filename: "AnimateDiff_00001.mp4", Type: "output", NodeID: "11", Kind: "gifs", Format: "video/h264-mp4"},
			{Filename: "AnimateDiff_00002.gif", Type: "output", NodeID: "12", Kind: "gifs", Format: "image/gif"},
			{Filename: "ComfyUI_00001_.mp4", Subfolder: "video", Type: "output", NodeID: "13", Kind: "images", Animated: true},
			{Filename: "ComfyUI_00002_.webp", Type: "output", NodeID: "14", Kind: "images", Animated: true},
			{Filename: "ComfyUI_00001_.flac", Subfolder: "audio", Type: "output", NodeID: "15", Kind: "audio"},
			{Filename: "mesh_00001_.glb", Subfolder: "3d", Type: "output", NodeID: "16", Kind: "3d"},
			{Filename: "preview.mp4", Type: "temp", NodeID: "17", Kind: "images", Animated: true},
		},
		Texts: []comfy.Text{{NodeID: "18", Text: "a caption"}},
	}
	want := []model.ImageRef{
		{Filename: "ComfyUI_00001_.png", Type: "output", NodeID: "9", Kind: model.KindImage, MediaType: "image/png"},
		{Filename: "AnimateDiff_00001.mp4", Type: "output", NodeID: "11", Kind: model.KindVideo, MediaType: "video/mp4"},
		{Filename: "AnimateDiff_00002.gif", Type: "output", NodeID: "12", Kind: model.KindAnimation, MediaType: "image/gif"},
		{Filename: "ComfyUI_00001_.mp4", Subfolder: "video", Type: "output", NodeID: "13", Kind: model.KindVideo, MediaType: "video/mp4"},
		{Filename: "ComfyUI_00002_.webp", Type: "output", NodeID: "14", Kind: model.KindAnimation, MediaType: "image/webp"},
		{Filename: "ComfyUI_00001_.flac", Subfolder: "audio", Type: "output", NodeID: "15", Kind: model.KindAudio, MediaType: "audio/flac"},
		{Filename: "mesh_00001_.glb", Subfolder: "3d", Type: "output", NodeID: "16", Kind: model.Kind3D, MediaType: "model/gltf-binary"},
		{NodeID: "18", Kind: model.KindText, Text: "a caption"},
	}
	if got := Results(o); !reflect.DeepEqual(got, want) {
		t.Fatalf("refs:\n got %+v\nwant %+v", got, want)
	}
}
