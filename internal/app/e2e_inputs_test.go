//go:build !race

package app

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/render"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, 0, color.NRGBA{R: uint8(x), G: 90, B: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader is a PNG that claims w×h pixels and holds none: what a
// decompression bomb looks like to a reader that trusts the header.
func pngHeader(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		b.Write(body)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}

// uploadedInput reads back from the fake ComfyUI's input folder the image a
// job's LoadImage names.
func (w *world) uploadedInput(name string) []byte {
	w.t.Helper()
	c := comfy.New(comfy.Options{BaseURL: w.comfy[0].URL()})
	data, err := c.View(w.t.Context(), comfy.File{Filename: name, Type: "input"})
	if err != nil {
		w.t.Fatalf("ComfyUI's input folder has no %s: %v", name, err)
	}
	return data
}

func countJobs(t *testing.T, st *store.Store) int {
	t.Helper()
	n, err := st.CountJobs(t.Context(), store.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// /generate image: uploads the attachment to ComfyUI and binds it to the
// workflow's LoadImage; a rerun starts from the same image.
func TestGenerateFromAnImage(t *testing.T) {
	img2img := readFile(t, workflowTestdata(t, "sd15_img2img.json"))
	w := newWorld(t)
	owner := w.guild.Owner()
	alice := w.generator("alice")
	w.addWorkflow(owner, "img2img", "sd15_img2img.json", img2img)
	cat := testPNG(t, 96, 64)

	r := w.slash(alice, "generate", discordtest.StringArg("prompt", "a cat in a hat"), discordtest.StringArg("workflow", "img2img"),
		discordtest.AttachmentArg("image", "cat.png", cat), discordtest.NumberArg("denoise", 0.55))
	if !r.Ephemeral || !strings.Contains(text(r), "#1") {
		t.Fatalf("the job should be queued: %s", text(r))
	}
	w.result(w.general, 1)
	g := w.graphOf(1)
	name, _ := g.input("LoadImage", "image").(string)
	if name != "discordsend-job1-image.png" {
		t.Fatalf("LoadImage.image = %q, want the job's own upload", name)
	}
	if got := w.uploadedInput(name); !bytes.Equal(got, cat) {
		t.Fatalf("ComfyUI got %d bytes, not the %d attached", len(got), len(cat))
	}
	if d := g.input("KSampler", "denoise"); d != 0.55 {
		t.Errorf("KSampler.denoise = %v, want the option's 0.55", d)
	}

	r = w.slash(alice, "history rerun", discordtest.IntArg("id", 1))
	if !strings.Contains(text(r), "#2") {
		t.Fatalf("the rerun should be queued: %s", text(r))
	}
	w.result(w.general, 2)
	name, _ = w.graphOf(2).input("LoadImage", "image").(string)
	if got := w.uploadedInput(name); !bytes.Equal(got, cat) {
		t.Fatalf("the rerun ran on %s, %d bytes, not the original image", name, len(got))
	}
	w.noViolations()
}

// A bad input image is refused with a message saying what to do, and
// nothing is queued.
func TestBadInputImagesAreRefused(t *testing.T) {
	img2img := readFile(t, workflowTestdata(t, "sd15_img2img.json"))
	w := newWorld(t, withDiscord(discordtest.WithAttachmentSizeLimit(64<<20)))
	owner := w.guild.Owner()
	alice := w.generator("alice")
	w.addWorkflow(owner, "img2img", "sd15_img2img.json", img2img)
	huge := append(testPNG(t, 8, 8), make([]byte, 30<<20)...)
	tests := []struct {
		name     string
		workflow string
		args     []discordtest.Arg
		want     []string
	}{
		{"a 30 MB file", "img2img", []discordtest.Arg{discordtest.AttachmentArg("image", "big.png", huge)},
			[]string{"big.png", "30.0 MiB", "at most 20.0 MiB"}},
		{"a text file named .png", "img2img", []discordtest.Arg{discordtest.AttachmentArg("image", "notes.png", []byte("just some notes, not pixels\n"))},
			[]string{"notes.png", "not a PNG, JPEG or WEBP image", "text"}},
		{"a 20000×20000 PNG", "img2img", []discordtest.Arg{discordtest.AttachmentArg("image", "bomb.png", pngHeader(20000, 20000))},
			[]string{"bomb.png", "20000×20000", "at most 40.0 megapixels"}},
		{"no image for a workflow that needs one", "img2img", nil,
			[]string{"img2img", "starts from an image", "image option"}},
		{"an image for a workflow that takes none", "", []discordtest.Arg{discordtest.AttachmentArg("image", "cat.png", testPNG(t, 8, 8))},
			[]string{"default", "takes no input image"}},
	}
	st := w.openStore()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []discordtest.Arg{discordtest.StringArg("prompt", "x")}
			if tt.workflow != "" {
				args = append(args, discordtest.StringArg("workflow", tt.workflow))
			}
			args = append(args, tt.args...)
			r := w.slash(alice, "generate", args...)
			got := text(r)
			if !r.Ephemeral {
				t.Errorf("the refusal is for the user only: %s", got)
			}
			for _, s := range tt.want {
				if !strings.Contains(got, s) {
					t.Errorf("the refusal %q lacks %q", got, s)
				}
			}
			if n := countJobs(t, st); n != 0 {
				t.Fatalf("%d jobs were queued", n)
			}
		})
	}
	w.noViolations()
}

// outputOf reads back from the fake ComfyUI the first file job id made.
func (w *world) outputOf(id int64) []byte {
	w.t.Helper()
	job := w.jobOf(id)
	if len(job.Images) == 0 {
		w.t.Fatalf("job %d has no outputs", id)
	}
	ref := job.Images[0]
	c := comfy.New(comfy.Options{BaseURL: w.comfy[0].URL()})
	data, err := c.View(w.t.Context(), comfy.File{Filename: ref.Filename, Subfolder: ref.Subfolder, Type: ref.Type})
	if err != nil {
		w.t.Fatal(err)
	}
	return data
}

// Upscale, Vary and Use as input start new jobs from a result image, read
// back from ComfyUI, and keep working after the bot restarts.
func TestImageButtons(t *testing.T) {
	img2img := readFile(t, workflowTestdata(t, "sd15_img2img.json"))
	upscale := readFile(t, workflowTestdata(t, "upscale_2x.json"))
	w := newWorld(t, withEnv("DISCORDBOT_WORKFLOWS_UPSCALE", "upscale"), withEnv("DISCORDBOT_WORKFLOWS_IMG2IMG", "img2img"))
	owner := w.guild.Owner()
	alice := w.generator("alice")
	w.addWorkflow(owner, "img2img", "sd15_img2img.json", img2img)
	w.addWorkflow(owner, "upscale", "upscale_2x.json", upscale)

	w.slash(alice, "generate", discordtest.StringArg("prompt", "a lighthouse"), discordtest.IntArg("width", 256), discordtest.IntArg("height", 192))
	first := w.resultMessage(w.general, 1)
	made := w.outputOf(1)

	r := w.click(alice, first, "Upscale")
	if !strings.Contains(text(r), "#2") {
		t.Fatalf("Upscale should queue job 2: %s", text(r))
	}
	w.result(w.general, 2)
	if got := w.jobOf(2).WorkflowName; got != "upscale" {
		t.Errorf("the upscale ran workflow %q", got)
	}
	name, _ := w.graphOf(2).input("LoadImage", "image").(string)
	if got := w.uploadedInput(name); !bytes.Equal(got, made) {
		t.Fatalf("Upscale started from %d bytes, not job 1's %d-byte image", len(got), len(made))
	}
	if ref := w.jobOf(2).Images[0]; ref.Width != 512 || ref.Height != 384 {
		t.Errorf("the upscaled image is %dx%d, want 512x384", ref.Width, ref.Height)
	}

	w.restart()
	r = w.click(alice, first, "Vary")
	if !strings.Contains(text(r), "#3") {
		t.Fatalf("Vary should queue job 3 after a restart: %s", text(r))
	}
	w.result(w.general, 3)
	g := w.graphOf(3)
	if d := g.input("KSampler", "denoise"); d != 0.55 || w.jobOf(3).WorkflowName != "img2img" {
		t.Errorf("Vary should repaint lightly with img2img: denoise %v, workflow %s", d, w.jobOf(3).WorkflowName)
	}
	name, _ = g.input("LoadImage", "image").(string)
	if got := w.uploadedInput(name); !bytes.Equal(got, made) {
		t.Fatalf("Vary started from %d bytes, not job 1's image", len(got))
	}

	md := w.openModal(alice, first, "Use as input")
	r = w.submitModal(alice, w.general, md, map[string]string{render.InputPrompt: "the same lighthouse at night"})
	if !strings.Contains(text(r), "#4") {
		t.Fatalf("Use as input should queue job 4: %s", text(r))
	}
	w.result(w.general, 4)
	if got := w.jobOf(4).Params.Prompt; got != "the same lighthouse at night" {
		t.Errorf("job 4 runs with the prompt %q, not the modal's", got)
	}
	name, _ = w.graphOf(4).input("LoadImage", "image").(string)
	if got := w.uploadedInput(name); !bytes.Equal(got, made) {
		t.Fatalf("Use as input started from %d bytes, not job 1's image", len(got))
	}

	// Several images: one numbered button per image and action.
	w.slash(alice, "generate", discordtest.StringArg("prompt", "two boats"), discordtest.IntArg("batch", 2))
	batch := w.resultMessage(w.general, 5)
	for _, label := range []string{"U1", "U2", "V1", "V2", "↪1", "↪2"} {
		buttonID(t, batch, label)
	}
	w.noViolations()
}

// Apps → "Generate from this image" on a member's picture asks for a prompt
// and runs the img2img workflow on that picture; a message without an image
// gets a private answer saying so.
func TestGenerateFromThisImage(t *testing.T) {
	img2img := readFile(t, workflowTestdata(t, "sd15_img2img.json"))
	w := newWorld(t, withEnv("DISCORDBOT_WORKFLOWS_IMG2IMG", "img2img"))
	owner := w.guild.Owner()
	alice := w.generator("alice")
	bob := w.member("bob")
	w.addWorkflow(owner, "img2img", "sd15_img2img.json", img2img)
	photo := testPNG(t, 80, 72)
	posted, err := w.discord.PostUserMessage(bob, w.general, "my dog", discordtest.File{Name: "dog.png", Data: photo})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.discord.MessageCommand(t.Context(), alice, "Generate from this image", posted).Wait(t.Context())
	if err != nil || resp.Type != discordtest.ResponseModal || resp.Modal == nil {
		t.Fatalf("the command should ask for a prompt: %+v, %v", resp, err)
	}
	r := w.submitModal(alice, w.general, *resp.Modal, map[string]string{render.InputPrompt: "the dog as an oil painting"})
	if !strings.Contains(text(r), "#1") {
		t.Fatalf("the job should be queued: %s", text(r))
	}
	w.result(w.general, 1)
	if got := w.jobOf(1).WorkflowName; got != "img2img" {
		t.Errorf("the job ran %q, want img2img", got)
	}
	name, _ := w.graphOf(1).input("LoadImage", "image").(string)
	if got := w.uploadedInput(name); !bytes.Equal(got, photo) {
		t.Fatalf("ComfyUI got %d bytes, not bob's %d-byte picture", len(got), len(photo))
	}

	words, err := w.discord.PostUserMessage(bob, w.general, "no picture here")
	if err != nil {
		t.Fatal(err)
	}
	r = w.answer(w.discord.MessageCommand(t.Context(), alice, "Generate from this image", words))
	if !r.Ephemeral || !strings.Contains(text(r), "no PNG, JPEG or WEBP image") {
		t.Fatalf("a message without an image should get a private explanation: %s", text(r))
	}
	w.noViolations()
}
