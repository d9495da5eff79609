package bot

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
)

// attachment is one file of a result message, sent from memory.
type attachment struct {
	Name        string
	Data        []byte
	ContentType string // empty: application/octet-stream
}

// upload posts m with files in channel. disgo would build the whole
// multipart body in a buffer and then copy it once more into a debug log
// argument, so each file in flight took three times its size; here the
// body is read from the files themselves. The call still waits in
// disgo's rate limiter and tells it the bucket Discord answered with.
func (b *Bot) upload(ctx context.Context, channel snowflake.ID, m discord.MessageCreate, files []attachment) (sentMessage, error) {
	if m.AllowedMentions == nil {
		m.AllowedMentions = noMentions()
	}
	m.Files = nil
	body, err := newMultipart(m, files)
	if err != nil {
		return sentMessage{}, err
	}
	endpoint := rest.CreateMessage.Compile(nil, channel)
	limiter := b.client.Rest.RateLimiter()
	for try := 0; ; try++ {
		rs, rsBody, err := b.sendUpload(ctx, endpoint, body)
		if err != nil {
			return sentMessage{}, err
		}
		switch {
		case rs.StatusCode >= 200 && rs.StatusCode < 300:
			var sent sentMessage
			if err := json.Unmarshal(rsBody, &sent); err != nil {
				return sentMessage{}, fmt.Errorf("read the posted message: %w", err)
			}
			return sent, nil
		case rs.StatusCode == http.StatusTooManyRequests && try < limiter.MaxRetries():
			continue // the limiter waits out the bucket Discord named
		}
		restErr := &rest.Error{Response: rs, RsBody: rsBody}
		_ = json.Unmarshal(rsBody, restErr)
		return sentMessage{}, restErr
	}
}

// sendUpload makes one attempt: wait for the bucket, send, release it.
func (b *Bot) sendUpload(ctx context.Context, endpoint *rest.CompiledEndpoint, body *multipartBody) (*http.Response, []byte, error) {
	limiter := b.client.Rest.RateLimiter()
	if err := limiter.Wait(ctx, endpoint); err != nil {
		return nil, nil, err
	}
	rq, err := http.NewRequestWithContext(ctx, endpoint.Endpoint.Method, b.apiURL+endpoint.URL, body.reader())
	if err != nil {
		_ = limiter.Unlock(endpoint, nil)
		return nil, nil, err
	}
	rq.ContentLength = body.size()
	rq.Header.Set("Content-Type", body.contentType)
	rq.Header.Set("Authorization", discord.TokenTypeBot.Apply(b.client.Token))
	rq.Header.Set("User-Agent", b.userAgent())
	rs, err := b.client.Rest.HTTPClient().Do(rq)
	if err != nil {
		_ = limiter.Unlock(endpoint, nil)
		return nil, nil, err
	}
	defer rs.Body.Close()
	if err := limiter.Unlock(endpoint, rs); err != nil {
		return nil, nil, err
	}
	rsBody, err := io.ReadAll(rs.Body)
	return rs, rsBody, err
}

func (b *Bot) userAgent() string {
	return "DiscordBot (https://github.com/AEmotionStudio/ComfyUI-DiscordSend, " + b.version + ")"
}

// multipartBody is a form of a payload_json part and file parts whose
// bytes stay where they are: only the part headers are built.
type multipartBody struct {
	contentType string
	segments    [][]byte
}

func newMultipart(m discord.MessageCreate, files []attachment) (*multipartBody, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	var token [16]byte
	_, _ = rand.Read(token[:])
	boundary := hex.EncodeToString(token[:])
	body := &multipartBody{contentType: "multipart/form-data; boundary=" + boundary}
	body.part(boundary, `form-data; name="payload_json"`, "application/json", payload, true)
	for i, f := range files {
		disposition := fmt.Sprintf(`form-data; name="files[%d]"; filename="%s"`, i, escapeQuotes(f.Name))
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		body.part(boundary, disposition, ct, f.Data, false)
	}
	body.segments = append(body.segments, []byte("\r\n--"+boundary+"--\r\n"))
	return body, nil
}

// part adds one part, laid out as mime/multipart writes it.
func (mb *multipartBody) part(boundary, disposition, contentType string, data []byte, first bool) {
	var head bytes.Buffer
	if !first {
		head.WriteString("\r\n")
	}
	fmt.Fprintf(&head, "--%s\r\nContent-Disposition: %s\r\nContent-Type: %s\r\n\r\n", boundary, disposition, contentType)
	mb.segments = append(mb.segments, head.Bytes(), data)
}

func (mb *multipartBody) reader() io.Reader {
	rs := make([]io.Reader, len(mb.segments))
	for i, s := range mb.segments {
		rs[i] = bytes.NewReader(s)
	}
	return io.MultiReader(rs...)
}

func (mb *multipartBody) size() int64 {
	var n int64
	for _, s := range mb.segments {
		n += int64(len(s))
	}
	return n
}

// escapeQuotes escapes a file name for a quoted header parameter.
func escapeQuotes(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)
}
