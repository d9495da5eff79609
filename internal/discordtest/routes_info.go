package discordtest

import (
	"net/http"

	"github.com/disgoorg/snowflake/v2"
)

func (s *Server) getGateway(*request) (int, any, *apiError) {
	return http.StatusOK, obj{"url": s.GatewayURL()}, nil
}

func (s *Server) getGatewayBot(*request) (int, any, *apiError) {
	return http.StatusOK, obj{
		"url":    s.GatewayURL(),
		"shards": 1,
		"session_start_limit": obj{
			"total": 1000, "remaining": 1000 - int(s.stats.identifies.Load()), "reset_after": 86400000, "max_concurrency": 1,
		},
	}, nil
}

func (s *Server) getCurrentUser(*request) (int, any, *apiError) {
	u := userJSON(s.bot)
	u["mfa_enabled"] = false
	u["locale"] = "en-US"
	u["verified"] = true
	u["email"] = nil
	u["premium_type"] = 0
	return http.StatusOK, u, nil
}

func (s *Server) getUser(rq *request) (int, any, *apiError) {
	id, aerr := rq.id("user")
	if aerr != nil {
		return 0, nil, errUnknownUser()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return 0, nil, errUnknownUser()
	}
	return http.StatusOK, userJSON(u), nil
}

func (s *Server) getApplication(*request) (int, any, *apiError) {
	return http.StatusOK, obj{
		"id":                                   s.appID,
		"name":                                 s.bot.Name,
		"icon":                                 nil,
		"description":                          "",
		"type":                                 nil,
		"bot":                                  userJSON(s.bot),
		"bot_public":                           true,
		"bot_require_code_grant":               false,
		"verify_key":                           "0000000000000000000000000000000000000000000000000000000000000000",
		"flags":                                0,
		"flags_new":                            "0",
		"redirect_uris":                        []string{},
		"interactions_endpoint_url":            nil,
		"role_connections_verification_url":    nil,
		"owner":                                userJSON(&User{ID: s.appID + 1, Name: "owner"}),
		"approximate_guild_count":              len(s.Guilds()),
		"approximate_user_install_count":       0,
		"approximate_user_authorization_count": 0,
		"explicit_content_filter":              0,
		"team":                                 nil,
		"eligible_oauth2_scopes":               []string{"bot", "applications.commands"},
	}, nil
}

// guildLocked finds a guild the bot is in.
func (s *Server) guildLocked(rq *request) (*Guild, *apiError) {
	id, aerr := rq.id("guild")
	if aerr != nil {
		return nil, errUnknownGuild()
	}
	g := s.guildsByID[id]
	if g == nil {
		return nil, errUnknownGuild()
	}
	return g, nil
}

func (s *Server) getGuild(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, aerr := s.guildLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, g.restJSONLocked(), nil
}

func (s *Server) getRoles(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, aerr := s.guildLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	roles := make([]obj, 0, len(g.roles))
	for _, r := range g.roles {
		roles = append(roles, roleJSON(r))
	}
	return http.StatusOK, roles, nil
}

func (s *Server) getGuildChannels(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, aerr := s.guildLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	chans := make([]obj, 0, len(g.channels))
	for _, c := range g.channels {
		chans = append(chans, channelJSON(c, nil))
	}
	return http.StatusOK, chans, nil
}

func (s *Server) getMember(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, aerr := s.guildLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	id, aerr := rq.id("user")
	if aerr != nil {
		return 0, nil, errUnknownMember()
	}
	m := g.members[id]
	if m == nil {
		return 0, nil, errUnknownMember()
	}
	return http.StatusOK, memberJSON(g, m, true), nil
}

// commandScopeLocked is the guild id of a guild-command route, zero for
// global commands.
func (s *Server) commandScopeLocked(rq *request) (snowflake.ID, *apiError) {
	app, aerr := rq.id("app")
	if aerr != nil || app != s.appID {
		return 0, errUnknownApplication()
	}
	if rq.PathValue("guild") == "" {
		return 0, nil
	}
	g, aerr := s.guildLocked(rq)
	if aerr != nil {
		return 0, errMissingAccess()
	}
	return g.ID, nil
}

func (s *Server) getCommands(rq *request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	scope, aerr := s.commandScopeLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	out := []obj{}
	for _, c := range s.commands[scope] {
		out = append(out, s.commandJSON(c))
	}
	return http.StatusOK, out, nil
}

// putCommands is the bulk overwrite, counted so tests can check the bot
// registers once.
func (s *Server) putCommands(rq *request) (int, any, *apiError) {
	defs, aerr := decodeCommands(rq.body.json)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	scope, aerr := s.commandScopeLocked(rq)
	if aerr != nil {
		return 0, nil, aerr
	}
	if scope == 0 {
		s.stats.globalOverwrites.Add(1)
	} else {
		s.stats.guildOverwrites.Add(1)
	}
	out := []obj{}
	for _, c := range s.overwriteCommandsLocked(scope, defs) {
		out = append(out, s.commandJSON(c))
	}
	return http.StatusOK, out, nil
}
