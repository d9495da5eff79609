package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

type callbackJSON struct {
	Type ResponseType    `json:"type"`
	Data json.RawMessage `json:"data"`
}

// callback is POST /interactions/{id}/{token}/callback: the first answer to
// an interaction, within the deadline, once.
func (s *Server) callback(rq *request) (int, any, *apiError) {
	id, aerr := rq.id("interaction")
	if aerr != nil {
		return 0, nil, errUnknownInteraction()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ia := s.interactions[id]
	switch {
	case ia == nil || ia.token != rq.PathValue("token"):
		return 0, nil, errUnknownInteraction()
	case ia.acked:
		return 0, nil, errAlreadyAcknowledged()
	case ia.err != nil:
		return 0, nil, errUnknownInteraction()
	case ia.late(rq.arrived, s.opts.CallbackDeadline):
		s.failLateLocked(ia)
		return 0, nil, errUnknownInteraction()
	}
	var cb callbackJSON
	if err := json.Unmarshal(rq.body.json, &cb); err != nil {
		return 0, nil, typeError(err, "")
	}
	if !responseAllowed(ia, cb.Type) {
		fe := formErrors{}
		fe.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", fmt.Sprintf("Interaction response type %d is not valid for this interaction type %d", cb.Type, ia.kind))
		return 0, nil, fe.err()
	}
	resp, aerr := s.answerLocked(ia, cb, rq.body.files)
	if aerr != nil {
		return 0, nil, aerr
	}
	ia.finishLocked(resp, nil)
	if rq.URL.Query().Get("with_response") != "true" {
		return http.StatusNoContent, nil, nil
	}
	return http.StatusOK, s.callbackResponseLocked(ia, cb.Type), nil
}

// answerLocked applies a callback and records what the user sees.
func (s *Server) answerLocked(ia *Interaction, cb callbackJSON, files []upload) (Response, *apiError) {
	resp := Response{Type: cb.Type}
	switch cb.Type {
	case ResponseMessage:
		p, aerr := decodeMessage(cb.Data, files, "data")
		if aerr != nil {
			return resp, aerr
		}
		m, aerr := s.buildMessageLocked(p, ia.channel, ia.limit, "data")
		if aerr != nil {
			return resp, aerr
		}
		s.replyLocked(ia, m, p.Flags != nil && *p.Flags&flagEphemeral != 0)
		s.timeline.add(s.eventLocked(KindReply, m, ia.user))
	case ResponseDeferredMessage:
		var d struct {
			Flags int `json:"flags"`
		}
		if len(cb.Data) > 0 {
			if err := json.Unmarshal(cb.Data, &d); err != nil {
				return resp, typeError(err, "data")
			}
		}
		m := &message{id: s.newID(), channel: ia.channel, author: s.bot, created: s.now(), flags: flagLoading}
		s.replyLocked(ia, m, d.Flags&flagEphemeral != 0)
		s.timeline.add(s.eventLocked(KindReply, m, ia.user))
	case ResponseDeferredUpdate, ResponseUpdate:
		m := ia.source
		if m.deleted {
			return resp, errUnknownMessage()
		}
		if cb.Type == ResponseUpdate {
			p, aerr := decodeMessage(cb.Data, files, "data")
			if aerr != nil {
				return resp, aerr
			}
			if aerr := s.editMessageLocked(m, p, ia.limit, "data"); aerr != nil {
				return resp, aerr
			}
			s.timeline.add(s.eventLocked(KindEdit, m, ia.user))
		}
		ia.original = m
	case ResponseAutocomplete:
		choices, aerr := s.decodeChoices(cb.Data)
		if aerr != nil {
			return resp, aerr
		}
		resp.Choices = choices
		e := Event{T: s.now(), Kind: KindAutocomplete, User: ia.user.Name, Ephemeral: true, ChannelID: ia.channel.ID, Channel: ia.channel.Label(), InteractionID: ia.id, Choices: choices}
		s.timeline.add(e)
	case ResponseModal:
		def, aerr := decodeModal(cb.Data)
		if aerr != nil {
			return resp, aerr
		}
		fe := formErrors{}
		checkModal(fe, def)
		if aerr := fe.err(); aerr != nil {
			return resp, aerr
		}
		s.modals[ia.user.ID] = &openModal{def: def, from: ia}
		resp.Modal = def.summary()
		e := Event{T: s.now(), Kind: KindModal, User: ia.user.Name, Ephemeral: true, ChannelID: ia.channel.ID, Channel: ia.channel.Label(), InteractionID: ia.id, Modal: resp.Modal}
		s.timeline.add(e)
	}
	if ia.original != nil {
		snap := s.snapshotLocked(ia.original)
		resp.Message = &snap
		resp.Ephemeral = snap.Ephemeral
	}
	return resp, nil
}

// replyLocked stores m as the interaction's original response.
func (s *Server) replyLocked(ia *Interaction, m *message, ephemeral bool) {
	m.ia = ia
	switch {
	case ia.kind != iaCommand:
	case ia.commandType == cmdChatInput:
		m.kind = msgTypeChatInput
	default:
		m.kind = msgTypeContextMenu
	}
	if ephemeral {
		m.flags |= flagEphemeral
		m.ephemeralTo = ia.user
	}
	s.storeLocked(m)
	ia.original = m
}

func (s *Server) decodeChoices(raw []byte) ([]Choice, *apiError) {
	var d struct {
		Choices []choiceJSON `json:"choices"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, typeError(err, "data")
	}
	fe := formErrors{}
	checkChoices(fe, d.Choices)
	if aerr := fe.err(); aerr != nil {
		return nil, aerr
	}
	out := make([]Choice, 0, len(d.Choices))
	for _, c := range d.Choices {
		out = append(out, Choice(c))
	}
	return out, nil
}

// callbackResponseLocked is the body of ?with_response=true. Its resource
// type is the kind of message the callback produced: 4 for replies
// (deferred ones too), 7 for updates, as Discord's schema has it.
func (s *Server) callbackResponseLocked(ia *Interaction, t ResponseType) obj {
	inter := obj{"id": ia.id, "type": ia.kind}
	out := obj{"interaction": inter}
	m := ia.original
	if m == nil || t == ResponseAutocomplete || t == ResponseModal {
		return out
	}
	inter["response_message_id"] = m.id
	inter["response_message_loading"] = m.flags&flagLoading != 0
	inter["response_message_ephemeral"] = m.ephemeralTo != nil
	kind := ResponseMessage
	if t == ResponseDeferredUpdate || t == ResponseUpdate {
		kind = ResponseUpdate
	}
	out["resource"] = obj{"type": kind, "message": s.messageJSONLocked(m)}
	return out
}
