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
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	args    string // usage after the name
	summary string
	help    string // longer description
	flags   func(fs *flag.FlagSet, c *cli)
	run     func(ctx context.Context, c *cli, args []string) error
}

// cli carries one invocation's state.
type cli struct {
	Env
	configPath string
	secrets    []string // redacted from anything printed
	cmds       []*command
	opts       map[string]any // per-command flag values
}

// Run is the whole program: main only builds ctx and calls it.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	c := &cli{Env: Env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}, opts: map[string]any{}}
	c.cmds = commands()
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "internal error: %s\n%s", c.redact(fmt.Sprint(p)), c.redact(string(debug.Stack())))
			code = ExitFailure
		}
	}()
	return c.exit(c.dispatch(ctx, args))
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("discordsend-bot", flag.ContinueOnError)
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
	if cmd == nil {
		return usageErrorf("", "unknown command %q; commands: %s", name, c.names())
	}
	return c.runCommand(ctx, cmd, rest)
}

func (c *cli) runCommand(ctx context.Context, cmd *command, args []string) error {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.configPath, "config", c.configPath, "configuration file (default: $DISCORDBOT_CONFIG, else ./config.yaml if present)")
	if cmd.flags != nil {
		cmd.flags(fs, c)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printCommandUsage(c.Stdout, cmd, fs)
			return nil
		}
		return usageErrorf(cmd.name, "%v", err)
	}
	return cmd.run(ctx, c, fs.Args())
}

func (c *cli) find(name string) *command {
	for _, cmd := range c.cmds {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

func (c *cli) names() string {
	var n []string
	for _, cmd := range c.cmds {
		n = append(n, cmd.name)
	}
	return strings.Join(n, ", ")
}

// redact removes every known secret from text about to be printed.
func (c *cli) redact(s string) string {
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// exit prints err the one way errors reach the terminal, and picks the code.
func (c *cli) exit(err error) int {
	if err == nil {
		return ExitOK
	}
	var silent *silentError
	if errors.As(err, &silent) {
		return silent.code
	}
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintf(c.Stderr, "discordsend-bot: %s\n", c.redact(usage.msg))
		fmt.Fprintf(c.Stderr, "Run '%s --help' for usage.\n", strings.TrimSpace("discordsend-bot "+usage.cmd))
		return ExitUsage
	}
	var cfgErr *configError
	if errors.As(err, &cfgErr) {
		fmt.Fprintf(c.Stderr, "discordsend-bot: %s\n", c.redact(cfgErr.Error()))
		return ExitUsage
	}
	fmt.Fprintf(c.Stderr, "discordsend-bot: %s\n", c.redact(err.Error()))
	return ExitFailure
}
