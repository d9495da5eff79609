package comfy

import (
	"testing"

	"github.com/coder/websocket"
)

// BenchmarkDecodeMessage decodes the frames a real ComfyUI sent, by type:
// per job the bot reads a few dozen progress and progress_state frames.
func BenchmarkDecodeMessage(b *testing.B) {
	byType := map[string][]byte{}
	for _, f := range transcriptFrames(b) {
		if !f.binary {
			if _, ok := byType[f.typ]; !ok {
				byType[f.typ] = f.data
			}
		}
	}
	for _, typ := range []string{"progress", "progress_state", "executing", "executed", "status"} {
		data, ok := byType[typ]
		if !ok {
			b.Fatalf("the transcripts have no %s frame", typ)
		}
		b.Run(typ, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeMessage(websocket.MessageText, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
