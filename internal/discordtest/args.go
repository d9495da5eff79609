package discordtest

import (
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Arg is a slash-command option value as a user fills it in.
type Arg struct {
	name    string
	typ     int
	value   any
	user    *User
	role    *Role
	channel *Channel
	file    *fileUpload
}

// fileUpload is a file a user attaches to an attachment option.
type fileUpload struct {
	name    string
	data    []byte
	att     *attachment // stored when the command is sent
	channel *Channel
}

// StringArg is a string option.
func StringArg(name, v string) Arg { return Arg{name: name, typ: optString, value: v} }

// IntArg is an integer option.
func IntArg(name string, v int64) Arg { return Arg{name: name, typ: optInteger, value: v} }

// NumberArg is a number option.
func NumberArg(name string, v float64) Arg { return Arg{name: name, typ: optNumber, value: v} }

// BoolArg is a boolean option.
func BoolArg(name string, v bool) Arg { return Arg{name: name, typ: optBoolean, value: v} }

// UserArg is a user (or mentionable) option; Discord adds the user, and the
// member in guilds, to "resolved".
func UserArg(name string, u *User) Arg {
	return Arg{name: name, typ: optUser, value: u.ID, user: u}
}

// RoleArg is a role (or mentionable) option, resolved like Discord does.
func RoleArg(name string, r *Role) Arg {
	return Arg{name: name, typ: optRole, value: r.ID, role: r}
}

// ChannelArg is a channel option, resolved like Discord does.
func ChannelArg(name string, c *Channel) Arg {
	return Arg{name: name, typ: optChannel, value: c.ID, channel: c}
}

// AttachmentArg is an attachment option: the user picks a file, the client
// uploads it, and the interaction carries its id in data.options and the
// attachment in data.resolved.attachments, served from the fake's CDN path.
func AttachmentArg(name, filename string, data []byte) Arg {
	return Arg{name: name, typ: optAttachment, file: &fileUpload{name: filename, data: data}}
}

// Name is the option name.
func (a Arg) Name() string { return a.name }

// File is the file an AttachmentArg attaches (Name and Data set).
func (a Arg) File() (File, bool) {
	if a.file == nil {
		return File{}, false
	}
	return File{Name: a.file.name, Data: a.file.data}, true
}

func (a Arg) asString() string {
	if s, ok := a.value.(string); ok {
		return s
	}
	return fmt.Sprint(a.value)
}

func (a Arg) asNumber() (float64, bool) {
	switch v := a.value.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// accepts reports whether an argument of this kind fits an option of type
// t; Discord's client lets integers into number options and users or roles
// into mentionable ones.
func (a Arg) accepts(t int) bool {
	switch {
	case a.typ == t:
		return true
	case t == optNumber && a.typ == optInteger:
		return true
	case t == optMentionable && (a.typ == optUser || a.typ == optRole):
		return true
	}
	return false
}

// checkArgs validates args against the options of the invoked (sub)command
// the way Discord's client does before sending. focused, when set, is the
// autocomplete option being typed.
func checkArgs(opts []optionJSON, args []Arg, focused *Arg) error {
	given := map[string]bool{}
	all := args
	if focused != nil {
		all = append(slices.Clone(args), *focused)
	}
	for _, a := range all {
		if given[a.name] {
			return fmt.Errorf("%w: option %q given twice", ErrInvalidInteraction, a.name)
		}
		given[a.name] = true
		i := slices.IndexFunc(opts, func(o optionJSON) bool { return o.Name == a.name })
		if i < 0 {
			return fmt.Errorf("%w: no option %q", ErrInvalidInteraction, a.name)
		}
		o := opts[i]
		if focused != nil && a.name == focused.name {
			if !o.Autocomplete {
				return fmt.Errorf("%w: option %q has no autocomplete", ErrInvalidInteraction, a.name)
			}
			continue
		}
		if err := checkArg(o, a); err != nil {
			return err
		}
	}
	if focused != nil {
		return nil
	}
	for _, o := range opts {
		if o.Required && !given[o.Name] {
			return fmt.Errorf("%w: required option %q missing", ErrInvalidInteraction, o.Name)
		}
	}
	return nil
}

func checkArg(o optionJSON, a Arg) error {
	if !a.accepts(o.Type) {
		return fmt.Errorf("%w: option %q has type %d, got %d", ErrInvalidInteraction, o.Name, o.Type, a.typ)
	}
	if len(o.Choices) > 0 && !slices.ContainsFunc(o.Choices, func(c choiceJSON) bool { return choiceMatches(c.Value, a) }) {
		return fmt.Errorf("%w: %v is not a choice of option %q", ErrInvalidInteraction, a.value, o.Name)
	}
	if n, ok := a.asNumber(); ok {
		if (o.MinValue != nil && n < *o.MinValue) || (o.MaxValue != nil && n > *o.MaxValue) {
			return fmt.Errorf("%w: %v out of range for option %q", ErrInvalidInteraction, a.value, o.Name)
		}
	}
	if s, ok := a.value.(string); ok {
		if (o.MinLength != nil && length(s) < *o.MinLength) || (o.MaxLength != nil && length(s) > *o.MaxLength) {
			return fmt.Errorf("%w: %q has the wrong length for option %q", ErrInvalidInteraction, s, o.Name)
		}
	}
	if a.channel != nil && len(o.ChannelTypes) > 0 && !slices.Contains(o.ChannelTypes, a.channel.kind()) {
		return fmt.Errorf("%w: channel type %d not allowed for option %q", ErrInvalidInteraction, a.channel.kind(), o.Name)
	}
	return nil
}

func choiceMatches(v any, a Arg) bool {
	switch cv := v.(type) {
	case string:
		return cv == a.asString()
	case float64:
		n, ok := a.asNumber()
		return ok && n == cv
	}
	return false
}

// json renders the argument as Discord sends it in data.options; a focused
// (autocomplete) argument carries the partial input as a string.
func (a Arg) json(optType int, focused bool) obj {
	o := obj{"name": a.name, "type": a.typ}
	switch v := a.value.(type) {
	case int64:
		o["value"] = v
	case float64:
		o["value"] = v
	case bool:
		o["value"] = v
	case string:
		o["value"] = v
	default:
		o["value"] = fmt.Sprint(v)
	}
	if focused {
		o["type"] = optType
		o["value"] = a.asString()
		o["focused"] = true
	}
	return o
}

// resolvedJSON adds the users, members, roles and channels the arguments
// mention, as data.resolved does.
func (s *Server) resolvedJSONLocked(args []Arg, g *Guild) obj {
	users, members, roles, channels, attachments := obj{}, obj{}, obj{}, obj{}, obj{}
	for _, a := range args {
		switch {
		case a.file != nil && a.file.att != nil:
			att := a.file.att
			u := s.url + ephemeralAttachmentPath(a.file.channel, att)
			ao := obj{"id": att.id, "filename": att.name, "size": len(att.data), "url": u, "proxy_url": u,
				"content_type": att.contentType, "ephemeral": true, "flags": 0}
			if att.width > 0 {
				ao["width"], ao["height"] = att.width, att.height
			}
			attachments[att.id.String()] = ao
		case a.user != nil:
			key := a.user.ID.String()
			users[key] = userJSON(a.user)
			if g != nil {
				if m, ok := g.members[a.user.ID]; ok {
					mj := memberJSON(g, m, false)
					mj["permissions"] = g.permissionsLocked(a.user.ID).String()
					members[key] = mj
				}
			}
		case a.role != nil:
			roles[a.role.ID.String()] = roleJSON(a.role)
		case a.channel != nil:
			perms := s.channelPermissionsLocked(s.bot, a.channel)
			c := obj{"id": a.channel.ID, "type": a.channel.kind(), "permissions": perms.String(), "name": a.channel.Name}
			if a.channel.GuildID != 0 {
				c["guild_id"] = a.channel.GuildID
			}
			channels[a.channel.ID.String()] = c
		}
	}
	out := obj{}
	for k, v := range map[string]obj{"users": users, "members": members, "roles": roles, "channels": channels, "attachments": attachments} {
		if len(v) > 0 {
			out[k] = v
		}
	}
	return out
}

// uploadLocked stores the files of attachment arguments as Discord's client
// uploads them before sending the command, within the upload limit, and
// returns the arguments with the attachment ids as their values.
func (s *Server) uploadLocked(args []Arg, ch *Channel) ([]Arg, error) {
	out := slices.Clone(args)
	for i, a := range out {
		if a.file == nil {
			continue
		}
		if len(a.file.data) > s.opts.AttachmentSizeLimit {
			return nil, fmt.Errorf("%w: %s is %d bytes, over the upload limit of %d", ErrInvalidInteraction, a.file.name, len(a.file.data), s.opts.AttachmentSizeLimit)
		}
		att := &attachment{id: s.newID(), name: a.file.name, data: slices.Clone(a.file.data)}
		att.contentType, att.width, att.height = sniffFile(att.name, att.data)
		s.attachments[att.id] = att
		f := *a.file
		f.att, f.channel = att, ch
		out[i].file, out[i].value = &f, att.id
	}
	return out, nil
}

// ephemeralAttachmentPath is where Discord's CDN serves a file attached to
// a command: /ephemeral-attachments/CHANNEL/ID/NAME, with the signed expiry
// parameters (ex, is, hm) real URLs carry.
func ephemeralAttachmentPath(ch *Channel, a *attachment) string {
	return fmt.Sprintf("/ephemeral-attachments/%d/%d/%s?ex=%x&is=%x&hm=%016x", ch.ID, a.id, url.PathEscape(a.name),
		a.id.Time().Add(24*time.Hour).Unix(), a.id.Time().Unix(), uint64(a.id))
}

func (s *Server) channelPermissionsLocked(u *User, c *Channel) Permissions {
	if c.isDM() {
		return permDM
	}
	if g := s.guildsByID[c.GuildID]; g != nil {
		return g.permissionsLocked(u.ID)
	}
	return 0
}
