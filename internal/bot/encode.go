package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/jobs"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Encoder makes a video, animation or audio file smaller so it fits
// Discord's upload limit. ffmpeg is the one the bot knows (FindFFmpeg).
type Encoder interface {
	// Shrink re-encodes f within limit bytes. The result's name, format,
	// media type and kind follow its new encoding.
	Shrink(ctx context.Context, f jobs.Image, limit int) (jobs.Image, error)
}

// FindFFmpeg returns ffmpeg from PATH as an Encoder, or nil when the
// machine has none: oversize videos and audio are then not posted, and
// their owners are told where the files are.
func FindFFmpeg(log *slog.Logger) Encoder {
	p, err := exec.LookPath("ffmpeg")
	if err != nil {
		log.Info("no ffmpeg on PATH: videos and audio over Discord's upload limit will not be posted")
		return nil
	}
	log.Info("videos and audio over Discord's upload limit are re-encoded with ffmpeg", "path", p)
	return newFFmpeg(p)
}

// ffmpeg runs one encode at a time: the machine is usually the GPU box,
// and its CPU feeds ComfyUI.
type ffmpeg struct {
	path  string
	slots chan struct{}
}

func newFFmpeg(path string) *ffmpeg {
	return &ffmpeg{path: path, slots: make(chan struct{}, 1)}
}

// encodeTimeout bounds one ffmpeg run.
const encodeTimeout = 10 * time.Minute

// shrinkTries are the attempts, each asking for a smaller share of the
// bitrate the limit allows (containers and rate control overshoot) and,
// for video, fewer pixels.
var shrinkTries = []struct{ share, scale float64 }{
	{0.90, 1},
	{0.75, 0.75},
	{0.60, 0.5},
}

// Shrink implements Encoder: video and animations become H.264/AAC MP4,
// audio AAC in M4A, at a bitrate that makes the file's duration fit.
func (e *ffmpeg) Shrink(ctx context.Context, f jobs.Image, limit int) (jobs.Image, error) {
	select {
	case e.slots <- struct{}{}:
	case <-ctx.Done():
		return jobs.Image{}, ctx.Err()
	}
	defer func() { <-e.slots }()
	dir, err := os.MkdirTemp("", "discordsend-encode-")
	if err != nil {
		return jobs.Image{}, fmt.Errorf("re-encode %s: %w", f.Name, err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in"+strings.ToLower(path.Ext(f.Name)))
	if err := os.WriteFile(in, f.Data, 0o600); err != nil {
		return jobs.Image{}, fmt.Errorf("re-encode %s: %w", f.Name, err)
	}
	secs, err := e.duration(ctx, in)
	if err != nil {
		return jobs.Image{}, fmt.Errorf("re-encode %s: %w", f.Name, err)
	}
	audio := f.Kind == model.KindAudio
	out := jobs.Image{Subfolder: f.Subfolder, Format: "mp4", MIME: "video/mp4", Kind: model.KindVideo}
	if audio {
		out.Format, out.MIME, out.Kind = "m4a", "audio/mp4", model.KindAudio
	}
	out.Name = strings.TrimSuffix(f.Name, path.Ext(f.Name)) + "." + out.Format
	dst := filepath.Join(dir, "out."+out.Format)
	for _, try := range shrinkTries {
		bits := float64(limit) * 8 * try.share / secs
		if _, err := e.run(ctx, encodeArgs(in, dst, bits, try.scale, audio)...); err != nil {
			return jobs.Image{}, fmt.Errorf("re-encode %s: %w", f.Name, err)
		}
		data, err := os.ReadFile(dst)
		if err != nil {
			return jobs.Image{}, fmt.Errorf("re-encode %s: %w", f.Name, err)
		}
		if len(data) > 0 && len(data) <= limit {
			out.Data = data
			return out, nil
		}
	}
	return jobs.Image{}, fmt.Errorf("re-encode %s: still over %d bytes at the lowest quality tried", f.Name, limit)
}

// encodeArgs re-encode in to out at about bits per second in all.
func encodeArgs(in, out string, bits, scale float64, audio bool) []string {
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", in}
	if audio {
		rate := min(max(bits, 16_000), 192_000)
		return append(args, "-vn", "-c:a", "aac", "-b:a", kbps(rate), out)
	}
	audioBits := min(96_000, bits/8)
	videoBits := max(bits-audioBits, 20_000)
	// yuv420p, which every player decodes, needs even sides.
	size := fmt.Sprintf("scale=trunc(iw*%g/2)*2:trunc(ih*%g/2)*2", scale, scale)
	return append(args,
		"-map", "0:v:0", "-map", "0:a:0?",
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-vf", size,
		"-b:v", kbps(videoBits), "-maxrate", kbps(videoBits), "-bufsize", kbps(2*videoBits),
		"-c:a", "aac", "-b:a", kbps(max(audioBits, 16_000)),
		"-movflags", "+faststart", out)
}

func kbps(bits float64) string { return strconv.Itoa(int(bits/1000)) + "k" }

var durationLine = regexp.MustCompile(`Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)`)

// duration asks ffmpeg for the length of in, in seconds: without an output
// it describes its input (on stderr) and exits with an error.
func (e *ffmpeg) duration(ctx context.Context, in string) (float64, error) {
	stderr, _ := e.run(ctx, "-hide_banner", "-nostdin", "-i", in)
	m := durationLine.FindStringSubmatch(stderr)
	if m == nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, errors.New("ffmpeg cannot tell how long it is")
	}
	h, _ := strconv.Atoi(m[1])
	mins, _ := strconv.Atoi(m[2])
	s, _ := strconv.ParseFloat(m[3], 64)
	secs := float64(h)*3600 + float64(mins)*60 + s
	if secs <= 0 {
		return 0, errors.New("ffmpeg says it lasts no time")
	}
	return secs, nil
}

// run runs ffmpeg and returns what it wrote on stderr; a failure's error
// carries the last line of it.
func (e *ffmpeg) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, encodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		last := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(last, '\n'); i >= 0 {
			last = last[i+1:]
		}
		if last != "" {
			err = fmt.Errorf("ffmpeg: %w: %s", err, last)
		} else {
			err = fmt.Errorf("ffmpeg: %w", err)
		}
	}
	return stderr.String(), err
}
