package bot

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"testing"

	"github.com/disgoorg/disgo/discord"
)

func TestMultipartBodyParsesBack(t *testing.T) {
	cases := []struct {
		name  string
		files []attachment
	}{
		{"no files", nil},
		{"one image", []attachment{{Name: "job1_1.png", Data: bytes.Repeat([]byte{0x89, 'P'}, 70000)}}},
		{"quotes in a name", []attachment{{Name: `a"b\c.png`, Data: []byte("x")}, {Name: "two.jpg", Data: []byte{}}}},
		{"each file with its type", []attachment{
			{Name: "clip_00001.mp4", Data: []byte("....ftypisom"), ContentType: "video/mp4"},
			{Name: "song_00001.flac", Data: []byte("fLaC"), ContentType: "audio/flac"},
			{Name: "ComfyUI_00001_.webp", Data: []byte("RIFF....WEBP"), ContentType: "image/webp"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := newMultipart(discord.MessageCreate{Content: "done", Nonce: "job1p0"}, tc.files)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(body.reader())
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(raw)) != body.size() {
				t.Fatalf("size() = %d, body has %d bytes", body.size(), len(raw))
			}
			mt, params, err := mime.ParseMediaType(body.contentType)
			if err != nil || mt != "multipart/form-data" {
				t.Fatalf("content type %q: %v", body.contentType, err)
			}
			r := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
			payload := nextPart(t, r)
			if payload.name != "payload_json" {
				t.Fatalf("first part is %q, want payload_json", payload.name)
			}
			var m map[string]any
			if err := json.Unmarshal(payload.data, &m); err != nil || m["content"] != "done" || m["nonce"] != "job1p0" {
				t.Fatalf("payload %s: %v", payload.data, err)
			}
			for i, f := range tc.files {
				p := nextPart(t, r)
				if p.file != f.Name || !bytes.Equal(p.data, f.Data) {
					t.Fatalf("part %d: file %q with %d bytes, want %q with %d", i, p.file, len(p.data), f.Name, len(f.Data))
				}
				want := f.ContentType
				if want == "" {
					want = "application/octet-stream"
				}
				if p.contentType != want {
					t.Errorf("part %d (%s): Content-Type %q, want %q", i, f.Name, p.contentType, want)
				}
			}
			if _, err := r.NextPart(); err != io.EOF {
				t.Fatalf("after the files: %v, want the end", err)
			}
		})
	}
}

type formPart struct {
	name, file, contentType string
	data                    []byte
}

func nextPart(t *testing.T, r *multipart.Reader) formPart {
	t.Helper()
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	return formPart{name: p.FormName(), file: p.FileName(), contentType: p.Header.Get("Content-Type"), data: data}
}
