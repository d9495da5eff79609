//go:build !race

package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// outputsWorld is a world whose workflows.dir holds testdata/outputs and
// whose ComfyUI has VideoHelperSuite and an audio checkpoint. PATH is the
// folder given (where a test may put a stand-in ffmpeg) or an empty one,
// so no ffmpeg of the machine's takes part.
func outputsWorld(t *testing.T, path string, opts ...worldOpt) *world {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "outputs"))
	if err != nil {
		t.Fatal(err)
	}
	if path == "" {
		path = t.TempDir()
	}
	t.Setenv("PATH", path)
	opts = append([]worldOpt{
		withEnv("DISCORDBOT_WORKFLOWS_DIR", dir),
		withComfy(comfytest.WithVideoCombine(), comfytest.WithModels("checkpoints", "sd15.safetensors", "stable_audio_open_1.0.safetensors")),
	}, opts...)
	return newWorld(t, opts...)
}

// run makes u generate prompt with workflow and returns the job's first
// result message, files or not.
func (w *world) run(u *discordtest.User, workflow, prompt string, jobID int64) discordtest.Event {
	w.t.Helper()
	if r := w.slash(u, "generate", discordtest.StringArg("prompt", prompt), discordtest.StringArg("workflow", workflow)); !strings.Contains(r.Content, fmt.Sprintf("#%d", jobID)) {
		w.t.Fatalf("generate with %s: %s", workflow, text(r))
	}
	w.eventually(fmt.Sprintf("job %d to complete", jobID), func() bool {
		s := w.jobOf(jobID).Status
		if s.Final() && s != model.StatusCompleted {
			j := w.jobOf(jobID)
			w.t.Fatalf("job %d %s: %s %s", jobID, s, j.ErrorCode, j.ErrorMessage)
		}
		return s == model.StatusCompleted
	})
	posts := w.resultPosts(jobID)
	if len(posts) == 0 {
		w.t.Fatalf("job %d completed without a result message", jobID)
	}
	return posts[0]
}

// resultPosts are the messages the bot posted for a job's result.
func (w *world) resultPosts(jobID int64) []discordtest.Event {
	var out []discordtest.Event
	for _, e := range w.discord.Events() {
		if e.Kind == discordtest.KindMessage && len(e.Embeds) > 0 && strings.HasPrefix(e.Embeds[0].Title, "✅") &&
			strings.Contains(e.Embeds[0].Title, fmt.Sprintf("#%d", jobID)) {
			out = append(out, e)
		}
	}
	return out
}

// filesOf names each posted file with its content type.
func filesOf(posts ...discordtest.Event) []string {
	var out []string
	for _, p := range posts {
		for _, f := range p.Files {
			out = append(out, f.Name+" "+f.ContentType)
		}
	}
	return out
}

func TestOutputsSavedImageOnlyNotItsPreview(t *testing.T) {
	w := outputsWorld(t, "")
	alice := w.generator("alice")
	res := w.run(alice, "save_and_preview", "a red fox", 1)
	if got := filesOf(res); len(got) != 1 || !strings.HasPrefix(got[0], "saved_00001_.png image/png") {
		t.Fatalf("want the saved PNG alone, got %q", got)
	}
	if !strings.Contains(res.Content, "your image is ready") || !strings.HasSuffix(res.Embeds[0].Image, "/saved_00001_.png") {
		t.Errorf("result: %q, embed image %q", res.Content, res.Embeds[0].Image)
	}
	job := w.jobOf(1)
	if len(job.Images) != 1 || job.Images[0].Type != "output" || job.Images[0].Kind != model.KindImage {
		t.Fatalf("the job records the saved image only: %+v", job.Images)
	}
	w.noViolations()
}

func TestOutputsVideoAndAudioAreFilesOfTheirType(t *testing.T) {
	w := outputsWorld(t, "")
	alice := w.generator("alice")
	cases := []struct {
		workflow string
		want     []string // name and content type of each file, in node order
		says     string
	}{
		{"vhs_video", []string{"AnimateDiff_00001.mp4 video/mp4"}, "your video is ready"},
		{"core_video", []string{"ComfyUI_00001_.mp4 video/mp4", "anim_00001_.webp image/webp"}, "your 2 files are ready"},
		{"audio", []string{"ComfyUI_00001_.flac audio/flac"}, "your audio file is ready"},
	}
	for i, c := range cases {
		res := w.run(alice, c.workflow, "a red fox", int64(i+1))
		if got := filesOf(res); strings.Join(got, ", ") != strings.Join(c.want, ", ") {
			t.Errorf("%s: files %q, want %q", c.workflow, got, c.want)
		}
		if !strings.Contains(res.Content, c.says) {
			t.Errorf("%s: result says %q, want %q", c.workflow, res.Content, c.says)
		}
		for _, f := range res.Files {
			if f.Size == 0 {
				t.Errorf("%s: %s was posted empty", c.workflow, f.Name)
			}
		}
	}
	// Only the animation may show in the embed; a video or sound cannot.
	if res := w.resultPosts(2)[0]; !strings.HasSuffix(res.Embeds[0].Image, "/anim_00001_.webp") {
		t.Errorf("core_video's embed shows %q", res.Embeds[0].Image)
	}
	if res := w.resultPosts(1)[0]; res.Embeds[0].Image != "" {
		t.Errorf("a video-only result's embed shows %q", res.Embeds[0].Image)
	}
	w.noViolations()
}

func TestOutputsTextShowsInTheResultEmbed(t *testing.T) {
	w := outputsWorld(t, "")
	alice := w.generator("alice")
	prompt := "a fox **reading** @everyone"
	res := w.run(alice, "caption", prompt, 1)
	var shown string
	for _, f := range res.Embeds[0].Fields {
		if strings.HasPrefix(f.Name, "📝 Text") {
			shown = f.Value
		}
	}
	if shown != `a fox \*\*reading\*\* \@everyone` {
		t.Fatalf("the PreviewAny text should show as typed, escaped: %q (fields %+v)", shown, res.Embeds[0].Fields)
	}
	if got := filesOf(res); len(got) != 1 || !strings.HasPrefix(got[0], "captioned_00001_.png") {
		t.Errorf("files %q", got)
	}
	// The text is kept with the job, for a redelivery after a restart.
	texts := model.TextRefs(w.jobOf(1).Images)
	if len(texts) != 1 || texts[0].Text != prompt || texts[0].NodeID != "13" {
		t.Fatalf("stored texts: %+v", texts)
	}
	w.noViolations()
}

// A video over the upload limit with no ffmpeg on the machine is not
// posted; the result says how large it is, the limit, and where it stays,
// the image beside it is posted, and a crash before the post was recorded
// posts nothing twice. Discord's default limit holds before and after the
// restart, as it does for a server without boosts.
func TestOutputsOversizeVideoWithoutAnEncoder(t *testing.T) {
	w := outputsWorld(t, "")
	w.comfy[0].SetMediaBytes(11 << 20)
	alice := w.generator("alice")
	res := w.run(alice, "image_and_video", "a red fox", 1)
	if got := filesOf(res); len(got) != 1 || !strings.HasPrefix(got[0], "still_00001_.png image/png") {
		t.Fatalf("only the image fits: %q", got)
	}
	desc := res.Embeds[0].Description
	for _, want := range []string{`AnimateDiff\_00001.mp4** is 11 MB`, "over the 10 MB upload limit", `stays in ComfyUI's output folder as AnimateDiff\_00001.mp4`} {
		if !strings.Contains(desc, want) {
			t.Errorf("the result does not say %q:\n%s", want, desc)
		}
	}
	w.crashWhileDelivering(1, 0)
	w.waitStatus(1, model.StatusCompleted)
	if n := len(w.resultPosts(1)); n != 1 {
		t.Fatalf("job 1's result was posted %d times", n)
	}
	w.noViolations()
}

// With ffmpeg on the machine (a stand-in here: the process boundary) the
// oversize video is re-encoded and posted, and the result says so.
func TestOutputsOversizeVideoReencoded(t *testing.T) {
	const limit = 200_000
	bin := standInFFmpeg(t, 120_000)
	w := outputsWorld(t, bin, withDiscord(discordtest.WithAttachmentSizeLimit(limit)))
	w.comfy[0].SetMediaBytes(300_000)
	alice := w.generator("alice")
	res := w.run(alice, "vhs_video", "a red fox", 1)
	if got := filesOf(res); len(got) != 1 || got[0] != "AnimateDiff_00001.mp4 video/mp4" || res.Files[0].Size != 120_000 {
		t.Fatalf("want the re-encoded MP4 of 120000 bytes, got %q (%+v)", got, res.Files)
	}
	if !strings.Contains(res.Embeds[0].Description, `AnimateDiff\_00001.mp4 was re-encoded smaller to fit Discord's upload limit (0.3 MB → 0.1 MB)`) {
		t.Errorf("the result does not say it was re-encoded:\n%s", res.Embeds[0].Description)
	}
	calls, err := os.ReadFile(filepath.Join(bin, "calls.log"))
	if err != nil || !strings.Contains(string(calls), "-c:v libx264") {
		t.Fatalf("ffmpeg was not asked to encode: %q %v", calls, err)
	}
	w.noViolations()
}

// Mixed outputs over several parts are each posted once, in order, and a
// crash between posting a part and recording it posts nothing twice.
func TestOutputsMixedPartsPostedOnce(t *testing.T) {
	w := outputsWorld(t, "")
	w.comfy[0].SetMediaBytes(6 << 20) // two do not fit one message of 10 MB
	alice := w.generator("alice")
	w.run(alice, "core_video", "a red fox", 1)
	posts := w.resultPosts(1)
	if got := filesOf(posts...); strings.Join(got, ", ") != "ComfyUI_00001_.mp4 video/mp4, anim_00001_.webp image/webp" || len(posts) != 2 {
		t.Fatalf("want the video and the animation in two parts, got %q in %d", got, len(posts))
	}
	if !strings.Contains(posts[0].Content, "here are files 1–1 of 2") || len(posts[0].Buttons) == 0 || len(posts[1].Buttons) != 0 {
		t.Errorf("parts: %q (%d buttons), %q (%d buttons)", posts[0].Content, len(posts[0].Buttons), posts[1].Content, len(posts[1].Buttons))
	}
	// A crash after both parts were posted but only the first recorded:
	// the second goes again under its nonce, and Discord answers with the
	// message it has.
	w.crashWhileDelivering(1, 1)
	w.waitStatus(1, model.StatusCompleted)
	if n := len(w.resultPosts(1)); n != 2 {
		t.Fatalf("after the crash job 1 has %d result messages, want the same 2", n)
	}
	recs, err := w.openStore().Deliveries(t.Context(), 1)
	if err != nil || len(recs) != 2 || recs[1].MessageID != posts[1].MessageID.String() {
		t.Fatalf("deliveries %+v %v, want part 2 recorded as message %s; logs:\n%s", recs, err, posts[1].MessageID, tail(w.logs.String(), 3000))
	}
	w.noViolations()
}

// crashWhileDelivering stops the bot and leaves its database as a crash
// would have after posting every part of a job but recording only the first
// kept ones: the job still delivering. Then the bot starts again.
func (w *world) crashWhileDelivering(jobID int64, kept int) {
	w.t.Helper()
	w.stop()
	storetest.Exec(w.t, w.dbURL, `UPDATE jobs SET status = ? WHERE id = ?`, model.StatusDelivering, jobID)
	storetest.Exec(w.t, w.dbURL, `DELETE FROM deliveries WHERE job_id = ? AND part >= ?`, jobID, kept)
	w.start()
}

// standInFFmpeg writes an executable named ffmpeg into a new folder and
// returns the folder: it describes any input as 4 s long and "encodes" by
// writing size bytes, logging its arguments to calls.log. Shell builtins
// only, as PATH holds this folder alone.
func standInFFmpeg(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	script := fmt.Sprintf(`#!/bin/sh
printf '%%s\n' "$*" >> '%s'
out=""
prev=""
for a; do prev=$out; out=$a; done
if [ "$prev" = "-i" ]; then
	printf '  Duration: 00:00:04.00, start: 0.000000, bitrate: 600 kb/s\n' >&2
	exit 1
fi
printf '%%0%dd' 0 > "$out"
`, log, size)
	if err := os.WriteFile(filepath.Join(dir, "ffmpeg"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
