// Package app is the composition root: it parses the command line, loads the
// configuration, wires every part by hand and runs one subcommand.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // runtime failure: a peer or the database did not cooperate
	ExitUsage   = 2 // usage or configuration error
)

// Env is what the process gives the program; tests pass their own.
type Env struct {
	// Vars is the environment. A variable present with an empty value is
	// set, which is not the same as absent (see config.Source).
	Vars   map[string]string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Command is one subcommand. The bot's own are built in; a binary built
// for development adds its tools (see Run).
type Command struct {
	Name    string
	Args    string // usage after the name
	Summary string
	Help    string // longer description
	Flags   func(fs *flag.FlagSet, c *CLI)
	Run     func(ctx context.Context, c *CLI, args []string) error
}

// CLI carries one invocation's state.
type CLI struct {
	Env
	prog       string // the program's name
	configPath string
	secrets    []string // redacted from anything printed
	warnings   []string // from loading the configuration; check and run show them
	cmds       []*Command
	opts       map[string]any // per-command flag values
}

// Program is a binary built from the bot's commands: the bot itself, or a
// development build that adds its tools.
type Program struct {
	Name  string     // as usage and errors name it
	Tools []*Command // commands added to the bot's own, listed before help
}

// Run is the whole bot: main only builds ctx and calls it. environ is the
// environment as os.Environ gives it: KEY=VALUE strings.
func Run(ctx context.Context, args []string, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return Program{Name: "discordsend-bot"}.Run(ctx, args, environ, stdin, stdout, stderr)
}

// Run runs the program with the process's arguments, environment and streams.
func (p Program) Run(ctx context.Context, args []string, environ []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	c := &CLI{Env: Env{Vars: envVars(environ), Stdin: stdin, Stdout: stdout, Stderr: stderr}, prog: p.Name, opts: map[string]any{}}
	c.cmds = commands(p.Tools)
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "internal error: %s\n%s", c.redact(fmt.Sprint(p)), c.redact(string(debug.Stack())))
			code = ExitFailure
		}
	}()
	return c.exit(c.dispatch(ctx, args))
}

// envVars reads KEY=VALUE strings; a later one wins, as in the process.
func envVars(environ []string) map[string]string {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			vars[k] = v
		}
	}
	return vars
}

func (c *CLI) dispatch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet(c.prog, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.configPath, "config", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(c.Stdout)
			return nil
		}
		return usageErrorf("", "%v", err)
	}
	rest := fs.Args()
	name := "run"
	if len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	cmd := c.find(name)
	if cmd == nil && (name == "sandbox" || name == "bench") {
		return usageErrorf("", "%s is a development tool, not in the bot you deploy: run it with 'go run ./cmd/discordsend-dev %s'", name, name)
	}
	if cmd == nil {
		return usageErrorf("", "unknown command %q; commands: %s", name, c.names())
	}
	return c.runCommand(ctx, cmd, rest)
}

func (c *CLI) runCommand(ctx context.Context, cmd *Command, args []string) error {
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.configPath, "config", c.configPath, "configuration file (default: $DISCORDBOT_CONFIG, else ./config.yaml if present)")
	if cmd.Flags != nil {
		cmd.Flags(fs, c)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printCommandUsage(c.Stdout, cmd, fs)
			return nil
		}
		return usageErrorf(cmd.Name, "%v", err)
	}
	return cmd.Run(ctx, c, fs.Args())
}

func (c *CLI) find(name string) *Command {
	for _, cmd := range c.cmds {
		if cmd.Name == name {
			return cmd
		}
	}
	return nil
}

func (c *CLI) names() string {
	var n []string
	for _, cmd := range c.cmds {
		n = append(n, cmd.Name)
	}
	return strings.Join(n, ", ")
}

// redact removes every known secret from text about to be printed.
func (c *CLI) redact(s string) string {
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// exit prints err the one way errors reach the terminal, and picks the code.
func (c *CLI) exit(err error) int {
	if err == nil {
		return ExitOK
	}
	var silent *silentError
	if errors.As(err, &silent) {
		return silent.code
	}
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintf(c.Stderr, "%s: %s\n", c.prog, c.redact(usage.msg))
		fmt.Fprintf(c.Stderr, "Run '%s --help' for usage.\n", strings.TrimSpace(c.prog+" "+usage.cmd))
		return ExitUsage
	}
	var cfgErr *configError
	if errors.As(err, &cfgErr) {
		fmt.Fprintf(c.Stderr, "%s: %s\n", c.prog, c.redact(cfgErr.Error()))
		return ExitUsage
	}
	fmt.Fprintf(c.Stderr, "%s: %s\n", c.prog, c.redact(err.Error()))
	return ExitFailure
}
