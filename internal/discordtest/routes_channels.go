package discordtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/snowflake/v2"
)

// botChannelLocked finds a channel the bot can read.
func (s *Server) botChannelLocked(rq *request) (*Channel, *apiError) {
	id, aerr := rq.id("channel")
	if aerr != nil {
		return nil, errUnknownChannel()
	}
	ch := s.channelLocked(id)
	if ch == nil {
		return nil, errUnknownChannel()
	}
	if !ch.isDM() && !s.channelPermissionsLocked(s.bot, ch).Has(PermViewChannel) {
		return nil, errMissingAccess()
	}
	return ch, nil
}

// channelMessageLocked finds a message in the channel that the bot token
// can reach (not deleted, not ephemeral).
func (s *Server) channelMessageLocked(rq *request) (*message, *apiError) {
	ch, aerr := s.botChannelLocked(rq)
	if aerr != nil {
		return nil, aerr
	}
	id, aerr := rq.id("message")
	if aerr != nil {
		return nil, errUnknownMessage()
	}
	m := s.messages[id]
	if m == nil || m.channel != ch || m.deleted || m.ephemeralTo != nil {
		return nil, errUnknownMessage()
	}
	return m, nil
}

func (s *Server) getChannel(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.botChannelLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, channelJSON(ch, nil), nil
}

func (s *Server) createMessage(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.botChannelLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	if ch.isDM() && s.closedDMs[ch.Recipient.ID] {
		return 0, nil, errCannotDM()
	}
	perms := s.channelPermissionsLocked(s.bot, ch)
	if !perms.Has(PermSendMessages) || (len(rq.body.files) > 0 && !perms.Has(PermAttachFiles)) {
		return 0, nil, errMissingPermissions()
	}
	p, aerr := decodeMessage(rq.body.json, rq.body.files, "")
	if aerr != nil {
		return 0, nil, aerr
	}
	key := nonceKey{channel: ch.ID, nonce: strings.Trim(string(p.Nonce), `"`)}
	if p.EnforceNonce && key.nonce != "" {
		if prev, ok := s.nonces[key]; ok && s.now().Sub(prev.at) < nonceWindow {
			if m, ok := s.messages[prev.id]; ok {
				return http.StatusOK, s.messageJSONLocked(m), nil
			}
		}
	}
	m, aerr := s.buildMessageLocked(p, ch, s.opts.AttachmentSizeLimit, "")
	if aerr != nil {
		return 0, nil, aerr
	}
	s.storeLocked(m)
	if p.EnforceNonce && key.nonce != "" {
		if s.nonces == nil {
			s.nonces = map[nonceKey]nonceEntry{}
		}
		s.nonces[key] = nonceEntry{id: m.id, at: s.now()}
	}
	s.timeline.add(s.eventLocked(KindMessage, m, nil))
	s.holdLocked(rq, m)
	return http.StatusOK, s.messageJSONLocked(m), nil
}

// nonceWindow is how long Discord remembers an enforced nonce ("the past
// few minutes").
const nonceWindow = 5 * time.Minute

type nonceKey struct {
	channel snowflake.ID
	nonce   string
}

type nonceEntry struct {
	id snowflake.ID
	at time.Time
}

func (s *Server) getMessage(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, aerr := s.channelMessageLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, s.messageJSONLocked(m), nil
}

// listMessages is GET /channels/{id}/messages: newest first, ?limit=1..100.
func (s *Server) listMessages(rq *request) (int, any, *apiError) {
	limit := 50
	if v := rq.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fe := formErrors{}
			fe.add("limit", "NUMBER_TYPE_MAX", "Must be between 1 and 100.")
			return 0, nil, fe.err()
		}
		limit = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, aerr := s.botChannelLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	out := []obj{}
	for _, m := range slices.Backward(s.messageOrder) {
		if len(out) == limit {
			break
		}
		if m.channel == ch && !m.deleted && m.ephemeralTo == nil {
			out = append(out, s.messageJSONLocked(m))
		}
	}
	return http.StatusOK, out, nil
}

func (s *Server) editMessage(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, aerr := s.channelMessageLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	if m.author != s.bot {
		return 0, nil, errNotAuthor()
	}
	p, aerr := decodeMessage(rq.body.json, rq.body.files, "")
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.editMessageLocked(m, p, s.opts.AttachmentSizeLimit, ""); aerr != nil {
		return 0, nil, aerr
	}
	s.timeline.add(s.eventLocked(KindEdit, m, nil))
	return http.StatusOK, s.messageJSONLocked(m), nil
}

func (s *Server) deleteMessage(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	m, aerr := s.channelMessageLocked(rq)
	if aerr == nil && m.author != s.bot && !s.channelPermissionsLocked(s.bot, m.channel).Has(PermManageMessages) {
		aerr = errMissingPermissions()
	}
	if aerr != nil {
		s.mu.Unlock()
		return 0, nil, aerr
	}
	m.deleted = true
	s.timeline.add(s.eventLocked(KindDelete, m, nil))
	s.mu.Unlock()
	s.dispatchDelete(m)
	return http.StatusNoContent, nil, nil
}

// createDM is POST /users/@me/channels; it works even when the user has
// DMs closed, only sending fails.
func (s *Server) createDM(rq *request) (int, any, *apiError) {
	var d struct {
		RecipientID snowflake.ID `json:"recipient_id"`
	}
	if err := json.Unmarshal(rq.body.json, &d); err != nil {
		return 0, nil, typeError(err, "")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[d.RecipientID]
	if u == nil || u.Bot {
		return 0, nil, errUnknownUser()
	}
	return http.StatusOK, channelJSON(s.dmLocked(u), nil), nil
}
