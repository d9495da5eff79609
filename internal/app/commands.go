package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// commands is the table of subcommands, in the order help lists them.
func commands(tools []*Command) []*Command {
	cmds := []*Command{
		runCommand(),
		checkCommand(),
		migrateCommand(),
		generateCommand(),
		workflowCommand(),
	}
	cmds = append(cmds, tools...)
	return append(cmds, versionCommand(), helpCommand())
}

func (c *CLI) printUsage(w io.Writer) {
	fmt.Fprintf(w, `%[1]s: run ComfyUI image generations from Discord.

Usage:
  %[1]s [--config PATH] <command> [flags]

Commands:
`, c.prog)
	for _, cmd := range c.cmds {
		fmt.Fprintf(w, "  %-10s %s\n", cmd.Name, cmd.Summary)
	}
	fmt.Fprintf(w, `
With no command, run is used. Configuration: defaults, then the YAML file
(--config, $DISCORDBOT_CONFIG, or ./config.yaml if present), then .env, then
DISCORDBOT_<SECTION>_<KEY> variables; see config.example.yaml.

Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
Run '%s <command> --help' for a command's flags.
`, c.prog)
}

func (c *CLI) printCommandUsage(w io.Writer, cmd *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s %s %s\n\n%s\n", c.prog, cmd.Name, strings.TrimSpace("[flags] "+cmd.Args), cmd.Summary)
	if cmd.Help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.Help))
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func helpCommand() *Command {
	return &Command{
		Name:    "help",
		Args:    "[command]",
		Summary: "show help for the bot or one command",
		Run: func(ctx context.Context, c *CLI, args []string) error {
			if len(args) == 0 {
				c.printUsage(c.Stdout)
				return nil
			}
			cmd := c.find(args[0])
			if cmd == nil {
				return usageErrorf("help", "unknown command %q; commands: %s", args[0], c.names())
			}
			return c.runCommand(ctx, cmd, []string{"--help"})
		},
	}
}
