package discordtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// obj is a JSON object the fake renders.
type obj = map[string]any

// requestBody is a decoded request body: the JSON document (payload_json for
// multipart) and the uploaded files.
type requestBody struct {
	json      []byte
	files     []upload
	multipart bool
}

type upload struct {
	index int
	name  string
	data  []byte
}

var filePart = regexp.MustCompile(`^files\[(\d+)\]$`)

// parseBody decodes a JSON or multipart/form-data body.
func parseBody(contentType string, raw []byte) (requestBody, *apiError) {
	if len(raw) == 0 {
		return requestBody{}, nil
	}
	mt, params, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "multipart/form-data":
		return parseMultipart(params["boundary"], raw)
	case "application/json", "":
		if !json.Valid(raw) {
			return requestBody{}, errInvalidJSON()
		}
		return requestBody{json: raw}, nil
	default:
		return requestBody{}, &apiError{status: 400, code: 50109, message: "The request body contains invalid JSON.", violation: true}
	}
}

func parseMultipart(boundary string, raw []byte) (requestBody, *apiError) {
	b := requestBody{multipart: true}
	r := multipart.NewReader(bytes.NewReader(raw), boundary)
	// The parts together are shorter than the body: they share one
	// allocation of its size instead of each growing a buffer.
	store := make([]byte, 0, len(raw))
	next := 0
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return requestBody{}, &apiError{status: 400, code: 50109, message: "The request body contains invalid JSON.", violation: true}
		}
		start := len(store)
		store, err = appendAll(store, part)
		data := store[start:len(store):len(store)]
		if err != nil {
			return requestBody{}, errInvalidJSON()
		}
		name := part.FormName()
		switch {
		case name == "payload_json":
			if !json.Valid(data) {
				return requestBody{}, errInvalidJSON()
			}
			b.json = data
		case filePart.MatchString(name):
			n, _ := strconv.Atoi(filePart.FindStringSubmatch(name)[1])
			b.files = append(b.files, upload{index: n, name: part.FileName(), data: data})
		case part.FileName() != "":
			b.files = append(b.files, upload{index: next, name: part.FileName(), data: data})
		}
		next++
	}
	return b, nil
}

// appendAll appends everything r yields to dst.
func appendAll(dst []byte, r io.Reader) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, 4096)
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if errors.Is(err, io.EOF) {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// messagePayload is the message part of a create or edit request. Fields a
// request leaves out are nil so edits can tell "absent" from "empty".
type messagePayload struct {
	Content     *string          `json:"content"`
	Embeds      *[]embedJSON     `json:"embeds"`
	Components  *[]any           `json:"components"`
	Attachments *[]attachmentRef `json:"attachments"`
	Flags       *int             `json:"flags"`
	StickerIDs  []string         `json:"sticker_ids"`
	Poll        json.RawMessage  `json:"poll"`
	// Nonce with EnforceNonce makes a repeated create return the first
	// message instead of posting again, as Discord does for a few minutes.
	Nonce        json.RawMessage `json:"nonce"`
	EnforceNonce bool            `json:"enforce_nonce"`
	// AllowedMentions is decoded into allowed (nil: absent or null).
	AllowedMentions json.RawMessage `json:"allowed_mentions"`

	files   []upload
	allowed *allowedMentions
}

// attachmentRef is an entry of "attachments": an existing attachment's
// snowflake, or the n of a files[n] upload (disgo sends it as a number).
type attachmentRef struct {
	ID          json.RawMessage `json:"id"`
	Filename    string          `json:"filename"`
	Description *string         `json:"description"`
}

func (a attachmentRef) id() string {
	return strings.Trim(string(a.ID), `"`)
}

// decodeMessage decodes raw (an object) into a messagePayload. Type errors
// become Discord's 50035 errors at the offending field.
func decodeMessage(raw []byte, files []upload, prefix string) (*messagePayload, *apiError) {
	p := &messagePayload{files: files}
	if len(raw) == 0 || string(raw) == "null" {
		return p, nil
	}
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, typeError(err, prefix)
	}
	am, aerr := decodeAllowedMentions(p.AllowedMentions, prefix)
	if aerr != nil {
		return nil, aerr
	}
	p.allowed = am
	// JSON null content means "no content", as an empty string.
	var probe map[string]json.RawMessage
	_ = json.Unmarshal(raw, &probe)
	if v, ok := probe["content"]; ok && string(v) == "null" {
		empty := ""
		p.Content = &empty
	}
	if v, ok := probe["embeds"]; ok && string(v) == "null" {
		p.Embeds = &[]embedJSON{}
	}
	if v, ok := probe["components"]; ok && string(v) == "null" {
		p.Components = &[]any{}
	}
	if v, ok := probe["attachments"]; ok && string(v) == "null" {
		p.Attachments = &[]attachmentRef{}
	}
	return p, nil
}

// typeError turns a decoding error into a 50035 like Discord's.
func typeError(err error, prefix string) *apiError {
	fe := formErrors{}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		fe.add(join(prefix, te.Field), "BASE_TYPE_INVALID", fmt.Sprintf("Value is not a valid %s.", te.Type))
		return invalidForm(fe)
	}
	return errInvalidJSON()
}

func join(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	}
	return prefix + "." + path
}
