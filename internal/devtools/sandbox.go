package devtools

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app"
	"io"
	"os"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/sandbox"
)

type sandboxOpts struct {
	script   string
	json     bool
	comfyURL string
	db       string
	keep     bool
}

func sandboxCommand() *app.Command {
	o := &sandboxOpts{}
	return &app.Command{
		Name:    "sandbox",
		Args:    "< SCRIPT",
		Summary: "drive the real bot through a fake Discord (and ComfyUI) from a script",
		Help: `Starts a fake Discord (guild "sandbox": #general, #nsfw, roles generator and
admin) and a fake ComfyUI on loopback, then this program's "run" against them
as a child process with its own temporary database, and plays a script of user
actions from stdin (or --script), or line by line when stdin is a terminal.
The generator role is mapped before the script starts. Lines:

  user alice roles=generator         a member; roles: user|generator|admin; dm=closed; owner
  alice: /generate prompt:"a fox" steps:20 delivery:dm
  alice: /generate prompt:"x" image:@cat.png     attach a file (path from the script's folder)
  alice: post "look" @cat.png        post a message with files ("" for no text)
  alice: apps "Generate from this image" on last   a message command (on @bob: a user command)
  alice: /admin setroles generator:@generator    (@role, @user, #channel)
  alice: in dm /queue view           act in alice's DMs (or in #nsfw)
  alice: autocomplete /template load name:"por"
  alice: click "Reroll"              a button on the newest message alice sees
  alice: modal prompt:"a blue fox"   submit the last modal shown to alice
  comfy jobtime=2s images=2 size=512x512 fail=next | comfy restart|down|up
  wait idle [30s]                    no unfinished job, messages settled
  wait 2s
  wait until /regex/ [30s]           an event since the last action matches
  restart | crash                    SIGTERM or SIGKILL the bot, start it again

With --config FILE (before or after "sandbox") the bot runs on that file: its
workflows.dir, defaults, limits, jobs and log settings, relative paths resolved
from the current directory as for "run". The sandbox replaces only what
connects the bot to it (discord.token, api_url, gateway_url, guild_ids and
owner_ids; database.url: --db or a temporary one; comfyui.url and backends:
the fake, or --comfyui; http.listen unless empty; log.level when above info)
and says which at start. The file is checked as "run" checks it (exit 2).
Without --config the bot gets no file; ./config.yaml, .env and DISCORDBOT_
variables never reach it.

  discordsend-dev sandbox --config config.yaml --comfyui http://127.0.0.1:8188

Prints what users see as it happens; --json prints one JSON object per event
and nothing else. The bot's log is kept (and named) when something fails, and
with --keep. Exit 0 when the script ran to the end, 1 when a wait timed out or
the bot died, 2 when a line is wrong (the message names it).`,
		Flags: func(fs *flag.FlagSet, _ *app.CLI) {
			fs.StringVar(&o.script, "script", "", "read the script from `FILE` instead of stdin")
			fs.BoolVar(&o.json, "json", false, "print one JSON object per user-visible event")
			fs.StringVar(&o.comfyURL, "comfyui", "", "use the ComfyUI at `URL` instead of the fake one")
			fs.StringVar(&o.db, "db", "", "the bot's SQLite database `PATH` (default: a temporary one)")
			fs.BoolVar(&o.keep, "keep", false, "keep the work directory (bot log, database) afterwards")
		},
		Run: func(ctx context.Context, c *app.CLI, args []string) error { return runSandbox(ctx, c, o, args) },
	}
}

func runSandbox(ctx context.Context, c *app.CLI, o *sandboxOpts, args []string) error {
	if len(args) > 0 {
		return app.UsageErrorf("sandbox", "unexpected argument %q; pass the script on stdin or with --script FILE", args[0])
	}
	in, interactive, err := o.input(c)
	if err != nil {
		return err
	}
	if f, ok := in.(*os.File); ok && f != os.Stdin {
		defer f.Close()
	}
	var steps []sandbox.Step
	if !interactive {
		if steps, err = sandbox.Parse(in); err != nil {
			return sandboxFailed(c, err, "")
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to start the bot: %w", err)
	}
	sess, err := sandbox.New(sandbox.Options{
		Exe: exe, Env: os.Environ(), Config: c.ConfigPath(), ComfyURL: o.comfyURL, DBPath: o.db, Keep: o.keep,
		JSON: o.json, Stdout: c.Stdout, Stderr: c.Stderr,
	})
	var ce *sandbox.ConfigError
	if errors.As(err, &ce) {
		return app.ConfigError(ce.Err)
	}
	if err != nil {
		return err
	}
	err = sess.Start(ctx)
	if err == nil {
		if interactive {
			err = sess.Interactive(ctx, in, c.Stderr)
		} else {
			err = sess.Run(ctx, steps)
		}
	}
	sess.Close()
	if err != nil {
		return sandboxFailed(c, err, sess.LogPath())
	}
	if sess.Kept() {
		fmt.Fprintf(c.Stderr, "sandbox: kept %s (bot log: %s)\n", sess.Dir(), sess.LogPath())
	}
	return nil
}

// input is where the script comes from, and whether a person types it.
func (o *sandboxOpts) input(c *app.CLI) (io.Reader, bool, error) {
	if o.script != "" {
		f, err := os.Open(o.script)
		if err != nil {
			return nil, false, app.UsageErrorf("sandbox", "--script: %v", err)
		}
		return f, false, nil
	}
	if f, ok := c.Stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return f, true, nil
		}
	}
	return c.Stdin, false, nil
}

// sandboxFailed reports a failed run: a wrong line exits 2, anything else
// 1 with the bot's log.
func sandboxFailed(c *app.CLI, err error, logPath string) error {
	fmt.Fprintf(c.Stderr, "%s sandbox: %s\n", c.Program(), c.Redact(err.Error()))
	var se *sandbox.ScriptError
	if errors.As(err, &se) {
		return app.ExitCode(app.ExitUsage)
	}
	if logPath != "" {
		fmt.Fprintf(c.Stderr, "  bot log: %s\n", logPath)
	}
	return app.ExitCode(app.ExitFailure)
}
