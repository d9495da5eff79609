package permission

import (
	"fmt"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Decision is the answer to "may this subject use this path here", with
// what a refusal needs to explain itself.
type Decision struct {
	Allowed bool
	Path    string
	Have    model.Level
	Need    model.Level
	InDM    bool
	// DMBlocked is set when DMs are closed to the subject altogether, as
	// opposed to open but at too low a level.
	DMBlocked bool
	DMPolicy  model.DMPolicy
	// GrantingRoles are the role IDs mapped to Need or higher.
	GrantingRoles []string
	// Reason says, for the logs, how Have was decided.
	Reason string
}

// Check decides whether s may use path.
func (p Policy) Check(s Subject, mappings []model.RoleMapping, path string) Decision {
	have, allowedHere, reason := p.level(s, mappings)
	need := Requirement(path)
	d := Decision{
		Allowed:   allowedHere && have >= need,
		Path:      path,
		Have:      have,
		Need:      need,
		InDM:      s.InDM(),
		DMBlocked: !allowedHere,
		Reason:    reason,
	}
	if d.InDM {
		d.DMPolicy = p.dmPolicy()
	} else {
		d.GrantingRoles = grantingRoles(need, mappings)
	}
	return d
}

// Message is the ephemeral refusal text; it is empty when the decision
// allows. Roles are written as mentions, which do not ping in an ephemeral
// reply.
func (d Decision) Message() string {
	switch {
	case d.Allowed:
		return ""
	case d.DMBlocked:
		return d.dmBlockedMessage()
	case d.InDM:
		return fmt.Sprintf("You need the **%s** level to %s, and in DMs the bot goes no further than **%s**. Use it in a server instead.",
			d.Need, action(d.Path), d.Have)
	}
	return fmt.Sprintf("You need the **%s** level to %s (you are **%s** here). %s",
		d.Need, action(d.Path), d.Have, d.grantSentence())
}

func (d Decision) dmBlockedMessage() string {
	var who string
	switch d.DMPolicy {
	case model.DMNobody:
		return "The bot is disabled in DMs. Use it in a server instead."
	case model.DMGenerators:
		who = "people who are generators in a server it shares with them"
	case model.DMAdmins:
		who = "people who are admins in a server it shares with them"
	default:
		who = "its owners"
	}
	return "In DMs the bot is limited to " + who + ". Use it in a server instead."
}

func (d Decision) grantSentence() string {
	const perms = "Administrator / Manage Server"
	if d.Need == model.LevelUser {
		return ""
	}
	if len(d.GrantingRoles) == 0 {
		return "No role grants it yet: an admin can map one with `/admin setroles`; members with " + perms + " are admins."
	}
	mentions := make([]string, len(d.GrantingRoles))
	for i, id := range d.GrantingRoles {
		mentions[i] = "<@&" + id + ">"
	}
	return "It comes with " + joinOr(mentions) + ", or with " + perms + "."
}

func action(path string) string {
	if IsButton(path) {
		return "use this button"
	}
	if path == "" {
		return "do this"
	}
	return "use `/" + path + "`"
}

// joinOr writes "a", "a or b", "a, b or c".
func joinOr(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
