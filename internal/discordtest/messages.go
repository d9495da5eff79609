package discordtest

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

// Message flags.
const (
	flagSuppressEmbeds        = 1 << 2
	flagEphemeral             = 1 << 6
	flagLoading               = 1 << 7
	flagSuppressNotifications = 1 << 12
	flagComponentsV2          = 1 << 15

	createFlags = flagSuppressEmbeds | flagSuppressNotifications | flagComponentsV2
)

// Message types.
const (
	msgTypeDefault     = 0
	msgTypeChatInput   = 20
	msgTypeContextMenu = 23
)

// message is a stored message; guarded by Server.mu.
type message struct {
	id          snowflake.ID
	channel     *Channel
	author      *User
	content     string
	embeds      []embedJSON
	components  []any
	attachments []*attachment
	flags       int
	kind        int
	created     time.Time
	edits       []time.Time
	deleted     bool
	ephemeralTo *User        // nil: everyone who can see the channel
	ia          *Interaction // set on interaction responses and followups
	followup    bool
}

type attachment struct {
	id          snowflake.ID
	name        string
	description string
	contentType string
	data        []byte
	width       int
	height      int
}

// Message is a snapshot of a stored message.
type Message struct {
	ID        snowflake.ID
	ChannelID snowflake.ID
	GuildID   snowflake.ID
	Channel   string
	Author    string
	Content   string
	Embeds    []Embed
	Buttons   []Button
	Files     []File
	Flags     int
	Ephemeral bool
	// VisibleTo is the only user who sees the message (ephemeral or DM);
	// empty for channel messages.
	VisibleTo string
	// Loading is a deferred response still "thinking".
	Loading       bool
	Deleted       bool
	Created       time.Time
	Edits         int
	EditTimes     []time.Time
	InteractionID snowflake.ID
}

type embedJSON struct {
	Title       string       `json:"title,omitempty"`
	Type        string       `json:"type,omitempty"`
	Description string       `json:"description,omitempty"`
	URL         string       `json:"url,omitempty"`
	Timestamp   string       `json:"timestamp,omitempty"`
	Color       int          `json:"color,omitempty"`
	Footer      *embedFooter `json:"footer,omitempty"`
	Image       *embedMedia  `json:"image,omitempty"`
	Thumbnail   *embedMedia  `json:"thumbnail,omitempty"`
	Author      *embedAuthor `json:"author,omitempty"`
	Fields      []embedField `json:"fields,omitempty"`
}

type embedFooter struct {
	Text    string `json:"text"`
	IconURL string `json:"icon_url,omitempty"`
}

type embedMedia struct {
	URL      string `json:"url"`
	ProxyURL string `json:"proxy_url,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
}

type embedAuthor struct {
	Name    string `json:"name"`
	URL     string `json:"url,omitempty"`
	IconURL string `json:"icon_url,omitempty"`
}

type embedField struct {
	Name   *string `json:"name"`
	Value  *string `json:"value"`
	Inline bool    `json:"inline"`
}

func (m *message) visibleTo() *User {
	if m.ephemeralTo != nil {
		return m.ephemeralTo
	}
	return m.channel.Recipient
}

func (m *message) empty() bool {
	return m.content == "" && len(m.embeds) == 0 && len(m.attachments) == 0 &&
		!(m.flags&flagComponentsV2 != 0 && len(m.components) > 0)
}

// buildMessageLocked validates a create payload and returns the message it
// makes, not yet stored. prefix locates errors ("data" in callbacks).
func (s *Server) buildMessageLocked(p *messagePayload, ch *Channel, limit int, prefix string) (*message, *apiError) {
	fe := formErrors{}
	v2 := p.Flags != nil && *p.Flags&flagComponentsV2 != 0
	checkMessage(fe, prefix, p, v2)
	refs := s.checkRefsLocked(fe, prefix, p, nil)
	if err := fe.err(); err != nil {
		return nil, err
	}
	if err := checkFiles(len(p.files), p.files, limit); err != nil {
		return nil, err
	}
	m := &message{id: s.newID(), channel: ch, author: s.bot, created: s.now()}
	if p.Content != nil {
		m.content = *p.Content
	}
	if p.Embeds != nil {
		m.embeds = *p.Embeds
	}
	if p.Components != nil {
		m.components = numberComponents(*p.Components)
	}
	if p.Flags != nil {
		m.flags = *p.Flags & createFlags
	}
	m.attachments = s.newAttachmentsLocked(p.files, refs)
	if m.empty() {
		return nil, errEmptyMessage()
	}
	s.noteMentionsLocked(m, p, false)
	return m, nil
}

// editMessageLocked validates an edit payload and applies it. Attachments
// not listed in "attachments" are dropped when the list is given; uploads
// are always added.
func (s *Server) editMessageLocked(m *message, p *messagePayload, limit int, prefix string) *apiError {
	fe := formErrors{}
	v2 := m.flags&flagComponentsV2 != 0 || (p.Flags != nil && *p.Flags&flagComponentsV2 != 0)
	checkMessage(fe, prefix, p, v2)
	refs := s.checkRefsLocked(fe, prefix, p, m)
	if err := fe.err(); err != nil {
		return err
	}
	next := *m
	if p.Attachments != nil {
		next.attachments = nil
		for _, a := range m.attachments {
			if ref, ok := refs[a.id.String()]; ok {
				kept := *a
				if ref.Description != nil {
					kept.description = *ref.Description
				}
				next.attachments = append(next.attachments, &kept)
			}
		}
	}
	if err := checkFiles(len(next.attachments)+len(p.files), p.files, limit); err != nil {
		return err
	}
	next.attachments = append(slices.Clone(next.attachments), s.newAttachmentsLocked(p.files, refs)...)
	if p.Content != nil {
		next.content = *p.Content
	}
	if p.Embeds != nil {
		next.embeds = *p.Embeds
	}
	if p.Components != nil {
		next.components = numberComponents(*p.Components)
	}
	if p.Flags != nil {
		next.flags = next.flags&^flagSuppressEmbeds | *p.Flags&(flagSuppressEmbeds|flagComponentsV2)
	}
	next.flags &^= flagLoading
	if next.empty() {
		return errEmptyMessage()
	}
	next.edits = append(slices.Clone(m.edits), s.now())
	*m = next
	s.noteMentionsLocked(m, p, true)
	return nil
}

// checkRefsLocked checks that every attachments[] entry names an upload
// (files[n]) or, on edits, an attachment of m; it returns them by id.
func (s *Server) checkRefsLocked(fe formErrors, prefix string, p *messagePayload, m *message) map[string]attachmentRef {
	refs := map[string]attachmentRef{}
	if p.Attachments == nil {
		return refs
	}
	for i, ref := range *p.Attachments {
		id := ref.id()
		refs[id] = ref
		if slices.ContainsFunc(p.files, func(u upload) bool { return strconv.Itoa(u.index) == id }) {
			continue
		}
		if m != nil && slices.ContainsFunc(m.attachments, func(a *attachment) bool { return a.id.String() == id }) {
			continue
		}
		fe.add(join(prefix, "attachments."+strconv.Itoa(i)+".id"), "ATTACHMENT_NOT_FOUND", fmt.Sprintf("Unknown attachment %s: no files[%s] in the request", id, id))
	}
	return refs
}

func (s *Server) newAttachmentsLocked(files []upload, refs map[string]attachmentRef) []*attachment {
	out := make([]*attachment, 0, len(files))
	for _, f := range files {
		a := &attachment{id: s.newID(), name: f.name, data: f.data}
		if ref, ok := refs[strconv.Itoa(f.index)]; ok {
			if ref.Filename != "" {
				a.name = ref.Filename
			}
			if ref.Description != nil {
				a.description = *ref.Description
			}
		}
		a.contentType, a.width, a.height = sniffFile(a.name, f.data)
		out = append(out, a)
		s.attachments[a.id] = a
	}
	return out
}

// numberComponents gives every component the numeric id Discord assigns
// when the request left it out.
func numberComponents(comps []any) []any {
	next := 1
	walkComponents(comps, "", func(c obj, _ string) {
		if id := intField(c, "id"); id >= next {
			next = id + 1
		}
	})
	walkComponents(comps, "", func(c obj, _ string) {
		if _, ok := c["id"]; !ok {
			c["id"] = next
			next++
		}
	})
	return comps
}

func (s *Server) storeLocked(m *message) {
	s.messages[m.id] = m
	s.messageOrder = append(s.messageOrder, m)
}

func (s *Server) attachmentURL(m *message, a *attachment) string {
	return fmt.Sprintf("%s/attachments/%d/%d/%s", s.url, m.channel.ID, a.id, url.PathEscape(a.name))
}

// messageJSONLocked renders the message as Discord's REST API does.
func (s *Server) messageJSONLocked(m *message) obj {
	atts := make([]obj, 0, len(m.attachments))
	for _, a := range m.attachments {
		u := s.attachmentURL(m, a)
		ao := obj{"id": a.id, "filename": a.name, "size": len(a.data), "url": u, "proxy_url": u, "content_type": a.contentType, "flags": 0}
		if a.description != "" {
			ao["description"] = a.description
		}
		if a.width > 0 {
			ao["width"], ao["height"] = a.width, a.height
		}
		if m.ephemeralTo != nil {
			ao["ephemeral"] = true
		}
		atts = append(atts, ao)
	}
	embeds := make([]embedJSON, 0, len(m.embeds))
	for _, e := range m.embeds {
		embeds = append(embeds, s.renderEmbed(m, e))
	}
	comps := m.components
	if comps == nil {
		comps = []any{}
	}
	var edited any
	if len(m.edits) > 0 {
		edited = timestamp(m.edits[len(m.edits)-1])
	}
	o := obj{
		"id":               m.id,
		"channel_id":       m.channel.ID,
		"type":             m.kind,
		"content":          m.content,
		"author":           userJSON(m.author),
		"attachments":      atts,
		"embeds":           embeds,
		"components":       comps,
		"mentions":         []any{},
		"mention_roles":    []any{},
		"mention_everyone": false,
		"pinned":           false,
		"tts":              false,
		"timestamp":        timestamp(m.created),
		"edited_timestamp": edited,
		"flags":            m.flags,
	}
	if m.ia != nil {
		o["webhook_id"] = s.appID
		o["application_id"] = s.appID
		o["interaction_metadata"] = m.ia.metadataJSON(m)
	}
	return o
}

// renderEmbed normalises an embed as Discord echoes it, resolving
// attachment:// references to the uploaded file.
func (s *Server) renderEmbed(m *message, e embedJSON) embedJSON {
	e.Type = "rich"
	if e.Timestamp != "" {
		if t, err := time.Parse(time.RFC3339, e.Timestamp); err == nil {
			e.Timestamp = timestamp(t)
		}
	}
	e.Image = s.resolveMedia(m, e.Image)
	e.Thumbnail = s.resolveMedia(m, e.Thumbnail)
	return e
}

func (s *Server) resolveMedia(m *message, media *embedMedia) *embedMedia {
	if media == nil {
		return nil
	}
	out := *media
	name, ok := strings.CutPrefix(media.URL, "attachment://")
	if !ok {
		out.ProxyURL = media.URL
		return &out
	}
	for _, a := range m.attachments {
		if a.name == name {
			out.URL = s.attachmentURL(m, a)
			out.ProxyURL = out.URL
			out.Width, out.Height = a.width, a.height
		}
	}
	return &out
}

// snapshotLocked copies the message for the caller.
func (s *Server) snapshotLocked(m *message) Message {
	snap := Message{
		ID:        m.id,
		ChannelID: m.channel.ID,
		GuildID:   m.channel.GuildID,
		Channel:   m.channel.Label(),
		Author:    m.author.Name,
		Content:   m.content,
		Embeds:    embedsOf(s, m),
		Buttons:   buttonsOf(m.components),
		Files:     s.filesOf(m),
		Flags:     m.flags,
		Ephemeral: m.ephemeralTo != nil,
		Loading:   m.flags&flagLoading != 0,
		Deleted:   m.deleted,
		Created:   m.created,
		Edits:     len(m.edits),
		EditTimes: slices.Clone(m.edits),
	}
	if u := m.visibleTo(); u != nil {
		snap.VisibleTo = u.Name
	}
	if m.ia != nil {
		snap.InteractionID = m.ia.id
	}
	return snap
}

func embedsOf(s *Server, m *message) []Embed {
	out := make([]Embed, 0, len(m.embeds))
	for _, raw := range m.embeds {
		e := s.renderEmbed(m, raw)
		em := Embed{Title: e.Title, Description: e.Description, URL: e.URL, Color: e.Color}
		for _, f := range e.Fields {
			em.Fields = append(em.Fields, EmbedField{Name: deref(f.Name), Value: deref(f.Value), Inline: f.Inline})
		}
		if e.Image != nil {
			em.Image = e.Image.URL
		}
		if e.Thumbnail != nil {
			em.Thumbnail = e.Thumbnail.URL
		}
		if e.Footer != nil {
			em.Footer = e.Footer.Text
		}
		if e.Author != nil {
			em.Author = e.Author.Name
		}
		out = append(out, em)
	}
	return out
}

func buttonsOf(comps []any) []Button {
	var out []Button
	walkComponents(comps, "", func(c obj, _ string) {
		if intField(c, "type") != compButton {
			return
		}
		b := Button{Style: intField(c, "style")}
		b.Label, _ = c["label"].(string)
		b.CustomID, _ = c["custom_id"].(string)
		b.URL, _ = c["url"].(string)
		b.Disabled, _ = c["disabled"].(bool)
		out = append(out, b)
	})
	return out
}

func (s *Server) filesOf(m *message) []File {
	out := make([]File, 0, len(m.attachments))
	for _, a := range m.attachments {
		out = append(out, File{
			ID: a.id, Name: a.name, Description: a.description, ContentType: a.contentType,
			Size: len(a.data), Width: a.width, Height: a.height, URL: s.attachmentURL(m, a), Data: a.data,
		})
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// eventLocked describes a message change for the timeline. actor is who
// caused it when that is a user (a reply's interaction user, a user deleting
// a message).
func (s *Server) eventLocked(kind EventKind, m *message, actor *User) Event {
	snap := s.snapshotLocked(m)
	e := Event{
		T: s.now(), Kind: kind, Ephemeral: snap.Ephemeral, Deferred: snap.Loading,
		ChannelID: snap.ChannelID, Channel: snap.Channel, MessageID: snap.ID,
		InteractionID: snap.InteractionID, Content: snap.Content,
		Embeds: snap.Embeds, Buttons: snap.Buttons, Files: snap.Files,
	}
	switch {
	case actor != nil:
		e.User = actor.Name
	case snap.VisibleTo != "":
		e.User = snap.VisibleTo
	}
	return e
}

func (s *Server) visibleLocked(u *User, m *message) bool {
	if m.deleted {
		return false
	}
	if m.ephemeralTo != nil {
		return m.ephemeralTo.ID == u.ID
	}
	return s.canSeeLocked(u, m.channel)
}

// Message returns the current state of a message; ok is false for an
// unknown id. Deleted messages are returned with Deleted set.
func (s *Server) Message(channelID, id snowflake.ID) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok || m.channel.ID != channelID {
		return Message{}, false
	}
	return s.snapshotLocked(m), true
}

// Messages returns the messages of a channel that are not deleted, oldest
// first, ephemeral ones included.
func (s *Server) Messages(channelID snowflake.ID) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messageOrder {
		if m.channel.ID == channelID && !m.deleted {
			out = append(out, s.snapshotLocked(m))
		}
	}
	return out
}

// LastMessageVisibleTo returns the newest message u can see: in channels
// they can read, their DMs and ephemeral messages for them.
func (s *Server) LastMessageVisibleTo(u *User) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range slices.Backward(s.messageOrder) {
		if s.visibleLocked(u, m) {
			return s.snapshotLocked(m), true
		}
	}
	return Message{}, false
}

// DeleteMessage deletes a message as a user (or moderator) would; the bot's
// later edits get 404 10008.
func (s *Server) DeleteMessage(channelID, id snowflake.ID) error {
	s.mu.Lock()
	m, ok := s.messages[id]
	if !ok || m.channel.ID != channelID || m.deleted {
		s.mu.Unlock()
		return fmt.Errorf("discordtest: no message %d in channel %d", id, channelID)
	}
	m.deleted = true
	e := s.eventLocked(KindDelete, m, nil)
	e.User = ""
	s.mu.Unlock()
	s.timeline.add(e)
	s.dispatchDelete(m)
	return nil
}

// dispatchDelete tells bots with the message intents, as Discord does;
// ephemeral messages have no events.
func (s *Server) dispatchDelete(m *message) {
	if m.ephemeralTo != nil {
		return
	}
	intent := intentGuildMessages
	if m.channel.isDM() {
		intent = intentDirectMessages
	}
	s.gw.dispatch(guildPtr(m.channel), intent, "MESSAGE_DELETE", deleteEvent(m))
}

func deleteEvent(m *message) obj {
	o := obj{"id": m.id, "channel_id": m.channel.ID}
	if m.channel.GuildID != 0 {
		o["guild_id"] = m.channel.GuildID
	}
	return o
}

func guildPtr(c *Channel) *snowflake.ID {
	if c.GuildID == 0 {
		return nil
	}
	id := c.GuildID
	return &id
}
