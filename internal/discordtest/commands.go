package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/disgoorg/snowflake/v2"
)

// Application command and option types.
const (
	cmdChatInput = 1
	cmdUser      = 2
	cmdMessage   = 3

	optSubCommand      = 1
	optSubCommandGroup = 2
	optString          = 3
	optInteger         = 4
	optBoolean         = 5
	optUser            = 6
	optChannel         = 7
	optRole            = 8
	optMentionable     = 9
	optNumber          = 10
	optAttachment      = 11
)

const (
	maxCommandName        = 32
	maxCommandDescription = 100
	maxCommandOptions     = 25
	maxCommandChars       = 8000
	maxOptionLength       = 6000

	// Per type and scope, as "Registering a Command" in Discord's docs has
	// them now; older copies of the docs say 5 for each context menu.
	maxChatInputCommands = 100
	maxContextCommands   = 15
)

// Compiled on first use: its Unicode classes take a megabyte, and this
// package is linked into discordsend-dev for bench and sandbox.
var commandName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)
})

type commandJSON struct {
	Type                     *int         `json:"type"`
	Name                     string       `json:"name"`
	Description              string       `json:"description"`
	Options                  []optionJSON `json:"options"`
	DefaultMemberPermissions *string      `json:"default_member_permissions"`
	DMPermission             *bool        `json:"dm_permission"`
	Contexts                 []int        `json:"contexts"`
	IntegrationTypes         []int        `json:"integration_types"`
	NSFW                     bool         `json:"nsfw"`
}

type optionJSON struct {
	Type         int          `json:"type"`
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	Required     bool         `json:"required,omitempty"`
	Choices      []choiceJSON `json:"choices,omitempty"`
	Options      []optionJSON `json:"options,omitempty"`
	ChannelTypes []int        `json:"channel_types,omitempty"`
	MinValue     *float64     `json:"min_value,omitempty"`
	MaxValue     *float64     `json:"max_value,omitempty"`
	MinLength    *int         `json:"min_length,omitempty"`
	MaxLength    *int         `json:"max_length,omitempty"`
	Autocomplete bool         `json:"autocomplete,omitempty"`
}

type choiceJSON struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// command is a registered application command.
type command struct {
	id      snowflake.ID
	version snowflake.ID
	guildID snowflake.ID // zero: global
	def     commandJSON
}

func (c *command) kind() int {
	if c.def.Type == nil {
		return cmdChatInput
	}
	return *c.def.Type
}

// label names the command in messages as a user finds it: /generate, or
// "Generate from this image" in a context menu.
func (c *command) label() string {
	if c.kind() == cmdChatInput {
		return "/" + c.def.Name
	}
	return strconv.Quote(c.def.Name)
}

func (c *command) hasSubcommands() bool {
	for _, o := range c.def.Options {
		if o.Type == optSubCommand || o.Type == optSubCommandGroup {
			return true
		}
	}
	return false
}

// Command is a registered application command, as the bot defined it.
type Command struct {
	ID          snowflake.ID
	GuildID     snowflake.ID
	Type        int
	Name        string
	Description string
	Options     []CommandOption
}

// CommandOption is an option (or subcommand) of a Command.
type CommandOption struct {
	Type         int
	Name         string
	Description  string
	Required     bool
	Autocomplete bool
	Choices      []Choice
	Options      []CommandOption
}

// Commands returns the commands registered globally (guildID zero) or for
// one guild, in registration order.
func (s *Server) Commands(guildID snowflake.ID) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Command
	for _, c := range s.commands[guildID] {
		out = append(out, Command{ID: c.id, GuildID: c.guildID, Type: c.kind(), Name: c.def.Name, Description: c.def.Description, Options: optionsOf(c.def.Options)})
	}
	return out
}

func optionsOf(opts []optionJSON) []CommandOption {
	var out []CommandOption
	for _, o := range opts {
		co := CommandOption{Type: o.Type, Name: o.Name, Description: o.Description, Required: o.Required, Autocomplete: o.Autocomplete, Options: optionsOf(o.Options)}
		for _, ch := range o.Choices {
			co.Choices = append(co.Choices, Choice(ch))
		}
		out = append(out, co)
	}
	return out
}

// decodeCommands parses a bulk-overwrite body and checks it against
// Discord's command rules.
func decodeCommands(raw []byte) ([]commandJSON, *apiError) {
	var cmds []commandJSON
	if err := json.Unmarshal(raw, &cmds); err != nil {
		return nil, typeError(err, "")
	}
	fe := formErrors{}
	checkCommands(fe, cmds)
	if err := fe.err(); err != nil {
		return nil, err
	}
	return cmds, checkCommandCounts(cmds)
}

func checkCommands(fe formErrors, cmds []commandJSON) {
	seen := map[string]bool{}
	for i, c := range cmds {
		p := strconv.Itoa(i)
		kind := cmdChatInput
		if c.Type != nil {
			kind = *c.Type
		}
		key := strconv.Itoa(kind) + ":" + c.Name
		if seen[key] {
			fe.add(join(p, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", fmt.Sprintf("Application command names must be unique (%s)", c.Name))
		}
		seen[key] = true
		switch kind {
		case cmdChatInput:
			checkName(fe, join(p, "name"), c.Name)
			checkRange(fe, join(p, "description"), c.Description, 1, maxCommandDescription)
			checkOptions(fe, join(p, "options"), c.Options, 0)
		case cmdUser, cmdMessage:
			// Mixed case and spaces are allowed here; "description" may only
			// be absent or empty, as Discord echoes it.
			checkRange(fe, join(p, "name"), c.Name, 1, maxCommandName)
			if c.Description != "" {
				fe.add(join(p, "description"), "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID", "Context menu commands cannot have description")
			}
			if len(c.Options) > 0 {
				fe.add(join(p, "options"), "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS_INVALID", "Context menu commands cannot have options")
			}
		default:
			fe.add(join(p, "type"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3).")
		}
		if c.DefaultMemberPermissions != nil {
			if _, err := strconv.ParseUint(*c.DefaultMemberPermissions, 10, 64); err != nil {
				fe.add(join(p, "default_member_permissions"), "NUMBER_TYPE_COERCE", "Value is not a valid permission bitfield.")
			}
		}
		if n := commandChars(c); n > maxCommandChars {
			fe.add(p, "APPLICATION_COMMAND_TOO_LARGE", fmt.Sprintf("Command exceeds maximum size (%d)", maxCommandChars))
		}
	}
}

// checkCommandCounts applies the per-type limits, which Discord answers
// with 30032 rather than a form error.
func checkCommandCounts(cmds []commandJSON) *apiError {
	counts := map[int]int{}
	for _, c := range cmds {
		counts[(&command{def: c}).kind()]++
	}
	for _, l := range []struct{ kind, limit int }{{cmdChatInput, maxChatInputCommands}, {cmdUser, maxContextCommands}, {cmdMessage, maxContextCommands}} {
		if counts[l.kind] > l.limit {
			return errMaxCommands(l.limit)
		}
	}
	return nil
}

func checkName(fe formErrors, path, name string) {
	if !commandName().MatchString(name) || strings.ToLower(name) != name {
		fe.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
}

// checkOptions applies the option rules at one nesting level: level 0 is
// the command, 1 inside a subcommand group, 2 inside a subcommand.
func checkOptions(fe formErrors, path string, opts []optionJSON, level int) {
	checkCount(fe, path, len(opts), maxCommandOptions)
	names := map[string]bool{}
	optional := false
	subs := 0
	for i, o := range opts {
		p := join(path, strconv.Itoa(i))
		checkName(fe, join(p, "name"), o.Name)
		checkRange(fe, join(p, "description"), o.Description, 1, maxCommandDescription)
		if names[o.Name] {
			fe.add(join(p, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		names[o.Name] = true
		isSub := o.Type == optSubCommand || o.Type == optSubCommandGroup
		if isSub {
			subs++
		}
		switch {
		case o.Type < optSubCommand || o.Type > optAttachment:
			fe.add(join(p, "type"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11).")
		case o.Type == optSubCommandGroup && level != 0, o.Type == optSubCommand && level == 2:
			fe.add(join(p, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands cannot be nested this deep")
		case !isSub && level == 1:
			fe.add(join(p, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommand groups may only contain subcommands")
		}
		if !isSub {
			if o.Required && optional {
				fe.add(join(p, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
			}
			if !o.Required {
				optional = true
			}
		}
		checkOptionValues(fe, p, o)
		switch o.Type {
		case optSubCommandGroup:
			checkOptions(fe, join(p, "options"), o.Options, 1)
		case optSubCommand:
			checkOptions(fe, join(p, "options"), o.Options, 2)
		}
	}
	if subs > 0 && subs < len(opts) {
		fe.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands and subcommand groups cannot be mixed with other options")
	}
}

func checkOptionValues(fe formErrors, p string, o optionJSON) {
	valued := o.Type == optString || o.Type == optInteger || o.Type == optNumber
	if len(o.Choices) > 0 && !valued {
		fe.add(join(p, "choices"), "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Choices are only allowed for string, integer and number options")
	}
	if o.Autocomplete && (!valued || len(o.Choices) > 0) {
		fe.add(join(p, "autocomplete"), "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete cannot be used with choices or this option type")
	}
	checkCount(fe, join(p, "choices"), len(o.Choices), maxChoices)
	for j, ch := range o.Choices {
		cp := join(p, "choices."+strconv.Itoa(j))
		checkRange(fe, join(cp, "name"), ch.Name, 1, maxChoiceName)
		switch v := ch.Value.(type) {
		case string:
			if o.Type != optString {
				fe.add(join(cp, "value"), "BASE_TYPE_INVALID", "Value must be a number")
			}
			checkRange(fe, join(cp, "value"), v, 1, maxChoiceValue)
		case float64:
			if o.Type == optString || (o.Type == optInteger && v != float64(int64(v))) {
				fe.add(join(cp, "value"), "BASE_TYPE_INVALID", "Value has the wrong type")
			}
		default:
			required(fe, join(cp, "value"))
		}
	}
	for _, l := range []struct {
		name string
		v    *int
	}{{"min_length", o.MinLength}, {"max_length", o.MaxLength}} {
		if l.v != nil && (o.Type != optString || *l.v < 0 || *l.v > maxOptionLength) {
			fe.add(join(p, l.name), "NUMBER_TYPE_MAX", fmt.Sprintf("Must be between 0 and %d, on string options.", maxOptionLength))
		}
	}
	if (o.MinValue != nil || o.MaxValue != nil) && o.Type != optInteger && o.Type != optNumber {
		fe.add(join(p, "min_value"), "APPLICATION_COMMAND_OPTION_INVALID", "min_value and max_value are only allowed on number options")
	}
}

func commandChars(c commandJSON) int {
	n := length(c.Name) + length(c.Description)
	var walk func([]optionJSON)
	walk = func(opts []optionJSON) {
		for _, o := range opts {
			n += length(o.Name) + length(o.Description)
			for _, ch := range o.Choices {
				n += length(ch.Name) + length(fmt.Sprint(ch.Value))
			}
			walk(o.Options)
		}
	}
	walk(c.Options)
	return n
}

// overwriteCommandsLocked replaces the command set, keeping the ids of
// commands that keep their type and name, as Discord does.
func (s *Server) overwriteCommandsLocked(guildID snowflake.ID, defs []commandJSON) []*command {
	old := map[string]*command{}
	for _, c := range s.commands[guildID] {
		old[strconv.Itoa(c.kind())+":"+c.def.Name] = c
	}
	out := make([]*command, 0, len(defs))
	for _, d := range defs {
		c := &command{guildID: guildID, def: d, version: s.newID()}
		if prev, ok := old[strconv.Itoa(c.kind())+":"+d.Name]; ok {
			c.id = prev.id
		} else {
			c.id = s.newID()
		}
		out = append(out, c)
	}
	s.commands[guildID] = out
	return out
}

func (s *Server) commandJSON(c *command) obj {
	o := obj{
		"id":                         c.id,
		"application_id":             s.appID,
		"version":                    c.version,
		"default_member_permissions": nil,
		"type":                       c.kind(),
		"name":                       c.def.Name,
		"name_localizations":         nil,
		"description":                c.def.Description,
		"description_localizations":  nil,
		"nsfw":                       c.def.NSFW,
	}
	if c.def.DefaultMemberPermissions != nil {
		o["default_member_permissions"] = *c.def.DefaultMemberPermissions
	}
	if len(c.def.Options) > 0 {
		o["options"] = c.def.Options
	}
	if c.guildID != 0 {
		o["guild_id"] = c.guildID
	} else {
		o["contexts"] = c.contexts()
		o["integration_types"] = c.integrationTypes()
		o["dm_permission"] = c.def.DMPermission == nil || *c.def.DMPermission
	}
	return o
}

// contexts is where a command can be used: its "contexts", else guilds and
// (unless dm_permission is false) bot DMs.
func (c *command) contexts() []int {
	if c.guildID != 0 {
		return []int{contextGuild}
	}
	if c.def.Contexts != nil {
		return c.def.Contexts
	}
	if c.def.DMPermission != nil && !*c.def.DMPermission {
		return []int{contextGuild}
	}
	return []int{contextGuild, contextBotDM}
}

func (c *command) integrationTypes() []int {
	if c.def.IntegrationTypes != nil {
		return c.def.IntegrationTypes
	}
	return []int{0}
}

// findCommandLocked looks a command of a type up by name where the user
// invokes it: the guild's commands first, then global ones.
func (s *Server) findCommandLocked(kind int, name string, g *Guild) *command {
	if g != nil {
		for _, c := range s.commands[g.ID] {
			if c.kind() == kind && c.def.Name == name {
				return c
			}
		}
	}
	for _, c := range s.commands[0] {
		if c.kind() == kind && c.def.Name == name {
			return c
		}
	}
	return nil
}
