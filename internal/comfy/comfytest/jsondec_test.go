package comfytest

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var decodeSeeds = []string{
	`{}`, `[]`, `{"a": 1}`, ` {"a" : [1, 2.5, -0, 1e5, 1.5E-3, true, false, null, "x"]} `,
	`{"b": 1, "a": 2, "b": 3}`,
	`{"prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "image": ["2", 0]}, "_meta": {"title": "É"}}}}`,
	`"just a string"`, `12`, `-3.25e+2`, `true`, `null`,
	`{"s": "tab\tin\\"quotes\" \/ \b\f\n\r\u00e9 \ud83d\ude00"}`,
	`{"lone surrogate": "\ud800 and \udc00x"}`,
	"{\"raw\": \"é日本🎉\"}",
	"{\"invalid utf-8\": \"a\xffb\xc3\"}",
	"{\"control\": \"a\x01b\"}",
	`{"bad escape": "\x"}`, `{"short unicode": "\u12"}`,
	`{"a":1,}`, `[1,]`, `[,1]`, `{"a" 1}`, `{"a":1 "b":2}`, `{1: 2}`, `{"a":}`, `[1 2]`,
	`01`, `[01]`, `1.`, `[1.]`, `.5`, `-`, `+1`, `1e`, `[1e+]`, `[1x]`, `tru`, `[nul]`, `nulls`,
	`{not json`, ``, `   `, "\ufeff{}",
	`{} `, "{}\n\t\r ", `{} ]`, `{} }`, `{} ,`, `{} x`, `{} 1`, `{} 1x`, `{} "s"`, `{} "unterminated`, `{} {`, `{} [1`,
	`{"a": "unterminated}`, `["a\"]`, `[` + strings.Repeat(`[`, 1200) + strings.Repeat(`]`, 1201),
	`[` + strings.Repeat(`{"k":[`, 600) + `1` + strings.Repeat(`]}`, 600) + `]`,
}

// TestDecodeOrderedMatchesTokenDecoder checks the fast path against the tokenizer on tricky
// input and on every request body of the recorded transcripts.
func TestDecodeOrderedMatchesTokenDecoder(t *testing.T) {
	for _, in := range decodeSeeds {
		assertSameDecoding(t, in)
	}
	for _, in := range append(transcriptBodies(t), string(objectInfoJSON)) {
		assertSameDecoding(t, in)
		// The fast path is worth having only if real requests take it.
		if _, ok := parseOrdered(in); !ok && json.Valid([]byte(in)) {
			t.Errorf("%.80q: valid JSON, but not taken by the fast path", in)
		}
	}
}

func FuzzDecodeOrdered(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(s)
	}
	f.Fuzz(assertSameDecoding)
}

func assertSameDecoding(t *testing.T, in string) {
	t.Helper()
	want, wantErr := decodeTokens([]byte(in))
	got, err := decodeOrdered([]byte(in))
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%.80q: error %v, want %v", in, err, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%.80q:\n got %#v\nwant %#v", in, got, want)
	}
}

func transcriptBodies(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../testdata/transcripts/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("transcripts: %v", err)
	}
	var bodies []string
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var rec struct {
				Request *struct {
					Body     json.RawMessage `json:"body"`
					BodyText *string         `json:"body_text"`
				} `json:"request"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			switch {
			case rec.Request == nil:
			case rec.Request.BodyText != nil:
				bodies = append(bodies, *rec.Request.BodyText)
			case len(rec.Request.Body) > 0:
				bodies = append(bodies, string(rec.Request.Body))
			}
		}
		f.Close()
	}
	return bodies
}
