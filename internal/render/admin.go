package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/disgoorg/disgo/discord"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// SystemStatus is what /admin status shows.
type SystemStatus struct {
	Version  string
	Uptime   time.Duration
	Queued   int
	Running  int
	Backends []BackendStatus
	Process  ProcessStatus // zero: not shown
}

// ProcessStatus names the active process among several sharing a database.
type ProcessStatus struct {
	Name string // e.g. "gpu-box (pid 4242)"
	Term int64  // how many takeovers the lease has seen
}

// BackendStatus is one ComfyUI backend as the pool sees it.
type BackendStatus struct {
	Name       string
	Up         bool
	QueueDepth int    // jobs the backend holds (running and waiting)
	Error      string // why it is down, when it is
}

// AdminStatus renders /admin status.
func AdminStatus(s SystemStatus) Message {
	var items []string
	for _, b := range s.Backends {
		items = append(items, backendLine(b))
	}
	backends := "No backends configured."
	if len(items) > 0 {
		backends = lines(items, 3000)
	}
	up := 0
	for _, b := range s.Backends {
		if b.Up {
			up++
		}
	}
	color := colorCompleted
	switch {
	case up == 0:
		color = colorError
	case up < len(s.Backends):
		color = colorWarning
	}
	e := discord.Embed{
		Title:       "Bot status",
		Description: fmt.Sprintf("**Backends** (%d/%d up)\n%s", up, len(s.Backends), backends),
		Color:       color,
		Fields: []discord.EmbedField{
			inline("Version", text(orDefault(s.Version), 100)),
			inline("Uptime", Duration(s.Uptime)),
			inline("Queue", fmt.Sprintf("%d running · %d waiting", s.Running, s.Queued)),
		},
	}
	if s.Process.Name != "" {
		e.Fields = append(e.Fields, inline("Active process", text(s.Process.Name, 200)+" · term "+strconv.FormatInt(s.Process.Term, 10)))
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

func backendLine(b BackendStatus) string {
	if !b.Up {
		line := "🔴 **" + text(b.Name, 100) + "** · down"
		if b.Error != "" {
			line += " · " + text(oneLine(cleanError(b.Error, 150)), 150)
		}
		return line
	}
	return "🟢 **" + text(b.Name, 100) + "** · up · " + strconv.Itoa(b.QueueDepth) + " in queue"
}

// AdminRoles renders /admin roles: which roles grant which level.
func AdminRoles(mappings []model.RoleMapping) Message {
	byLevel := map[model.Level][]string{}
	for _, m := range mappings {
		if m.Level.Valid() && m.RoleID != "" {
			byLevel[m.Level] = append(byLevel[m.Level], roleMention(m.RoleID))
		}
	}
	var b strings.Builder
	if len(byLevel) == 0 {
		b.WriteString("No roles are mapped, so every member is a **user**. Map roles with `/admin setroles`.\n")
	} else {
		for _, l := range []model.Level{model.LevelAdmin, model.LevelGenerator} {
			roles := "none"
			if len(byLevel[l]) > 0 {
				roles = strings.Join(byLevel[l], ", ")
			}
			fmt.Fprintf(&b, "**%s**: %s\n", levelName(l), roles)
		}
		b.WriteString("**User**: everyone else\n")
	}
	b.WriteString("\nThe server owner and members with Administrator or Manage Server are always admins.")
	e := discord.Embed{Title: "Roles", Description: b.String(), Color: colorInfo}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

func levelName(l model.Level) string {
	s := l.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// ServerDefaults are the configured values a server's unset settings fall
// back to.
type ServerDefaults struct {
	MaxQueuePerUser int
	Delivery        model.Delivery
	Workflow        string
	DMPolicy        model.DMPolicy
}

// ServerSettings renders /admin config: each setting, and whether it is
// set here or inherited.
func ServerSettings(s model.Server, d ServerDefaults) Message {
	channel := "where the command is used"
	if s.DefaultChannelID != "" {
		channel = "<#" + s.DefaultChannelID + ">"
	}
	queue := strconv.Itoa(d.MaxQueuePerUser) + " (bot default)"
	if s.MaxQueuePerUser != nil {
		queue = strconv.Itoa(*s.MaxQueuePerUser)
	}
	e := discord.Embed{
		Title: "Server settings",
		Color: colorInfo,
		Fields: []discord.EmbedField{
			inline("Result channel", channel),
			inline("Queue limit per user", queue),
			inline("Default delivery", inherited(string(s.DefaultDelivery), string(d.Delivery))),
			inline("Default workflow", text(inherited(s.DefaultWorkflow, d.Workflow), 200)),
			inline("DM policy", inherited(string(s.DMPolicy), string(d.DMPolicy))),
		},
		Footer: &discord.EmbedFooter{Text: "Change these with /admin config"},
	}
	if s.Name != "" {
		e.Title += " · " + text(s.Name, 100)
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

func inherited(set, def string) string {
	if set != "" {
		return set
	}
	return orDefault(def) + " (bot default)"
}

// AdminClearConfirm asks an admin to confirm clearing a server's queue.
func AdminClearConfirm(guildID string, queued int) Message {
	e := discord.Embed{
		Title:       "Clear the queue?",
		Description: "This cancels " + plural(queued, "queued job", "queued jobs") + " of every member of this server. Running jobs keep running.",
		Color:       colorWarning,
	}
	row := discord.NewActionRow(button(discord.ButtonStyleDanger, "Clear the queue", "🧹", AdminClearID(guildID)))
	return fitted(Message{
		Embeds:     []discord.Embed{e},
		Components: []discord.LayoutComponent{row},
		Ephemeral:  true,
	})
}
