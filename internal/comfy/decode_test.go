package comfy

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/coder/websocket"
)

// transcriptFrame is a WebSocket frame recorded from a real ComfyUI.
type transcriptFrame struct {
	file    string
	seq     int
	binary  bool
	typ     string
	data    []byte
	eventID uint32
}

func transcriptFrames(t testing.TB) []transcriptFrame {
	t.Helper()
	files, err := filepath.Glob("testdata/transcripts/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	var out []transcriptFrame
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var rec struct {
				Seq     int             `json:"seq"`
				Kind    string          `json:"kind"`
				Type    string          `json:"type"`
				Message json.RawMessage `json:"message"`
				Base64  string          `json:"base64"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			switch rec.Kind {
			case "ws_text":
				out = append(out, transcriptFrame{file: filepath.Base(f), seq: rec.Seq, typ: rec.Type, data: rec.Message})
			case "ws_binary":
				data, err := base64.StdEncoding.DecodeString(rec.Base64)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, transcriptFrame{file: filepath.Base(f), seq: rec.Seq, binary: true, data: data,
					eventID: binary.BigEndian.Uint32(data)})
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestDecodeTranscriptFrames decodes every frame a real ComfyUI sent into the expected type.
func TestDecodeTranscriptFrames(t *testing.T) {
	wantType := map[string]reflect.Type{
		"status":                reflect.TypeFor[QueueStatus](),
		"feature_flags":         reflect.TypeFor[FeatureFlags](),
		"execution_start":       reflect.TypeFor[ExecutionStart](),
		"execution_cached":      reflect.TypeFor[ExecutionCached](),
		"executing":             reflect.TypeFor[Executing](),
		"progress":              reflect.TypeFor[Progress](),
		"progress_state":        reflect.TypeFor[ProgressState](),
		"executed":              reflect.TypeFor[Executed](),
		"execution_success":     reflect.TypeFor[ExecutionSuccess](),
		"execution_error":       reflect.TypeFor[ExecutionError](),
		"execution_interrupted": reflect.TypeFor[ExecutionInterrupted](),
	}
	wantBinary := map[uint32]reflect.Type{
		1: reflect.TypeFor[Preview](),
		3: reflect.TypeFor[ProgressText](),
		4: reflect.TypeFor[Preview](),
	}
	seen := map[string]bool{}
	for _, f := range transcriptFrames(t) {
		typ := websocket.MessageText
		want := wantType[f.typ]
		if f.binary {
			typ = websocket.MessageBinary
			want = wantBinary[f.eventID]
		}
		ev, err := DecodeMessage(typ, f.data)
		if err != nil {
			t.Errorf("%s seq %d: %v", f.file, f.seq, err)
			continue
		}
		if want == nil {
			t.Errorf("%s seq %d: no expectation for %q / event %d", f.file, f.seq, f.typ, f.eventID)
			continue
		}
		if got := reflect.TypeOf(ev); got != want {
			t.Errorf("%s seq %d: decoded %v, want %v", f.file, f.seq, got, want)
		}
		seen[ev.Type()] = true
	}
	for _, typ := range []string{"status", "feature_flags", "execution_start", "execution_cached", "executing",
		"progress", "progress_state", "executed", "execution_success", "execution_error", "execution_interrupted",
		"preview", "progress_text"} {
		if !seen[typ] {
			t.Errorf("transcripts never produced a %s event", typ)
		}
	}
}

func TestDecodeMessage(t *testing.T) {
	meta := []byte(`{"node_id":"5","prompt_id":"P","display_node_id":"5","parent_node_id":null,"real_node_id":"5","image_type":"image/png"}`)
	tests := []struct {
		name string
		typ  websocket.MessageType
		data []byte
		want Event
	}{
		{"status with sid", websocket.MessageText,
			[]byte(`{"type":"status","data":{"status":{"exec_info":{"queue_remaining":2}},"sid":"abc"}}`),
			QueueStatus{QueueRemaining: 2, SID: "abc"}},
		{"executing a node", websocket.MessageText,
			[]byte(`{"type":"executing","data":{"node":"3","display_node":"3","prompt_id":"P"}}`),
			Executing{PromptID: "P", Node: "3", DisplayNode: "3"}},
		{"executing null ends the prompt", websocket.MessageText,
			[]byte(`{"type":"executing","data":{"node":null,"prompt_id":"P"}}`),
			Executing{PromptID: "P", Done: true}},
		{"executing after reconnect has no prompt id", websocket.MessageText,
			[]byte(`{"type":"executing","data":{"node":"7"}}`),
			Executing{Node: "7"}},
		{"numeric node ids are accepted", websocket.MessageText,
			[]byte(`{"type":"progress","data":{"value":3,"max":20.0,"prompt_id":"P","node":12}}`),
			Progress{PromptID: "P", Node: "12", Value: 3, Max: 20}},
		{"executed lists images", websocket.MessageText,
			[]byte(`{"type":"executed","data":{"node":"9","display_node":"9","output":{"images":[{"filename":"a.png","subfolder":"s","type":"output"}]},"prompt_id":"P"}}`),
			Executed{PromptID: "P", Node: "9", DisplayNode: "9",
				Output: json.RawMessage(`{"images":[{"filename":"a.png","subfolder":"s","type":"output"}]}`),
				Files:  []File{{Filename: "a.png", Subfolder: "s", Type: "output", NodeID: "9", Kind: "images"}}}},
		{"executed lists files of any kind and texts", websocket.MessageText,
			[]byte(`{"type":"executed","data":{"node":"4","display_node":"4","output":{"gifs":[{"filename":"v.mp4","subfolder":"","type":"output","format":"video/h264-mp4","frame_rate":8.0}],"text":["hi"]},"prompt_id":"P"}}`),
			Executed{PromptID: "P", Node: "4", DisplayNode: "4",
				Output: json.RawMessage(`{"gifs":[{"filename":"v.mp4","subfolder":"","type":"output","format":"video/h264-mp4","frame_rate":8.0}],"text":["hi"]}`),
				Files:  []File{{Filename: "v.mp4", Type: "output", NodeID: "4", Kind: "gifs", Format: "video/h264-mp4"}},
				Texts:  []Text{{NodeID: "4", Text: "hi"}}}},
		{"interrupted", websocket.MessageText,
			[]byte(`{"type":"execution_interrupted","data":{"prompt_id":"P","node_id":"3","node_type":"KSampler","executed":["1","2"],"timestamp":5}}`),
			ExecutionInterrupted{PromptID: "P", NodeID: "3", NodeType: "KSampler", Executed: []string{"1", "2"}, Timestamp: 5}},
		{"unknown type is kept raw", websocket.MessageText,
			[]byte(`{"type":"crystools.monitor","data":{"cpu":3}}`),
			Unknown{Name: "crystools.monitor", Data: json.RawMessage(`{"cpu":3}`)}},
		{"legacy jpeg preview", websocket.MessageBinary,
			append([]byte{0, 0, 0, 1, 0, 0, 0, 1}, "JPEG"...),
			Preview{MIME: "image/jpeg", Image: []byte("JPEG")}},
		{"text frame", websocket.MessageBinary,
			append([]byte{0, 0, 0, 3, 0, 0, 0, 2}, "12hello"...),
			ProgressText{NodeID: "12", Text: "hello"}},
		{"preview with metadata", websocket.MessageBinary,
			append(append(binary.BigEndian.AppendUint32([]byte{0, 0, 0, 4}, uint32(len(meta))), meta...), "PNG"...),
			Preview{PromptID: "P", NodeID: "5", DisplayNodeID: "5", RealNodeID: "5", MIME: "image/png", Image: []byte("PNG"), WithMetadata: true}},
		{"unknown binary event", websocket.MessageBinary,
			[]byte{0, 0, 0, 9, 1, 2},
			UnknownBinary{EventType: 9, Data: []byte{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeMessage(tt.typ, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeMessageErrors(t *testing.T) {
	tests := []struct {
		name string
		typ  websocket.MessageType
		data []byte
	}{
		{"not json", websocket.MessageText, []byte(`{not json`)},
		{"bad data for a known type", websocket.MessageText, []byte(`{"type":"progress","data":{"value":"many"}}`)},
		{"empty binary", websocket.MessageBinary, nil},
		{"preview without format", websocket.MessageBinary, []byte{0, 0, 0, 1, 0}},
		{"text length beyond frame", websocket.MessageBinary, []byte{0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 'a'}},
		{"metadata length beyond frame", websocket.MessageBinary, []byte{0, 0, 0, 4, 0, 0, 0, 9, '{', '}'}},
		{"metadata not json", websocket.MessageBinary, []byte{0, 0, 0, 4, 0, 0, 0, 2, 'x', 'y', 'z'}},
		{"unknown frame type", websocket.MessageType(9), []byte("x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecodeMessage(tt.typ, tt.data)
			if err == nil {
				t.Fatalf("no error, decoded %#v", ev)
			}
			if ev != nil {
				t.Errorf("error %v came with event %#v", err, ev)
			}
		})
	}
}

func TestExecutionErrorTextHasNoTraceback(t *testing.T) {
	e := ExecutionError{NodeID: "2", NodeType: "ImageToMask", ExceptionType: "IndexError",
		ExceptionMessage: "index 3 is out of bounds for dimension 3 with size 3\n\nTips: free some memory",
		Traceback:        []string{"  File \"/opt/ComfyUI/execution.py\", line 496, in execute\n"}}
	want := "node 2 (ImageToMask) failed: IndexError: index 3 is out of bounds for dimension 3 with size 3"
	if got := e.Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzDecode checks that no frame, however malformed, makes the decoder panic, and that results
// are consistent. Seeds are every frame of the recorded transcripts.
func FuzzDecode(f *testing.F) {
	for _, fr := range transcriptFrames(f) {
		f.Add(fr.binary, fr.data)
	}
	f.Add(true, []byte{0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfb})
	f.Add(true, []byte{0, 0, 0, 3, 0, 0, 0, 0})
	f.Add(false, []byte(`{"type":"executing","data":null}`))
	f.Add(false, []byte(`{"type":"status","data":{"status":null}}`))
	f.Add(false, []byte(`{"type":"mystery","data":{"a":1},"sid":"x"}`))
	f.Add(false, []byte(`{"type":"progress","data":{"value":1,"max":2}}}`))
	f.Add(false, []byte(` { "type" : "progress" , "data" : {"value":"3","max":4.5e1,"node":7} } `))
	f.Fuzz(func(t *testing.T, isBinary bool, data []byte) {
		typ := websocket.MessageText
		if isBinary {
			typ = websocket.MessageBinary
		}
		ev, err := DecodeMessage(typ, data)
		if (ev == nil) == (err == nil) {
			t.Fatalf("event %#v with error %v: exactly one must be set", ev, err)
		}
		if !isBinary {
			// The shortcut past the envelope must agree with decoding it.
			slow, slowErr := decodeEnvelope(data)
			if (err == nil) != (slowErr == nil) || !reflect.DeepEqual(ev, slow) {
				t.Fatalf("decoded %#v (%v); the envelope decodes to %#v (%v)", ev, err, slow, slowErr)
			}
		}
		if err != nil {
			return
		}
		switch e := ev.(type) {
		case Preview:
			if len(e.Image) > len(data) || (len(e.Image) > 0 && !bytes.HasSuffix(data, e.Image)) {
				t.Fatalf("preview image is not the tail of the frame")
			}
		case ProgressText:
			if len(e.NodeID)+len(e.Text)+8 != len(data) {
				t.Fatalf("text frame parts do not add up: %d + %d + 8 != %d", len(e.NodeID), len(e.Text), len(data))
			}
		}
	})
}
