package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// fetchAttachment downloads a file a user attached, refusing it with
// tooBig(size) when it is over limit bytes: by the size Discord reports,
// before anything is read, and by what actually arrives.
func (b *Bot) fetchAttachment(ctx context.Context, file discord.Attachment, limit int, tooBig func(size int) error) ([]byte, error) {
	if file.Size > limit {
		return nil, tooBig(file.Size)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, file.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", file.Filename, err)
	}
	resp, err := b.files.Do(req)
	if err != nil {
		return nil, &model.Error{Code: model.CodeUnavailable, Message: "The file could not be downloaded from Discord; upload it again.", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, model.Errorf(model.CodeUnavailable, "Discord answered %d when the bot downloaded the file; upload it again.", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, &model.Error{Code: model.CodeUnavailable, Message: "The file could not be downloaded from Discord; upload it again.", Err: err}
	}
	if len(data) > limit {
		return nil, tooBig(len(data))
	}
	return data, nil
}
