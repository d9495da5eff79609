package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// standIn is an executable named ffmpeg, written by a test, that behaves as
// far as the bot needs: without an output it describes its input on stderr
// and fails; with one it writes sizes[try] bytes there (the last size for
// later tries). It logs every argument list, one a line.
type standIn struct {
	dir, path, log string
}

func newStandIn(t testing.TB, duration string, sizes ...int) standIn {
	t.Helper()
	dir := t.TempDir()
	s := standIn{dir: dir, path: filepath.Join(dir, "ffmpeg"), log: filepath.Join(dir, "calls.log")}
	var cases strings.Builder
	for i, n := range sizes {
		if i == len(sizes)-1 {
			fmt.Fprintf(&cases, "*) size=%d;;\n", n)
		} else {
			fmt.Fprintf(&cases, "%d) size=%d;;\n", i+1, n)
		}
	}
	// Shell builtins only: the end-to-end tests run the bot with PATH set
	// to this folder alone.
	script := fmt.Sprintf(`#!/bin/sh
printf '%%s\n' "$*" >> '%[1]s'
out=""
prev=""
for a; do prev=$out; out=$a; done
if [ "$prev" = "-i" ]; then
	printf 'Input #0, mov,mp4,m4a,3gp, from %%s:\n  Duration: %[2]s, start: 0.000000, bitrate: 5000 kb/s\n' "$out" >&2
	printf 'At least one output file must be specified\n' >&2
	exit 1
fi
n=0
if [ -e '%[1]s.n' ]; then read n < '%[1]s.n'; fi
n=$((n+1))
printf '%%d' "$n" > '%[1]s.n'
case $n in
%[3]sesac
if [ "$size" -lt 0 ]; then printf 'Unknown encoder libx264\n' >&2; exit 1; fi
printf "%%0${size}d" 0 > "$out"
`, s.log, duration, cases.String())
	if err := os.WriteFile(s.path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return s
}

// calls are the argument lists the stand-in was run with.
func (s standIn) calls(t testing.TB) []string {
	t.Helper()
	raw, err := os.ReadFile(s.log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

func TestFFmpegShrinksVideoToTheBitrateItsDurationAllows(t *testing.T) {
	s := newStandIn(t, "00:00:04.00", 700_000)
	const limit = 1 << 20
	in := jobs.Image{Name: "clip_00001.mp4", Subfolder: "video", Data: bytes.Repeat([]byte{1}, 3*limit), Format: "mp4", MIME: "video/mp4", Kind: model.KindVideo}
	out, err := newFFmpeg(s.path).Shrink(t.Context(), in, limit)
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "clip_00001.mp4" || out.Subfolder != "video" || out.MIME != "video/mp4" || out.Kind != model.KindVideo || len(out.Data) != 700_000 {
		t.Fatalf("got %s/%s %s %s, %d bytes", out.Subfolder, out.Name, out.MIME, out.Kind, len(out.Data))
	}
	calls := s.calls(t)
	if len(calls) != 2 {
		t.Fatalf("want a probe and one encode, got %q", calls)
	}
	// 1 MiB × 8 × 0.9 over 4 s is 1887 kb/s: 96k of it for the audio.
	for _, want := range []string{"-c:v libx264", "-b:v 1791k", "-maxrate 1791k", "-c:a aac -b:a 96k", "-map 0:a:0?", "-movflags +faststart"} {
		if !strings.Contains(calls[1], want) {
			t.Errorf("encode lacks %q: %s", want, calls[1])
		}
	}
	if !strings.HasSuffix(calls[1], ".mp4") {
		t.Errorf("the output is not an MP4: %s", calls[1])
	}
}

func TestFFmpegTriesSmallerUntilItFits(t *testing.T) {
	const limit = 100_000
	s := newStandIn(t, "00:01:00.50", 150_000, 120_000, 90_000)
	in := jobs.Image{Name: "anim.webp", Data: bytes.Repeat([]byte{1}, 400_000), MIME: "image/webp", Kind: model.KindAnimation}
	out, err := newFFmpeg(s.path).Shrink(t.Context(), in, limit)
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "anim.mp4" || out.Kind != model.KindVideo || out.MIME != "video/mp4" || len(out.Data) != 90_000 {
		t.Fatalf("an animation becomes an MP4 video: %s %s %s, %d bytes", out.Name, out.Kind, out.MIME, len(out.Data))
	}
	calls := s.calls(t)
	if len(calls) != 4 || !strings.Contains(calls[2], "scale=trunc(iw*0.75/2)*2") || !strings.Contains(calls[3], "scale=trunc(iw*0.5/2)*2") {
		t.Fatalf("want smaller frames on each try: %q", calls)
	}
}

func TestFFmpegShrinksAudioToAAC(t *testing.T) {
	s := newStandIn(t, "00:10:00.00", 5_000)
	in := jobs.Image{Name: "song.flac", Data: bytes.Repeat([]byte{1}, 50_000_000), MIME: "audio/flac", Kind: model.KindAudio}
	out, err := newFFmpeg(s.path).Shrink(t.Context(), in, 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "song.m4a" || out.MIME != "audio/mp4" || out.Kind != model.KindAudio {
		t.Fatalf("got %s %s %s", out.Name, out.MIME, out.Kind)
	}
	enc := s.calls(t)[1]
	// 10 MiB × 8 × 0.9 over 600 s is 125 kb/s.
	if !strings.Contains(enc, "-vn -c:a aac -b:a 125k") || !strings.HasSuffix(enc, ".m4a") {
		t.Fatalf("audio encode: %s", enc)
	}
}

func TestFFmpegFailures(t *testing.T) {
	video := jobs.Image{Name: "v.mp4", Data: bytes.Repeat([]byte{1}, 1000), Kind: model.KindVideo}
	cases := []struct {
		name     string
		duration string
		sizes    []int
		want     string
	}{
		{"no duration", "N/A", []int{10}, "cannot tell how long"},
		{"never small enough", "00:00:02.00", []int{600}, "still over 500 bytes"},
		{"encoder fails", "00:00:02.00", []int{-1}, "Unknown encoder libx264"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStandIn(t, c.duration, c.sizes...)
			_, err := newFFmpeg(s.path).Shrink(t.Context(), video, 500)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one saying %q", err, c.want)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		s := newStandIn(t, "00:00:02.00", 10)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := newFFmpeg(s.path).Shrink(ctx, video, 500); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestFindFFmpegLooksOnPATH(t *testing.T) {
	s := newStandIn(t, "00:00:01.00", 10)
	t.Setenv("PATH", s.dir)
	if FindFFmpeg(slog.New(slog.DiscardHandler)) == nil {
		t.Fatal("ffmpeg on PATH was not found")
	}
	t.Setenv("PATH", t.TempDir())
	if enc := FindFFmpeg(slog.New(slog.DiscardHandler)); enc != nil {
		t.Fatalf("no ffmpeg on PATH, got %#v", enc)
	}
}

func TestFitFile(t *testing.T) {
	big := noisyPNG(t, 256, 256)
	cases := []struct {
		name      string
		file      jobs.Image
		limit     int
		encoder   bool
		unfit     bool
		reencoded bool
		wantName  string
	}{
		{"small video as it is", jobs.Image{Name: "v.mp4", Data: make([]byte, 100), Kind: model.KindVideo}, 100, false, false, false, "v.mp4"},
		{"image re-encoded as today", jobs.Image{Name: "a.png", Data: big, Kind: model.KindImage}, len(big) / 2, false, false, true, "a.jpg"},
		{"old row's image", jobs.Image{Name: "a.png", Data: big}, len(big) / 2, false, false, true, "a.jpg"},
		{"video without an encoder", jobs.Image{Name: "v.mp4", Data: make([]byte, 5000), Kind: model.KindVideo}, 1000, false, true, false, ""},
		{"audio without an encoder", jobs.Image{Name: "s.flac", Data: make([]byte, 5000), Kind: model.KindAudio}, 1000, false, true, false, ""},
		{"video with one", jobs.Image{Name: "v.webm", Data: make([]byte, 5000), Kind: model.KindVideo}, 1000, true, false, true, "v.mp4"},
		{"animation with one", jobs.Image{Name: "a.webp", Data: make([]byte, 5000), Kind: model.KindAnimation}, 1000, true, false, true, "a.mp4"},
		{"3D model", jobs.Image{Name: "m.glb", Data: make([]byte, 5000), Kind: model.Kind3D}, 1000, true, true, false, ""},
		{"undecodable image", jobs.Image{Name: "x.tiff", Data: make([]byte, 5000), Kind: model.KindImage}, 1000, true, true, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var enc Encoder
			if c.encoder {
				enc = newFFmpeg(newStandIn(t, "00:00:03.00", 800).path)
			}
			got, err := fitFile(t.Context(), c.file, c.limit, enc)
			var unfit *unfitError
			if errors.As(err, &unfit) != c.unfit {
				t.Fatalf("err = %v, want unfit %v", err, c.unfit)
			}
			if c.unfit {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != c.wantName || got.Reencoded != c.reencoded || len(got.Data) > c.limit {
				t.Fatalf("got %s reencoded %v, %d bytes (limit %d)", got.Name, got.Reencoded, len(got.Data), c.limit)
			}
			if got.Source != c.file.Name || got.From != len(c.file.Data) {
				t.Errorf("source %s of %d bytes, want %s of %d", got.Source, got.From, c.file.Name, len(c.file.Data))
			}
		})
	}
}
