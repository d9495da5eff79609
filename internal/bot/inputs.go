package bot

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg" // input images may be JPEG
	_ "image/png"
	"net/http"
	"slices"

	"github.com/disgoorg/disgo/discord"
	_ "golang.org/x/image/webp" // and WEBP

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// inputKinds are the image types an input may be, by sniffed content type.
var inputKinds = map[string]string{"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp"}

// fetchInput downloads an attachment given as an input image and checks
// what it is from its bytes, not its name: a PNG, JPEG or WEBP image within
// the size and pixel limits. Only the header is decoded, so an image made to
// expand into gigabytes of pixels is refused before any are allocated.
func (b *Bot) fetchInput(ctx context.Context, slot string, a discord.Attachment) (model.Input, error) {
	l := b.limits
	data, err := b.fetchAttachment(ctx, a, l.MaxInputBytes, func(size int) error {
		return model.Errorf(model.CodeInvalid, "`%s` is %s; an input image may be at most %s. Send a smaller or more compressed image.",
			a.Filename, mib(size), mib(l.MaxInputBytes))
	})
	if err != nil {
		return model.Input{}, err
	}
	return b.checkInput(slot, a.Filename, data)
}

// checkInput makes an input of an image's bytes after checking what they
// are; name is how the user knows the image.
func (b *Bot) checkInput(slot, name string, data []byte) (model.Input, error) {
	l := b.limits
	kind := http.DetectContentType(data)
	if _, ok := inputKinds[kind]; !ok {
		return model.Input{}, model.Errorf(model.CodeInvalid, "`%s` is not a PNG, JPEG or WEBP image (its content looks like %s). Attach an image file.",
			name, describeKind(kind))
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return model.Input{}, model.Errorf(model.CodeInvalid, "`%s` is a damaged %s image that cannot be read. Save it again and attach the new file.",
			name, inputKinds[kind])
	}
	if px := int64(cfg.Width) * int64(cfg.Height); cfg.Width <= 0 || cfg.Height <= 0 || px > int64(l.MaxInputPixels) {
		return model.Input{}, model.Errorf(model.CodeInvalid, "`%s` is %d×%d pixels (%.1f megapixels); an input image may have at most %.1f megapixels. Scale it down and attach it again.",
			name, cfg.Width, cfg.Height, float64(px)/1e6, float64(l.MaxInputPixels)/1e6)
	}
	return model.Input{Slot: slot, Filename: name, MIME: kind, Width: cfg.Width, Height: cfg.Height, Data: data}, nil
}

// inputs gathers a job's input images: those in hand, then the attachments,
// downloaded and checked (the interaction is acknowledged by then, as every
// route that submits defers its answer).
func (b *Bot) inputs(c *call, in genInput) ([]model.Input, error) {
	out := slices.Clone(in.Inputs)
	for _, slot := range []string{model.InputImage, model.InputImage2} {
		a, ok := in.Attachments[slot]
		if !ok {
			continue
		}
		img, err := b.fetchInput(c.ctx, slot, a)
		if err != nil {
			return nil, err
		}
		out = slices.DeleteFunc(out, func(i model.Input) bool { return i.Slot == slot })
		out = append(out, img)
	}
	return out, nil
}

// describeKind names a sniffed content type for a person.
func describeKind(kind string) string {
	switch kind {
	case "text/plain; charset=utf-8", "text/plain; charset=utf-16be", "text/plain; charset=utf-16le":
		return "text"
	case "application/octet-stream":
		return "unknown binary data"
	}
	return kind
}
