// Package sandbox drives the real bot, as a child process, against the fake
// Discord and a fake (or real) ComfyUI, from a script of user actions.
package sandbox

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Step is one line of a script.
type Step struct {
	Line int
	Text string // the line as written, for the transcript and errors
	Kind string // user, command, autocomplete, click, modal, post, apps, comfy, discord, wait, restart, crash
	User string // who acts (command, autocomplete, click, modal, post, apps) or is declared (user)

	// Dir is the directory that relative @paths (files to attach) resolve
	// against: the script file's, or "" for the current directory.
	Dir string

	// Channel is where an action happens: "" for #general, "#name" or "dm"
	// ("alice: in dm /generate …").
	Channel string

	// user declarations
	Roles    []string
	Owner    bool
	DMClosed bool

	// command and autocomplete: "/template load" and its options
	Command string
	Options []Option
	Focused string // autocomplete: the option being typed

	Label string // click: the button's label

	// post: the message's text and the files attached, as written after @
	Content string
	Files   []string

	// apps: Command is the context menu command's name, Target what it is
	// picked on: "last" (the newest message there that is not ephemeral,
	// for a message command) or "@name" (a user command).
	Target string

	// comfy: knobs (jobtime, images, size, fail) or an action (restart,
	// down, up); discord: an action (down, up, 429)
	Knobs  map[string]string
	Action string
	// discord 429: how many message posts are answered 429
	Count int

	// wait: idle, a duration, or until a pattern shows up
	WaitFor string // idle, duration, until
	Pattern *regexp.Regexp
	Timeout time.Duration
}

// Option is one name:value of a command.
type Option struct {
	Name  string
	Value string
}

// ScriptError names the line a script is wrong on.
type ScriptError struct {
	Line int
	Text string
	Msg  string
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("script line %d: %s\n  %s", e.Line, e.Msg, e.Text)
}

// Parse reads a whole script. Blank lines and # comments are skipped.
// When r is a file opened by name (as --script FILE is), @paths resolve
// against the file's directory; otherwise (stdin) against the current one.
func Parse(r io.Reader) ([]Step, error) {
	dir := ""
	if f, ok := r.(*os.File); ok && f != os.Stdin {
		if abs, err := filepath.Abs(f.Name()); err == nil {
			dir = filepath.Dir(abs)
		}
	}
	var steps []Step
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		st, ok, err := parseNumbered(n, sc.Text(), dir)
		if err != nil {
			return nil, err
		}
		if ok {
			steps = append(steps, st)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	return steps, nil
}

// parseNumbered reads line n of a script whose @paths resolve against
// dir; ok is false for a blank or comment line. Errors are *ScriptError.
func parseNumbered(n int, raw, dir string) (st Step, ok bool, err error) {
	line := stripComment(raw)
	if line == "" {
		return Step{}, false, nil
	}
	st, err = ParseLine(line)
	if err != nil {
		return Step{}, false, &ScriptError{Line: n, Text: raw, Msg: err.Error()}
	}
	st.Line, st.Text, st.Dir = n, strings.TrimSpace(raw), dir
	return st, true, nil
}

// stripComment drops a # comment that is not inside quotes: a line
// starting with #, or " # " later on; "in #nsfw" names a channel.
func stripComment(s string) string {
	inQuote := false
	blank := func(i int) bool { return i < 0 || i >= len(s) || s[i] == ' ' || s[i] == '\t' }
	for i, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == '#' && !inQuote && (strings.TrimSpace(s[:i]) == "" || blank(i-1) && blank(i+1)):
			return strings.TrimSpace(s[:i])
		}
	}
	return strings.TrimSpace(s)
}

// ParseLine reads one non-empty line.
func ParseLine(line string) (Step, error) {
	words, err := split(line)
	if err != nil {
		return Step{}, err
	}
	switch head := words[0]; {
	case head == "user":
		return parseUser(words[1:])
	case head == "comfy":
		return parseComfy(words[1:])
	case head == "discord":
		return parseDiscord(words[1:])
	case head == "wait":
		return parseWait(words[1:])
	case head == "restart" || head == "crash":
		if len(words) != 1 {
			return Step{}, fmt.Errorf("%s takes no arguments", head)
		}
		return Step{Kind: head}, nil
	case strings.HasSuffix(head, ":") && len(head) > 1:
		return parseAction(strings.TrimSuffix(head, ":"), words[1:])
	}
	return Step{}, fmt.Errorf("unknown line: start with user, NAME:, comfy, discord, wait, restart or crash")
}

func parseUser(args []string) (Step, error) {
	if len(args) == 0 {
		return Step{}, fmt.Errorf("user needs a name: user alice roles=generator")
	}
	st := Step{Kind: "user", User: args[0]}
	for _, a := range args[1:] {
		k, v, _ := strings.Cut(a, "=")
		switch {
		case a == "owner":
			st.Owner = true
		case k == "roles":
			for _, r := range strings.Split(v, ",") {
				switch r {
				case "user", "generator", "admin":
					st.Roles = append(st.Roles, r)
				default:
					return Step{}, fmt.Errorf("unknown role %q: use user, generator or admin", r)
				}
			}
		case k == "dm" && v == "closed":
			st.DMClosed = true
		default:
			return Step{}, fmt.Errorf("unknown user attribute %q: use roles=…, owner or dm=closed", a)
		}
	}
	return st, nil
}

func parseAction(user string, args []string) (Step, error) {
	if len(args) == 0 {
		return Step{}, fmt.Errorf("%s: what does %s do? e.g. %s: /generate prompt:\"a fox\"", user, user, user)
	}
	if args[0] == "in" {
		if len(args) < 3 || (args[1] != "dm" && !strings.HasPrefix(args[1], "#")) {
			return Step{}, fmt.Errorf(`in needs a place and an action: %s: in dm /generate prompt:"a fox" (or in #general)`, user)
		}
		st, err := parseAction(user, args[2:])
		st.Channel = args[1]
		return st, err
	}
	switch {
	case strings.HasPrefix(args[0], "/"):
		cmd, opts, err := parseCommand(args)
		return Step{Kind: "command", User: user, Command: cmd, Options: opts}, err
	case args[0] == "autocomplete":
		cmd, opts, err := parseCommand(args[1:])
		if err != nil {
			return Step{}, err
		}
		if len(opts) == 0 {
			return Step{}, fmt.Errorf("autocomplete needs the option being typed, e.g. name:\"por\"")
		}
		return Step{Kind: "autocomplete", User: user, Command: cmd, Options: opts, Focused: opts[len(opts)-1].Name}, nil
	case args[0] == "click":
		if len(args) != 2 {
			return Step{}, fmt.Errorf(`click needs one button label in quotes: click "Reroll"`)
		}
		return Step{Kind: "click", User: user, Label: args[1]}, nil
	case args[0] == "modal":
		opts, err := parseOptions(args[1:])
		return Step{Kind: "modal", User: user, Options: opts}, err
	case args[0] == "post":
		return parsePost(user, args[1:])
	case args[0] == "apps":
		if len(args) != 4 || args[1] == "" || args[2] != "on" || (args[3] != "last" && (!strings.HasPrefix(args[3], "@") || len(args[3]) < 2)) {
			return Step{}, fmt.Errorf(`apps needs a command name in quotes and what it is picked on: apps "Generate from this image" on last (or on @bob)`)
		}
		return Step{Kind: "apps", User: user, Command: args[1], Target: args[3]}, nil
	}
	return Step{}, fmt.Errorf("unknown action %q: use /command, autocomplete, click, modal, post or apps", args[0])
}

// parsePost reads `post "text" @file…`; the text may be "" when files
// are attached.
func parsePost(user string, args []string) (Step, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "@") {
		return Step{}, fmt.Errorf(`post needs the text in quotes first, then any files: post "look" @cat.png (or post "" @cat.png)`)
	}
	st := Step{Kind: "post", User: user, Content: args[0]}
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "@") || len(a) < 2 {
			return Step{}, fmt.Errorf("post: %q is not a file; attach files as @path, after the text in quotes", a)
		}
		st.Files = append(st.Files, strings.TrimPrefix(a, "@"))
	}
	if st.Content == "" && len(st.Files) == 0 {
		return Step{}, fmt.Errorf(`post needs text or a file: post "look" @cat.png`)
	}
	return st, nil
}

// parseCommand reads "/template load name:x" into "template load" and options.
func parseCommand(args []string) (string, []Option, error) {
	if len(args) == 0 || !strings.HasPrefix(args[0], "/") {
		return "", nil, fmt.Errorf("expected a command starting with /")
	}
	path := []string{strings.TrimPrefix(args[0], "/")}
	rest := args[1:]
	for len(rest) > 0 && !strings.Contains(rest[0], ":") {
		path = append(path, rest[0])
		rest = rest[1:]
	}
	opts, err := parseOptions(rest)
	return strings.Join(path, " "), opts, err
}

func parseOptions(args []string) ([]Option, error) {
	var opts []Option
	for _, a := range args {
		name, value, ok := strings.Cut(a, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("option %q: write name:value (quote values with spaces)", a)
		}
		opts = append(opts, Option{Name: name, Value: value})
	}
	return opts, nil
}

// parseDiscord reads "discord down", "discord up" and "discord 429 N".
func parseDiscord(args []string) (Step, error) {
	switch {
	case len(args) == 1 && (args[0] == "down" || args[0] == "up"):
		return Step{Kind: "discord", Action: args[0]}, nil
	case len(args) == 2 && args[0] == "429":
		if n, err := strconv.Atoi(args[1]); err == nil && n > 0 {
			return Step{Kind: "discord", Action: "429", Count: n}, nil
		}
	}
	return Step{}, fmt.Errorf("discord takes down or up (its gateway refuses the bot, or takes it back), or 429 N (the next N messages posted are answered 429)")
}

func parseComfy(args []string) (Step, error) {
	if len(args) == 1 {
		switch args[0] {
		case "restart", "down", "up":
			return Step{Kind: "comfy", Action: args[0]}, nil
		}
	}
	if len(args) == 0 {
		return Step{}, fmt.Errorf("comfy needs knobs (jobtime=2s images=2 size=512x512 fail=next) or restart, down, up")
	}
	st := Step{Kind: "comfy", Knobs: map[string]string{}}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return Step{}, fmt.Errorf("comfy knob %q: write name=value", a)
		}
		switch k {
		case "jobtime":
			if _, err := time.ParseDuration(v); err != nil {
				return Step{}, fmt.Errorf("jobtime=%s: write a duration such as 2s", v)
			}
		case "images":
			if n, err := strconv.Atoi(v); err != nil || n < 1 {
				return Step{}, fmt.Errorf("images=%s: write a count of 1 or more", v)
			}
		case "size":
			if _, _, err := ParseSize(v); err != nil {
				return Step{}, err
			}
		case "fail":
			if v != "next" {
				return Step{}, fmt.Errorf("fail=%s: only fail=next is known", v)
			}
		default:
			return Step{}, fmt.Errorf("unknown comfy knob %q: use jobtime, images, size or fail", k)
		}
		st.Knobs[k] = v
	}
	return st, nil
}

// ParseSize reads WIDTHxHEIGHT.
func ParseSize(s string) (int, int, error) {
	w, h, ok := strings.Cut(s, "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || wi < 1 || hi < 1 {
		return 0, 0, fmt.Errorf("size=%s: write WIDTHxHEIGHT such as 512x512", s)
	}
	return wi, hi, nil
}

func parseWait(args []string) (Step, error) {
	const defaultTimeout = 30 * time.Second
	st := Step{Kind: "wait", Timeout: defaultTimeout}
	if len(args) == 0 {
		return Step{}, fmt.Errorf("wait needs idle, a duration (2s) or until /regex/")
	}
	timeout := func(extra []string) error {
		if len(extra) == 0 {
			return nil
		}
		d, err := time.ParseDuration(extra[0])
		if err != nil || len(extra) > 1 {
			return fmt.Errorf("expected one timeout such as 30s after wait %s", args[0])
		}
		st.Timeout = d
		return nil
	}
	switch args[0] {
	case "idle":
		st.WaitFor = "idle"
		return st, timeout(args[1:])
	case "until":
		if len(args) < 2 || len(args[1]) < 2 || !strings.HasPrefix(args[1], "/") || !strings.HasSuffix(args[1], "/") {
			return Step{}, fmt.Errorf("wait until needs a /regex/")
		}
		re, err := regexp.Compile(args[1][1 : len(args[1])-1])
		if err != nil {
			return Step{}, fmt.Errorf("wait until: %v", err)
		}
		st.WaitFor, st.Pattern = "until", re
		return st, timeout(args[2:])
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || len(args) > 1 {
		return Step{}, fmt.Errorf("wait needs idle, a duration (2s) or until /regex/")
	}
	st.WaitFor, st.Timeout = "duration", d
	return st, nil
}

// split cuts a line into words; "double quotes" group (also after name:),
// and \" inside quotes is a quote.
func split(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inQuote, has := false, false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case inQuote && ch == '\\' && i+1 < len(line) && line[i+1] == '"':
			cur.WriteByte('"')
			i++
		case ch == '"':
			inQuote, has = !inQuote, true
		case !inQuote && (ch == ' ' || ch == '\t'):
			if has {
				words = append(words, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteByte(ch)
			has = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unclosed quote")
	}
	if has {
		words = append(words, cur.String())
	}
	return words, nil
}
