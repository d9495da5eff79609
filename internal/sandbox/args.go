package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
)

// Discord's application command option types.
const (
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

	cmdChatInput = 1
)

// resolver turns the @user, @role and #channel a script names into the
// fake's objects.
type resolver interface {
	userNamed(name string) (*discordtest.User, bool)
	roleNamed(name string) *discordtest.Role // created when missing
	channelNamed(name string) (*discordtest.Channel, bool)
}

// leafOptions finds the options of "cmd [group] [sub]" in the registered
// command tree.
func leafOptions(cmds []discordtest.Command, path string) ([]discordtest.CommandOption, error) {
	segs := strings.Fields(path)
	if len(segs) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	cmds = slices.DeleteFunc(slices.Clone(cmds), func(c discordtest.Command) bool { return c.Type != cmdChatInput })
	i := slices.IndexFunc(cmds, func(c discordtest.Command) bool { return c.Name == segs[0] })
	if i < 0 {
		return nil, fmt.Errorf("the bot has no /%s; it has %s", segs[0], commandNames(cmds))
	}
	opts := cmds[i].Options
	at := "/" + segs[0]
	for _, seg := range segs[1:] {
		j := slices.IndexFunc(opts, func(o discordtest.CommandOption) bool {
			return o.Name == seg && (o.Type == optSubCommand || o.Type == optSubCommandGroup)
		})
		if j < 0 {
			return nil, fmt.Errorf("%s has no subcommand %q; it has %s", at, seg, subcommandNames(opts))
		}
		at += " " + seg
		opts = opts[j].Options
	}
	if subs := subcommandNames(opts); subs != "none" {
		return nil, fmt.Errorf("%s needs a subcommand: %s", at, subs)
	}
	return opts, nil
}

func commandNames(cmds []discordtest.Command) string {
	var names []string
	for _, c := range cmds {
		names = append(names, "/"+c.Name)
	}
	if names == nil {
		return "none"
	}
	return strings.Join(names, " ")
}

func subcommandNames(opts []discordtest.CommandOption) string {
	var names []string
	for _, o := range opts {
		if o.Type == optSubCommand || o.Type == optSubCommandGroup {
			names = append(names, o.Name)
		}
	}
	if names == nil {
		return "none"
	}
	return strings.Join(names, ", ")
}

// buildArgs types the script's name:value options after the command's
// definition; files to attach (@path) are read relative to dir. focused,
// when not empty, is the autocomplete option being typed: it stays a
// string and required options may be missing.
func buildArgs(defs []discordtest.CommandOption, given []Option, focused, dir string, r resolver) (args []discordtest.Arg, typed *discordtest.Arg, err error) {
	for _, o := range given {
		i := slices.IndexFunc(defs, func(d discordtest.CommandOption) bool { return d.Name == o.Name })
		if i < 0 {
			return nil, nil, fmt.Errorf("no option %q; options: %s", o.Name, optionNames(defs))
		}
		def := defs[i]
		if o.Name == focused {
			if !def.Autocomplete {
				return nil, nil, fmt.Errorf("option %q has no autocomplete", o.Name)
			}
			a := discordtest.StringArg(o.Name, o.Value)
			typed = &a
			continue
		}
		a, err := typedArg(def, o.Value, dir, r)
		if err != nil {
			return nil, nil, fmt.Errorf("option %s: %w", o.Name, err)
		}
		args = append(args, a)
	}
	if focused != "" {
		return args, typed, nil
	}
	for _, d := range defs {
		if d.Required && !slices.ContainsFunc(given, func(o Option) bool { return o.Name == d.Name }) {
			return nil, nil, fmt.Errorf("option %s is required", d.Name)
		}
	}
	return args, nil, nil
}

func optionNames(defs []discordtest.CommandOption) string {
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	if names == nil {
		return "none"
	}
	return strings.Join(names, ", ")
}

// typedArg reads one value as the option's type wants it; a choice may be
// given by its name or its value, a file to attach as @path under dir.
func typedArg(def discordtest.CommandOption, v, dir string, r resolver) (discordtest.Arg, error) {
	if len(def.Choices) > 0 {
		c, err := choose(def.Choices, v)
		if err != nil {
			return discordtest.Arg{}, err
		}
		v = c
	}
	switch def.Type {
	case optString:
		return discordtest.StringArg(def.Name, v), nil
	case optInteger:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return discordtest.Arg{}, fmt.Errorf("%q is not a whole number", v)
		}
		return discordtest.IntArg(def.Name, n), nil
	case optNumber:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return discordtest.Arg{}, fmt.Errorf("%q is not a number", v)
		}
		return discordtest.NumberArg(def.Name, f), nil
	case optBoolean:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return discordtest.Arg{}, fmt.Errorf("%q is not true or false", v)
		}
		return discordtest.BoolArg(def.Name, b), nil
	case optUser:
		u, ok := r.userNamed(strings.TrimPrefix(v, "@"))
		if !ok {
			return discordtest.Arg{}, fmt.Errorf("no user %s: declare them with a user line", v)
		}
		return discordtest.UserArg(def.Name, u), nil
	case optRole:
		return discordtest.RoleArg(def.Name, r.roleNamed(strings.TrimPrefix(v, "@"))), nil
	case optMentionable:
		if u, ok := r.userNamed(strings.TrimPrefix(v, "@")); ok {
			return discordtest.UserArg(def.Name, u), nil
		}
		return discordtest.RoleArg(def.Name, r.roleNamed(strings.TrimPrefix(v, "@"))), nil
	case optChannel:
		c, ok := r.channelNamed(strings.TrimPrefix(v, "#"))
		if !ok {
			return discordtest.Arg{}, fmt.Errorf("no channel %s: the sandbox has #general and #nsfw", v)
		}
		return discordtest.ChannelArg(def.Name, c), nil
	case optAttachment:
		path, ok := strings.CutPrefix(v, "@")
		if !ok || path == "" {
			return discordtest.Arg{}, fmt.Errorf("attach a file as @path, e.g. %s:@cat.png", def.Name)
		}
		f, err := readFile(dir, path)
		if err != nil {
			return discordtest.Arg{}, err
		}
		return discordtest.AttachmentArg(def.Name, f.Name, f.Data), nil
	}
	return discordtest.Arg{}, fmt.Errorf("the sandbox cannot fill options of type %d", def.Type)
}

// readFile reads a file a script attaches: path as written after @,
// relative to dir unless absolute. Errors name both.
func readFile(dir, path string) (discordtest.File, error) {
	full := path
	if !filepath.IsAbs(path) {
		full = filepath.Join(dir, path)
	}
	if abs, err := filepath.Abs(full); err == nil {
		full = abs
	}
	data, err := os.ReadFile(full)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return discordtest.File{}, fmt.Errorf("no file @%s (looked for %s)", path, full)
	case err != nil:
		return discordtest.File{}, fmt.Errorf("cannot read @%s: %w", path, err)
	}
	return discordtest.File{Name: filepath.Base(full), Data: data}, nil
}

// choose maps a choice's name or value to the value to send.
func choose(choices []discordtest.Choice, v string) (string, error) {
	var names []string
	for _, c := range choices {
		value := fmt.Sprint(c.Value)
		if value == v || c.Name == v {
			return value, nil
		}
		names = append(names, value)
	}
	return "", fmt.Errorf("%q is not one of %s", v, strings.Join(names, ", "))
}
