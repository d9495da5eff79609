package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// commands is the table of subcommands, in the order help lists them.
func commands() []*command {
	return []*command{
		runCommand(),
		checkCommand(),
		migrateCommand(),
		generateCommand(),
		workflowCommand(),
		benchCommand(),
		sandboxCommand(),
		versionCommand(),
		helpCommand(),
	}
}

func (c *cli) printUsage(w io.Writer) {
	fmt.Fprint(w, `discordsend-bot: run ComfyUI image generations from Discord.

Usage:
  discordsend-bot [--config PATH] <command> [flags]

Commands:
`)
	for _, cmd := range c.cmds {
		fmt.Fprintf(w, "  %-10s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `
With no command, run is used. Configuration: defaults, then the YAML file
(--config, $DISCORDBOT_CONFIG, or ./config.yaml if present), then .env, then
DISCORDBOT_<SECTION>_<KEY> variables; see config.example.yaml.

Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
Run 'discordsend-bot <command> --help' for a command's flags.
`)
}

func (c *cli) printCommandUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: discordsend-bot %s %s\n\n%s\n", cmd.name, strings.TrimSpace("[flags] "+cmd.args), cmd.summary)
	if cmd.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.help))
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func helpCommand() *command {
	return &command{
		name:    "help",
		args:    "[command]",
		summary: "show help for the bot or one command",
		run: func(ctx context.Context, c *cli, args []string) error {
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
