package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/disgoorg/snowflake/v2"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy/comfytest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/discordtest"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

// Options configure a Session.
type Options struct {
	// Exe is the bot program, started as Exe Args… (the sandbox's own
	// binary, from os.Executable).
	Exe string
	// Args default to "run".
	Args []string
	// Env is the environment the bot inherits, usually os.Environ();
	// DISCORDBOT_ variables are dropped so that only the sandbox
	// configures the bot.
	Env []string
	// Config is the person's configuration file the bot reads, with the
	// settings that connect it to the fakes replaced (see loadBotConfig);
	// relative paths in it resolve against the current directory, as for
	// run started there. Empty: the sandbox alone configures the bot.
	Config string
	// ComfyURL is a ComfyUI to use instead of the fake one.
	ComfyURL string
	// DBPath is the bot's SQLite file (or a sqlite: URL); empty: one in
	// the work directory.
	DBPath string
	// Keep keeps the work directory (bot log, database) after Close; it is
	// kept anyway when a step failed.
	Keep bool
	// JSON prints one JSON object per event instead of a transcript.
	JSON bool
	// Stdout gets the transcript or the JSON events; Stderr notes for the
	// person running the sandbox.
	Stdout, Stderr io.Writer
	// Logger gets the fakes' logs; nil discards.
	Logger *slog.Logger
	// Now is the clock for event times; default time.Now.
	Now func() time.Time
	// StartTimeout bounds each start of the bot; default 60 s.
	StartTimeout time.Duration
	// TempDir is where the work directory is made; default os.TempDir().
	TempDir string
}

// Session is a running sandbox: the fakes, the bot as a child process and
// the people in the script.
type Session struct {
	opts    Options
	now     func() time.Time
	start   time.Time
	dir     string
	logPath string
	dbURL   string
	logFile *os.File
	config  *botConfig

	discord *discordtest.Server
	comfy   *comfytest.Server // nil with Options.ComfyURL
	guild   *discordtest.Guild
	general *discordtest.Channel
	nsfw    *discordtest.Channel
	users   map[string]*discordtest.User
	roles   map[string]*discordtest.Role
	hidden  map[snowflake.ID]bool // interactions of the sandbox's own setup
	down    bool                  // the fake ComfyUI is down

	bot       *child
	runs      int
	db        *store.Store
	out       *printer
	stopPump  context.CancelFunc
	pumpDone  chan struct{}
	cursor    int                   // wait until: the event after the last match
	actionSeq int                   // wait until: the first event since the last action began
	submitted map[snowflake.ID]bool // modals already submitted, by the interaction that opened them
	failed    bool
	closeOnce sync.Once
}

// New prepares a session: it reads the configuration, which fails with a
// *ConfigError, and makes the work directory and the bot's log file.
func New(opts Options) (*Session, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Args == nil {
		opts.Args = []string{"run"}
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("find the working directory: %w", err)
	}
	bc, err := loadBotConfig(opts.Config, wd)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(opts.TempDir, "discordsend-sandbox-*")
	if err != nil {
		return nil, fmt.Errorf("create work directory: %w", err)
	}
	s := &Session{
		opts: opts, now: opts.Now, start: opts.Now(), dir: dir,
		logPath: filepath.Join(dir, "bot.log"), config: bc,
		users: map[string]*discordtest.User{}, roles: map[string]*discordtest.Role{},
		hidden: map[snowflake.ID]bool{}, submitted: map[snowflake.ID]bool{},
	}
	db := opts.DBPath
	if db == "" {
		db = filepath.Join(dir, "bot.db")
	}
	// The bot runs in the work directory: a relative path would name
	// another file there.
	db = strings.TrimPrefix(db, "sqlite:")
	if abs, err := filepath.Abs(db); err == nil {
		db = abs
	}
	s.dbURL = "sqlite:" + db
	if s.logFile, err = openLog(s.logPath); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// LogPath is the file the bot's output goes to.
func (s *Session) LogPath() string { return s.logPath }

var operatorAddr = regexp.MustCompile(`msg="health and metrics listening".* addr=(\S+)`)

// OperatorURL is where the running bot serves /healthz and /metrics, as it
// logged when it started last.
func (s *Session) OperatorURL() (string, error) {
	log, err := os.ReadFile(s.logPath)
	if err != nil {
		return "", err
	}
	m := operatorAddr.FindAllSubmatch(log, -1)
	if len(m) == 0 {
		return "", errors.New("the bot has not logged its health and metrics address")
	}
	return "http://" + string(m[len(m)-1][1]), nil
}

// Dir is the work directory: bot log, configuration, database.
func (s *Session) Dir() string { return s.dir }

// Kept reports whether Close leaves the work directory behind.
func (s *Session) Kept() bool { return s.opts.Keep || s.failed }

func (s *Session) configPath() string { return filepath.Join(s.dir, "config.yaml") }

// Start runs the fakes and the bot, waits until the bot serves, and maps
// the generator role for it, so that roles=generator works from the first
// line.
func (s *Session) Start(ctx context.Context) error {
	if s.opts.Config != "" {
		fmt.Fprintln(s.opts.Stderr, s.config.note(s.opts.Config))
	}
	if err := s.startFakes(); err != nil {
		s.failed = true
		return err
	}
	if err := s.writeConfig(); err != nil {
		s.failed = true
		return err
	}
	if err := s.startBot(ctx); err != nil {
		s.failed = true
		return err
	}
	db, err := store.Open(ctx, s.dbURL)
	if err != nil {
		s.failed = true
		return fmt.Errorf("open the bot's database: %w", err)
	}
	s.db = db
	if err := s.mapGenerator(ctx); err != nil {
		s.failed = true
		return err
	}
	pumpCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stopPump, s.pumpDone = stop, make(chan struct{})
	s.out = newPrinter(s.opts.Stdout, s.opts.JSON, s.start, s.isHidden)
	go func() {
		defer close(s.pumpDone)
		s.out.pump(pumpCtx, s.discord.Subscribe(pumpCtx))
	}()
	return nil
}

func (s *Session) startFakes() error {
	srv, err := discordtest.Start("127.0.0.1:0", discordtest.Options{Logger: s.opts.Logger.With("component", "discordtest")})
	if err != nil {
		return fmt.Errorf("start the fake Discord: %w", err)
	}
	s.discord = srv
	s.guild = srv.AddGuild("sandbox")
	s.general = s.guild.AddChannel("general", false)
	s.nsfw = s.guild.AddChannel("nsfw", true)
	s.roles["generator"] = s.guild.AddRole("generator", 0)
	s.roles["admin"] = s.guild.AddRole("admin", discordtest.PermAdministrator)
	owner := s.guild.Owner()
	s.users[owner.Name] = owner
	if s.opts.ComfyURL != "" {
		return nil
	}
	s.comfy, err = comfytest.Start("127.0.0.1:0", comfytest.WithLogger(s.opts.Logger.With("component", "comfytest")))
	if err != nil {
		return fmt.Errorf("start the fake ComfyUI: %w", err)
	}
	return nil
}

// writeConfig writes the bot's configuration file, pointed at the fakes.
// The bot runs in the work directory, where no config.yaml or .env of the
// person's can reach it.
func (s *Session) writeConfig() error {
	return s.config.write(s.configPath(), map[string]any{
		"discord.token":       s.discord.Token(),
		"discord.api_url":     s.discord.APIURL(),
		"discord.gateway_url": "",         // asked of the fake's REST API
		"discord.guild_ids":   []string{}, // global commands, as in a default setup, so DMs work too
		"discord.owner_ids":   []string{}, // the guild's owner is the sandbox's admin
		"database.url":        s.dbURL,
		"comfyui.url":         s.comfyURL(),
		"comfyui.backends":    []string{},
		"http.listen":         "127.0.0.1:0",
		"log.level":           "info",
	})
}

func (s *Session) comfyURL() string {
	if s.comfy != nil {
		return s.comfy.URL()
	}
	return s.opts.ComfyURL
}

// startBot starts a run of the bot and waits until it serves.
func (s *Session) startBot(ctx context.Context) error {
	s.runs++
	fmt.Fprintf(s.logFile, "=== sandbox: starting the bot (run %d) at %s ===\n", s.runs, s.now().Format(time.RFC3339))
	env := childEnv(s.opts.Env, map[string]string{"DISCORDBOT_CONFIG": s.configPath()})
	c, err := startChild(childSpec{exe: s.opts.Exe, args: s.opts.Args, env: env, dir: s.dir, log: s.logFile})
	if err != nil {
		return err
	}
	s.bot = c
	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	if err := c.waitReady(ctx, !s.down); err != nil {
		return fmt.Errorf("%w; its last words:\n%s", err, c.log.tail())
	}
	return nil
}

// mapGenerator runs /admin setroles generator:@generator as the owner,
// out of the transcript.
func (s *Session) mapGenerator(ctx context.Context) error {
	ia := s.discord.SlashCommand(ctx, s.guild.Owner(), s.general, "admin setroles", discordtest.RoleArg("generator", s.roles["generator"]))
	s.hidden[ia.ID()] = true
	if err := s.settle(ctx, ia); err != nil {
		return fmt.Errorf("map the generator role: %w", err)
	}
	return nil
}

func (s *Session) isHidden(e discordtest.Event) bool {
	return e.InteractionID != 0 && s.hidden[e.InteractionID]
}

// Close stops the bot and the fakes, and removes the work directory unless
// it is kept. Call it once the steps are done, also after a failure.
func (s *Session) Close() {
	s.closeOnce.Do(s.close)
}

func (s *Session) close() {
	if s.bot != nil {
		select {
		case <-s.bot.exited:
		default:
			s.settleDown()
			if status := s.bot.stop(false); status != "exit status 0" {
				fmt.Fprintf(s.opts.Stderr, "sandbox: the bot ended with %s on SIGTERM (see %s)\n", status, s.logPath)
			}
		}
	}
	if s.out != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = s.out.flush(ctx, len(s.discord.Events()))
		cancel()
		s.stopPump()
		<-s.pumpDone
	}
	if s.db != nil {
		_ = s.db.Close()
	}
	if s.comfy != nil {
		s.comfy.Close()
	}
	if s.discord != nil {
		s.discord.Close()
	}
	_ = s.logFile.Close()
	if !s.Kept() {
		_ = os.RemoveAll(s.dir)
	}
}

// settleDown gives the bot a moment to finish the requests behind the
// last events, so that stopping it does not cut them off.
func (s *Session) settleDown() {
	deadline := time.NewTimer(2 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !s.quiet() {
		select {
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

// Run runs the steps in order and stops at the first error: a
// *ScriptError for a line the sandbox cannot do, another error when a wait
// timed out or the bot died.
func (s *Session) Run(ctx context.Context, steps []Step) error {
	for _, st := range steps {
		if err := s.Exec(ctx, st); err != nil {
			return err
		}
	}
	return s.out.flush(ctx, len(s.discord.Events()))
}

// Exec runs one step; the session must have started.
func (s *Session) Exec(ctx context.Context, st Step) error {
	if err := s.out.flush(ctx, len(s.discord.Events())); err != nil {
		return err
	}
	s.out.step(st)
	if st.Kind != "wait" {
		s.actionSeq = len(s.discord.Events())
	}
	ctx, stop := s.watchBot(ctx)
	defer stop()
	err := s.exec(ctx, st)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	var se *ScriptError
	if errors.As(err, &se) {
		return err
	}
	s.failed = true
	return fmt.Errorf("line %d (%s): %w", st.Line, st.Text, err)
}

// watchBot ends ctx, with the reason, when the bot exits on its own.
func (s *Session) watchBot(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	c, done := s.bot, make(chan struct{})
	go func() {
		select {
		case <-c.exited:
			if !c.expected.Load() {
				cancel(c.diedError())
			}
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}

func (s *Session) scriptErr(st Step, format string, args ...any) error {
	return &ScriptError{Line: st.Line, Text: st.Text, Msg: fmt.Sprintf(format, args...)}
}
