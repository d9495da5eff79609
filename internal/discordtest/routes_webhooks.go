package discordtest

import (
	"net/http"
	"slices"
)

// webhookLocked finds the interaction behind /webhooks/{app}/{token}.
// Tokens stop working after TokenTTL, as Discord's do after 15 minutes.
func (s *Server) webhookLocked(rq *request) (*Interaction, *apiError) {
	app, aerr := rq.id("app")
	if aerr != nil || app != s.appID {
		return nil, errUnknownWebhook()
	}
	ia := s.byToken[rq.PathValue("token")]
	if ia == nil {
		return nil, errUnknownWebhook()
	}
	if s.now().Sub(ia.created) > s.opts.TokenTTL {
		return nil, errInvalidWebhookToken()
	}
	return ia, nil
}

// webhookMessageLocked finds @original or a followup of the interaction.
func (s *Server) webhookMessageLocked(rq *request) (*Interaction, *message, *apiError) {
	ia, aerr := s.webhookLocked(rq)
	if aerr != nil {
		return nil, nil, aerr
	}
	var m *message
	if rq.PathValue("message") == "" {
		m = ia.original
	} else {
		id, aerr := rq.id("message")
		if aerr != nil {
			return nil, nil, errUnknownMessage()
		}
		if ia.original != nil && ia.original.id == id {
			m = ia.original
		} else if i := slices.IndexFunc(ia.followups, func(f *message) bool { return f.id == id }); i >= 0 {
			m = ia.followups[i]
		}
	}
	if m == nil || m.deleted {
		return nil, nil, errUnknownMessage()
	}
	return ia, m, nil
}

func (s *Server) getWebhookMessage(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m, aerr := s.webhookMessageLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, s.messageJSONLocked(m), nil
}

func (s *Server) editWebhookMessage(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ia, m, aerr := s.webhookMessageLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	p, aerr := decodeMessage(rq.body.json, rq.body.files, "")
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.editMessageLocked(m, p, ia.limit, ""); aerr != nil {
		return 0, nil, aerr
	}
	s.timeline.add(s.eventLocked(KindEdit, m, ia.user))
	return http.StatusOK, s.messageJSONLocked(m), nil
}

func (s *Server) deleteWebhookMessage(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	ia, m, aerr := s.webhookMessageLocked(rq)
	if aerr != nil {
		s.mu.Unlock()
		return 0, nil, aerr
	}
	m.deleted = true
	s.timeline.add(s.eventLocked(KindDelete, m, ia.user))
	s.mu.Unlock()
	s.dispatchDelete(m)
	return http.StatusNoContent, nil, nil
}

// createFollowup is POST /webhooks/{app}/{token}, which for interactions
// always waits. Right after a deferred reply, the first followup fills in
// the "thinking" message, as Discord still does.
func (s *Server) createFollowup(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ia, aerr := s.webhookLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	if !ia.acked || ia.resp.Type == ResponseAutocomplete {
		return 0, nil, errUnknownWebhook()
	}
	p, aerr := decodeMessage(rq.body.json, rq.body.files, "")
	if aerr != nil {
		return 0, nil, aerr
	}
	if o := ia.original; o != nil && o.flags&flagLoading != 0 && !o.deleted {
		if aerr := s.editMessageLocked(o, p, ia.limit, ""); aerr != nil {
			return 0, nil, aerr
		}
		s.timeline.add(s.eventLocked(KindEdit, o, ia.user))
		return http.StatusOK, s.messageJSONLocked(o), nil
	}
	m, aerr := s.buildMessageLocked(p, ia.channel, ia.limit, "")
	if aerr != nil {
		return 0, nil, aerr
	}
	m.ia = ia
	m.followup = true
	if p.Flags != nil && *p.Flags&flagEphemeral != 0 {
		m.flags |= flagEphemeral
		m.ephemeralTo = ia.user
	}
	s.storeLocked(m)
	ia.followups = append(ia.followups, m)
	s.timeline.add(s.eventLocked(KindFollowup, m, ia.user))
	return http.StatusOK, s.messageJSONLocked(m), nil
}
