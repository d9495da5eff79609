package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/disgoorg/snowflake/v2"
)

// Ping is what one message the bot sent, or an edit of it, notified on
// Discord: the users and roles its mentions reached and whether it reached
// everyone (@everyone or @here).
type Ping struct {
	MessageID snowflake.ID
	Channel   string
	Edit      bool
	Users     []snowflake.ID
	Roles     []snowflake.ID
	Everyone  bool
}

// mentionRecord is one message-bearing request the fake accepted; guarded
// by Server.mu.
type mentionRecord struct {
	ping      Ping
	violation string // "" when the request let Discord parse nothing
}

// allowedMentions is a request's allowed_mentions object. Parse is nil both
// when the field is absent and when it is null: Discord parses nothing then.
type allowedMentions struct {
	Parse       []string       `json:"parse"`
	Users       []snowflake.ID `json:"users"`
	Roles       []snowflake.ID `json:"roles"`
	RepliedUser bool           `json:"replied_user"`
}

// decodeAllowedMentions reads a payload's allowed_mentions; nil when absent
// or null. prefix locates errors ("data" in callbacks).
func decodeAllowedMentions(raw json.RawMessage, prefix string) (*allowedMentions, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var am allowedMentions
	if err := json.Unmarshal(raw, &am); err != nil {
		return nil, typeError(err, join(prefix, "allowed_mentions"))
	}
	return &am, nil
}

// checkAllowedMentions applies Discord's rule on the object: a type may be
// parsed or listed, not both.
func checkAllowedMentions(fe formErrors, prefix string, am *allowedMentions) {
	if am == nil {
		return
	}
	if slices.Contains(am.Parse, "users") && len(am.Users) > 0 {
		fe.add(join(prefix, "allowed_mentions"), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", `parse:["users"] and users: [ids] are mutually exclusive.`)
	}
	if slices.Contains(am.Parse, "roles") && len(am.Roles) > 0 {
		fe.add(join(prefix, "allowed_mentions"), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", `parse:["roles"] and roles: [ids] are mutually exclusive.`)
	}
	for _, t := range am.Parse {
		if t != "users" && t != "roles" && t != "everyone" {
			fe.add(join(prefix, "allowed_mentions.parse"), "BASE_TYPE_CHOICES", "Value must be one of ('roles', 'users', 'everyone').")
		}
	}
}

var (
	userMention = regexp.MustCompile(`<@!?(\d+)>`)
	roleMention = regexp.MustCompile(`<@&(\d+)>`)
	massMention = regexp.MustCompile(`@(everyone|here)`)
)

// resolvePing works out whom content notifies under am, as Discord does:
// without allowed_mentions every mention in the content notifies; with it,
// only the parsed types and the listed ids. Embeds never notify.
func resolvePing(content string, am *allowedMentions) Ping {
	parse := func(t string) bool { return am == nil || slices.Contains(am.Parse, t) }
	var p Ping
	for _, m := range userMention.FindAllStringSubmatch(content, -1) {
		id, err := snowflake.Parse(m[1])
		if err != nil || slices.Contains(p.Users, id) {
			continue
		}
		if parse("users") || slices.Contains(am.Users, id) {
			p.Users = append(p.Users, id)
		}
	}
	for _, m := range roleMention.FindAllStringSubmatch(content, -1) {
		id, err := snowflake.Parse(m[1])
		if err != nil || slices.Contains(p.Roles, id) {
			continue
		}
		if parse("roles") || slices.Contains(am.Roles, id) {
			p.Roles = append(p.Roles, id)
		}
	}
	p.Everyone = parse("everyone") && massMention.MatchString(content)
	return p
}

// mentionViolation is why a message that shows text (content, embeds or
// Components V2) lets Discord parse mentions from it: the bot echoes what
// users type, so it must send allowed_mentions with nothing to parse and
// no roles, listing only the users it means to ping. "" when it does.
func mentionViolation(p *messagePayload, am *allowedMentions) string {
	shows := (p.Content != nil && *p.Content != "") || (p.Embeds != nil && len(*p.Embeds) > 0) ||
		(p.Flags != nil && *p.Flags&flagComponentsV2 != 0 && p.Components != nil && len(*p.Components) > 0)
	switch {
	case !shows:
		return ""
	case am == nil:
		return "no allowed_mentions, so Discord parses every mention"
	case len(am.Parse) > 0:
		return fmt.Sprintf("allowed_mentions parses %v", am.Parse)
	case len(am.Roles) > 0:
		return fmt.Sprintf("allowed_mentions lets roles %v be pinged", am.Roles)
	}
	return ""
}

// noteMentionsLocked records what an accepted create or edit of m pinged
// and whether it let mentions be parsed.
func (s *Server) noteMentionsLocked(m *message, p *messagePayload, edit bool) {
	ping := resolvePing(m.content, p.allowed)
	ping.MessageID, ping.Channel, ping.Edit = m.id, m.channel.Label(), edit
	s.mentions = append(s.mentions, mentionRecord{ping: ping, violation: mentionViolation(p, p.allowed)})
}

// Pings returns, for every message the bot sent or edited that notified
// someone, whom it notified, oldest first.
func (s *Server) Pings() []Ping {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Ping
	for _, r := range s.mentions {
		if len(r.ping.Users) > 0 || len(r.ping.Roles) > 0 || r.ping.Everyone {
			p := r.ping
			p.Users, p.Roles = slices.Clone(p.Users), slices.Clone(p.Roles)
			out = append(out, p)
		}
	}
	return out
}

// MentionViolations lists the messages (creates, edits, interaction
// responses and followups alike) that showed text without an
// allowed_mentions excluding everyone, roles and parsed users. Discord
// accepts them, so they are not contract violations; a bot that echoes
// user text must still never send one.
func (s *Server) MentionViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.mentions {
		if r.violation == "" {
			continue
		}
		verb := "message"
		if r.ping.Edit {
			verb = "edit of message"
		}
		out = append(out, fmt.Sprintf("%s %d in %s: %s", verb, r.ping.MessageID, r.ping.Channel, r.violation))
	}
	return out
}

// String is a short form of the ping for test failures.
func (p Ping) String() string {
	var parts []string
	for _, u := range p.Users {
		parts = append(parts, "<@"+u.String()+">")
	}
	for _, r := range p.Roles {
		parts = append(parts, "<@&"+r.String()+">")
	}
	if p.Everyone {
		parts = append(parts, "@everyone")
	}
	return fmt.Sprintf("message %d in %s pinged %s", p.MessageID, p.Channel, strings.Join(parts, " "))
}
