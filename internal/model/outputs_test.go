package model

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestImageRefsOfOldRowsAreImages(t *testing.T) {
	var refs []ImageRef
	old := `[{"filename":"ComfyUI_00001_.png","type":"output","width":512,"height":512,"bytes":1000,"url":"https://cdn/x.png"}]`
	if err := json.Unmarshal([]byte(old), &refs); err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || refs[0].OutputKind() != KindImage || refs[0].IsText() || refs[0].Width != 512 || refs[0].URL == "" {
		t.Fatalf("an old row reads as an image: %+v", refs)
	}
}

func TestImageRefsRoundTripWithTexts(t *testing.T) {
	refs := []ImageRef{
		{Filename: "v.mp4", Subfolder: "video", Type: "output", NodeID: "3", Kind: KindVideo, MediaType: "video/mp4", Bytes: 9},
		{NodeID: "4", Kind: KindText, Text: "a caption"},
		{Filename: "a.png", Type: "output", NodeID: "5", Kind: KindImage, MediaType: "image/png", Width: 8, Height: 8},
	}
	raw, err := json.Marshal(refs)
	if err != nil {
		t.Fatal(err)
	}
	var back []ImageRef
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, refs) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, refs)
	}
	if files, texts := FileRefs(back), TextRefs(back); len(files) != 2 || files[1].Filename != "a.png" || len(texts) != 1 || texts[0].Text != "a caption" {
		t.Fatalf("files %+v, texts %+v", files, texts)
	}
	var wire []map[string]any
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatal(err)
	}
	if _, ok := wire[1]["filename"]; ok || wire[1]["kind"] != "text" || wire[1]["text"] != "a caption" {
		t.Fatalf("a text is stored as kind and text alone: %v", wire[1])
	}
}
