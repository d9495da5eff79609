package discordtest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/disgoorg/snowflake/v2"
)

// SlashCommand makes u run a slash command in ch, as Discord's client would
// send it. path is the command name with its subcommand group and
// subcommand, if any ("generate", "queue view", "admin roles set"). The
// command and arguments are checked against what the bot registered (files
// of AttachmentArg options are uploaded first, as the client does); an
// invalid request fails the test and the returned Interaction's Wait. ctx
// bounds the wait for a bot to connect.
func (s *Server) SlashCommand(ctx context.Context, u *User, ch *Channel, path string, args ...Arg) *Interaction {
	return s.inject(ctx, iaCommand, u, ch, func(ia *Interaction, payload obj) error {
		args, err := s.uploadLocked(args, ch)
		if err != nil {
			return err
		}
		data, err := s.commandDataLocked(ia, path, args, nil)
		if err != nil {
			return err
		}
		data["resolved"] = s.resolvedJSONLocked(args, ia.guild)
		if len(data["resolved"].(obj)) == 0 {
			delete(data, "resolved")
		}
		payload["data"] = data
		return nil
	})
}

// Autocomplete makes u type into an autocomplete option: focused holds the
// partial input, args the options already filled in.
func (s *Server) Autocomplete(ctx context.Context, u *User, ch *Channel, path string, focused Arg, args ...Arg) *Interaction {
	return s.inject(ctx, iaAutocomplete, u, ch, func(ia *Interaction, payload obj) error {
		data, err := s.commandDataLocked(ia, path, args, &focused)
		if err != nil {
			return err
		}
		payload["data"] = data
		return nil
	})
}

// MessageCommand makes u pick the message command name (Apps, in the
// message's context menu) on target, in target's channel; take target
// from PostUserMessage, Message or an Event. The interaction's data has
// type 3, target_id and the whole message in resolved.messages (content
// and attachments included, whatever the bot's intents), as Discord sends
// it. An unknown name, a command of another type or a message u cannot see
// fails like SlashCommand.
func (s *Server) MessageCommand(ctx context.Context, u *User, name string, target Message) *Interaction {
	s.mu.Lock()
	stored := s.messages[target.ID]
	s.mu.Unlock()
	if stored == nil {
		return s.invalid(fmt.Errorf("%w: unknown message %d", ErrInvalidInteraction, target.ID))
	}
	return s.inject(ctx, iaCommand, u, stored.channel, func(ia *Interaction, payload obj) error {
		if !s.visibleLocked(u, stored) {
			return fmt.Errorf("%w: %s cannot see message %d (deleted or someone else's)", ErrInvalidInteraction, u.Name, stored.id)
		}
		data, err := s.contextDataLocked(ia, cmdMessage, name, stored.id)
		if err != nil {
			return err
		}
		data["resolved"] = obj{"messages": obj{stored.id.String(): s.messageJSONLocked(stored)}}
		ia.targetMessage = stored
		payload["data"] = data
		return nil
	})
}

// UserCommand makes u pick the user command name (Apps, in target's
// context menu) in ch. The interaction's data has type 2, target_id and
// the user, with their member in guilds, in resolved, as Discord sends it.
// As on Discord, u needs Send Messages in ch.
func (s *Server) UserCommand(ctx context.Context, u *User, ch *Channel, name string, target *User) *Interaction {
	return s.inject(ctx, iaCommand, u, ch, func(ia *Interaction, payload obj) error {
		if target == nil || s.users[target.ID] != target {
			return fmt.Errorf("%w: unknown target user", ErrInvalidInteraction)
		}
		if ia.guild != nil && !s.channelPermissionsLocked(u, ch).Has(PermSendMessages) {
			return fmt.Errorf("%w: %s lacks Send Messages in %s, which user commands need", ErrInvalidInteraction, u.Name, ch.Label())
		}
		data, err := s.contextDataLocked(ia, cmdUser, name, target.ID)
		if err != nil {
			return err
		}
		data["resolved"] = s.resolvedJSONLocked([]Arg{UserArg("", target)}, ia.guild)
		ia.targetUser = target
		payload["data"] = data
		return nil
	})
}

// contextDataLocked resolves a context menu command of a type by name and
// builds its interaction data without "resolved".
func (s *Server) contextDataLocked(ia *Interaction, kind int, name string, target snowflake.ID) (obj, error) {
	c := s.findCommandLocked(kind, name, ia.guild)
	if c == nil {
		what := "user"
		if kind == cmdMessage {
			what = "message"
		}
		return nil, fmt.Errorf("%w: unknown %s command %q (registered: %s)", ErrInvalidInteraction, what, name, s.commandNamesLocked(kind, ia.guild))
	}
	if err := s.commandUsableLocked(c, ia); err != nil {
		return nil, err
	}
	ia.command, ia.commandType = c.def.Name, kind
	data := obj{"id": c.id, "name": c.def.Name, "type": kind, "target_id": target}
	if c.guildID != 0 {
		data["guild_id"] = c.guildID
	}
	return data, nil
}

// ClickButton makes u click the button with customID on message m (take m
// from Message, LastMessageVisibleTo or an Event).
func (s *Server) ClickButton(ctx context.Context, u *User, m Message, customID string) *Interaction {
	s.mu.Lock()
	stored := s.messages[m.ID]
	s.mu.Unlock()
	if stored == nil {
		return s.invalid(fmt.Errorf("%w: unknown message %d", ErrInvalidInteraction, m.ID))
	}
	return s.inject(ctx, iaComponent, u, stored.channel, func(ia *Interaction, payload obj) error {
		if !s.visibleLocked(u, stored) {
			return fmt.Errorf("%w: %s cannot see message %d (deleted or someone else's)", ErrInvalidInteraction, u.Name, stored.id)
		}
		var button obj
		walkComponents(stored.components, "", func(c obj, _ string) {
			if intField(c, "type") == compButton && c["custom_id"] == customID {
				button = c
			}
		})
		switch {
		case button == nil:
			return fmt.Errorf("%w: message %d has no button %q", ErrInvalidInteraction, stored.id, customID)
		case button["disabled"] == true:
			return fmt.Errorf("%w: button %q is disabled", ErrInvalidInteraction, customID)
		}
		ia.source = stored
		payload["message"] = s.messageJSONLocked(stored)
		payload["data"] = obj{"custom_id": customID, "component_type": compButton, "id": intField(button, "id")}
		return nil
	})
}

// SubmitModal makes u submit the modal with customID that the bot opened for
// them, typing values (by text input custom id); inputs left out keep their
// prefilled value.
func (s *Server) SubmitModal(ctx context.Context, u *User, ch *Channel, customID string, values map[string]string) *Interaction {
	return s.inject(ctx, iaModalSubmit, u, ch, func(ia *Interaction, payload obj) error {
		open := s.modals[u.ID]
		if open == nil || open.def.CustomID != customID {
			return fmt.Errorf("%w: no modal %q open for %s", ErrInvalidInteraction, customID, u.Name)
		}
		if open.from.channel != ch {
			return fmt.Errorf("%w: modal %q was opened in %s, not %s", ErrInvalidInteraction, customID, open.from.channel.Label(), ch.Label())
		}
		if err := open.def.checkValues(values); err != nil {
			return err
		}
		delete(s.modals, u.ID)
		ia.trigger = open.from
		ia.source = open.from.source
		if ia.source != nil {
			payload["message"] = s.messageJSONLocked(ia.source)
		}
		payload["data"] = obj{"custom_id": customID, "components": open.def.submission(values)}
		return nil
	})
}

// inject builds an interaction with fill (under the server lock) and
// dispatches it; a failure is a violation and ends the Interaction.
func (s *Server) inject(ctx context.Context, kind int, u *User, ch *Channel, fill func(*Interaction, obj) error) *Interaction {
	if err := s.gw.waitReady(ctx); err != nil {
		return s.invalid(err)
	}
	s.mu.Lock()
	ia, err := s.newInteractionLocked(kind, u, ch)
	var payload obj
	if err == nil {
		payload = s.interactionJSONLocked(ia)
		err = fill(ia, payload)
	}
	s.mu.Unlock()
	if err != nil {
		return s.invalid(err)
	}
	s.register(ia, payload)
	return ia
}

func (s *Server) invalid(err error) *Interaction {
	s.violation("%v", err)
	return failedInteraction(err)
}

// commandDataLocked resolves path to a registered command and builds
// data for a command or autocomplete interaction.
func (s *Server) commandDataLocked(ia *Interaction, path string, args []Arg, focused *Arg) (obj, error) {
	segs := strings.Fields(path)
	if len(segs) == 0 {
		return nil, fmt.Errorf("%w: empty command path", ErrInvalidInteraction)
	}
	c := s.findCommandLocked(cmdChatInput, segs[0], ia.guild)
	if c == nil {
		return nil, fmt.Errorf("%w: unknown command /%s (registered: %s)", ErrInvalidInteraction, segs[0], s.commandNamesLocked(cmdChatInput, ia.guild))
	}
	if err := s.commandUsableLocked(c, ia); err != nil {
		return nil, err
	}
	ia.command, ia.commandType = c.def.Name, cmdChatInput
	leaf, wrap, err := resolvePath(c, segs)
	if err != nil {
		return nil, err
	}
	if err := checkArgs(leaf, args, focused); err != nil {
		return nil, fmt.Errorf("/%s: %w", path, err)
	}
	opts := make([]obj, 0, len(args)+1)
	for _, a := range args {
		opts = append(opts, a.json(0, false))
	}
	if focused != nil {
		i := slices.IndexFunc(leaf, func(o optionJSON) bool { return o.Name == focused.name })
		opts = append(opts, focused.json(leaf[i].Type, true))
	}
	data := obj{"id": c.id, "name": c.def.Name, "type": cmdChatInput}
	if c.guildID != 0 {
		data["guild_id"] = c.guildID
	}
	if wrapped := wrap(opts); len(wrapped) > 0 {
		data["options"] = wrapped
	}
	return data, nil
}

// commandUsableLocked applies where a command may be used and who sees it.
func (s *Server) commandUsableLocked(c *command, ia *Interaction) error {
	ctxType := contextGuild
	if ia.guild == nil {
		ctxType = contextBotDM
	}
	if !slices.Contains(c.contexts(), ctxType) {
		return fmt.Errorf("%w: %s is not available in %s", ErrInvalidInteraction, c.label(), ia.channel.Label())
	}
	if ia.guild == nil {
		return nil
	}
	if c.def.NSFW && !ia.channel.NSFW {
		return fmt.Errorf("%w: %s is age-restricted and %s is not", ErrInvalidInteraction, c.label(), ia.channel.Label())
	}
	if c.def.DefaultMemberPermissions == nil || s.opts.IgnoreCommandPermissions {
		return nil
	}
	need, _ := strconv.ParseUint(*c.def.DefaultMemberPermissions, 10, 64)
	have := ia.guild.permissionsLocked(ia.user.ID)
	if (need == 0 && !have.Has(PermAdministrator)) || !have.Has(Permissions(need)) {
		return fmt.Errorf("%w: %s lacks default_member_permissions %d for %s", ErrInvalidInteraction, ia.user.Name, need, c.label())
	}
	return nil
}

// commandNamesLocked lists the commands of a type the user could pick from,
// for error messages: /generate for slash commands, "Name" for the rest.
func (s *Server) commandNamesLocked(kind int, g *Guild) string {
	var names []string
	scopes := [][]*command{s.commands[0]}
	if g != nil {
		scopes = append(scopes, s.commands[g.ID])
	}
	for _, cmds := range scopes {
		for _, c := range cmds {
			switch {
			case c.kind() != kind:
			case kind == cmdChatInput:
				names = append(names, "/"+c.def.Name)
			default:
				names = append(names, strconv.Quote(c.def.Name))
			}
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, " ")
}

// resolvePath walks "cmd [group] [sub]" to the options of the invoked
// (sub)command and returns how to nest the argument list for it.
func resolvePath(c *command, segs []string) ([]optionJSON, func([]obj) []obj, error) {
	flat := func(opts []obj) []obj { return opts }
	if !c.hasSubcommands() {
		if len(segs) != 1 {
			return nil, nil, fmt.Errorf("%w: /%s has no subcommand %q", ErrInvalidInteraction, c.def.Name, strings.Join(segs[1:], " "))
		}
		return c.def.Options, flat, nil
	}
	if len(segs) < 2 {
		return nil, nil, fmt.Errorf("%w: /%s needs a subcommand", ErrInvalidInteraction, c.def.Name)
	}
	i := slices.IndexFunc(c.def.Options, func(o optionJSON) bool { return o.Name == segs[1] })
	if i < 0 {
		return nil, nil, fmt.Errorf("%w: /%s has no subcommand %q", ErrInvalidInteraction, c.def.Name, segs[1])
	}
	first := c.def.Options[i]
	if first.Type == optSubCommand {
		if len(segs) != 2 {
			return nil, nil, fmt.Errorf("%w: /%s %s takes no further subcommand", ErrInvalidInteraction, c.def.Name, segs[1])
		}
		return first.Options, func(opts []obj) []obj {
			return []obj{subOption(optSubCommand, first.Name, opts)}
		}, nil
	}
	if len(segs) != 3 {
		return nil, nil, fmt.Errorf("%w: /%s %s needs a subcommand", ErrInvalidInteraction, c.def.Name, segs[1])
	}
	j := slices.IndexFunc(first.Options, func(o optionJSON) bool { return o.Name == segs[2] })
	if j < 0 {
		return nil, nil, fmt.Errorf("%w: /%s %s has no subcommand %q", ErrInvalidInteraction, c.def.Name, segs[1], segs[2])
	}
	sub := first.Options[j]
	return sub.Options, func(opts []obj) []obj {
		return []obj{subOption(optSubCommandGroup, first.Name, []obj{subOption(optSubCommand, sub.Name, opts)})}
	}, nil
}

func subOption(typ int, name string, opts []obj) obj {
	o := obj{"type": typ, "name": name}
	if len(opts) > 0 {
		o["options"] = opts
	}
	return o
}
