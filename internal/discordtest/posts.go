package discordtest

import (
	"fmt"
	"slices"
)

// PostUserMessage makes u post a message in ch, as Discord's client does,
// with files attached: only Name and Data of each File are read, and the
// content type and image size come from the bytes, as on Discord. The
// files are served at the message's CDN URLs, so a message command can
// target the message and the bot can download them.
//
// It fails, wrapping ErrInvalidInteraction, when the client would not
// send the message: ch is hidden from u, u lacks Send Messages (or Attach
// Files), or the message is empty or over Discord's limits. Bots with the
// message intents get MESSAGE_CREATE; outside DMs, one without Message
// Content gets it with content, embeds, attachments and components empty.
func (s *Server) PostUserMessage(u *User, ch *Channel, content string, files ...File) (Message, error) {
	s.mu.Lock()
	m, err := s.postLocked(u, ch, content, files)
	if err != nil {
		s.mu.Unlock()
		return Message{}, err
	}
	full := s.messageJSONLocked(m)
	stripped := s.messageJSONLocked(m)
	var g *Guild
	if !ch.isDM() {
		g = s.guildsByID[ch.GuildID]
		for _, o := range []obj{full, stripped} {
			o["guild_id"] = g.ID
			o["member"] = memberJSON(g, g.members[u.ID], false)
		}
	}
	stripped["content"], stripped["embeds"], stripped["attachments"], stripped["components"] = "", []any{}, []any{}, []any{}
	snap := s.snapshotLocked(m)
	e := s.eventLocked(KindPost, m, u)
	s.mu.Unlock()

	s.timeline.add(e)
	intent := intentGuildMessages
	if g == nil {
		intent = intentDirectMessages
	}
	s.gw.dispatchVariants(guildPtr(ch), "MESSAGE_CREATE", []any{full, stripped}, func(intents int) int {
		switch {
		case intents&intent == 0:
			return -1
		case g == nil || intents&intentMessageContent != 0:
			return 0
		}
		return 1
	})
	return snap, nil
}

// postLocked checks what the client checks before sending and stores the
// message.
func (s *Server) postLocked(u *User, ch *Channel, content string, files []File) (*message, error) {
	switch {
	case u == nil || ch == nil:
		return nil, fmt.Errorf("%w: nil user or channel", ErrInvalidInteraction)
	case u.Bot:
		return nil, fmt.Errorf("%w: %s is a bot; bots post through the REST API", ErrInvalidInteraction, u.Name)
	case s.channels[ch.ID] == nil:
		return nil, fmt.Errorf("%w: unknown channel %s", ErrInvalidInteraction, ch.Label())
	case !s.canSeeLocked(u, ch):
		return nil, fmt.Errorf("%w: %s cannot see %s", ErrInvalidInteraction, u.Name, ch.Label())
	}
	if !ch.isDM() {
		perms := s.channelPermissionsLocked(u, ch)
		if !perms.Has(PermSendMessages) {
			return nil, fmt.Errorf("%w: %s lacks Send Messages in %s", ErrInvalidInteraction, u.Name, ch.Label())
		}
		if len(files) > 0 && !perms.Has(PermAttachFiles) {
			return nil, fmt.Errorf("%w: %s lacks Attach Files in %s", ErrInvalidInteraction, u.Name, ch.Label())
		}
	}
	switch {
	case content == "" && len(files) == 0:
		return nil, fmt.Errorf("%w: an empty message", ErrInvalidInteraction)
	case length(content) > maxContent:
		return nil, fmt.Errorf("%w: the message has %d characters, over %d", ErrInvalidInteraction, length(content), maxContent)
	case len(files) > maxFiles:
		return nil, fmt.Errorf("%w: %d files, over %d per message", ErrInvalidInteraction, len(files), maxFiles)
	}
	m := &message{id: s.newID(), channel: ch, author: u, content: content, kind: msgTypeDefault, created: s.now()}
	for _, f := range files {
		switch {
		case f.Name == "":
			return nil, fmt.Errorf("%w: a file without a name", ErrInvalidInteraction)
		case len(f.Data) > s.opts.AttachmentSizeLimit:
			return nil, fmt.Errorf("%w: %s is %d bytes, over the upload limit of %d", ErrInvalidInteraction, f.Name, len(f.Data), s.opts.AttachmentSizeLimit)
		}
		a := &attachment{id: s.newID(), name: f.Name, description: f.Description, data: slices.Clone(f.Data)}
		a.contentType, a.width, a.height = sniffFile(a.name, a.data)
		m.attachments = append(m.attachments, a)
	}
	for _, a := range m.attachments {
		s.attachments[a.id] = a
	}
	s.storeLocked(m)
	return m, nil
}
