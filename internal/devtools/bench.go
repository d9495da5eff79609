package devtools

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/bench"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/logging"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/metrics"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/ops"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store"
)

type benchOpts struct {
	cfg        bench.Config
	db         string // database URL; "": SQLite in the run's temporary folder
	json       bool
	cpuprofile string
	memprofile string
	peer       bool // this process is the peer process of a bench run
}

func benchCommand() *app.Command {
	o := &benchOpts{cfg: bench.Defaults()}
	return &app.Command{
		Name:    "bench",
		Summary: "measure the bot under load against fake Discord and ComfyUI servers",
		Help: `Runs the bot, wired as 'run' wires it, against a fake Discord and fake
ComfyUI servers on loopback, with a fresh SQLite database in a temporary
folder (--db: a database of yours; a PostgreSQL database gets a schema of the
run's own, dropped at the end; a SQLite file must hold no jobs). The fakes
and the simulated users live in a second process, so the memory and CPU
figures are the bot's own. Each user keeps as many jobs queued
as defaults.max_queue_per_user allows (3): a burst at the start, then one more
for every result. Reports acknowledgement and delivery latency, backend
utilization, fairness, status-message edit rates, Discord calls and 429s,
memory and CPU per job, and jobs lost or delivered twice, each against the
targets of docs/PERFORMANCE.md. Exit 1 when a job was lost or delivered twice.`,
		Flags: func(fs *flag.FlagSet, _ *app.CLI) {
			fs.IntVar(&o.cfg.Users, "users", o.cfg.Users, "simulated Discord `users`")
			fs.IntVar(&o.cfg.Jobs, "jobs", o.cfg.Jobs, "`jobs` to run in total")
			fs.IntVar(&o.cfg.Backends, "backends", o.cfg.Backends, "fake ComfyUI `servers`")
			fs.DurationVar(&o.cfg.JobTime, "job-time", o.cfg.JobTime, "`time` each job takes on its backend")
			fs.IntVar(&o.cfg.ImageKB, "image-kb", o.cfg.ImageKB, "size of each result image in `KB`")
			fs.IntVar(&o.cfg.Channels, "channels", o.cfg.Channels, "`channels` the users share, user i posting in channel i mod N")
			fs.DurationVar(&o.cfg.Ramp, "ramp", o.cfg.Ramp, "spread the users' first bursts over this `time` (0: all at once)")
			fs.StringVar(&o.cfg.Limits, "rate-limits", o.cfg.Limits, "the fake Discord's rate limits: relaxed (far above the load), discord (Discord's own) or off")
			fs.StringVar(&o.db, "db", "", "run on this database `url` (postgres://… or sqlite:PATH) instead of a temporary SQLite file")
			fs.BoolVar(&o.json, "json", false, "print one JSON object instead of the table")
			fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the bot to `file`, and of the peer process to file.peer")
			fs.StringVar(&o.memprofile, "memprofile", "", "write a heap profile of the bot, taken as the last result arrives, to `file`")
			fs.BoolVar(&o.peer, "peer-process", false, "internal: be the peer process of a bench run (fakes and users)")
		},
		Run: func(ctx context.Context, c *app.CLI, _ []string) error { return runBench(ctx, c, o) },
	}
}

func runBench(ctx context.Context, c *app.CLI, o *benchOpts) error {
	if err := o.cfg.Validate(); err != nil {
		return app.UsageErrorf("bench", "%v", err)
	}
	if o.peer {
		if o.cpuprofile != "" {
			stop, err := startCPUProfile(o.cpuprofile)
			if err != nil {
				return err
			}
			defer stop()
		}
		return bench.ServePeers(ctx, o.cfg, c.Stdin, c.Stdout)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to start the peers: %w", err)
	}
	peerCtx, killPeer := context.WithCancel(ctx)
	defer killPeer()
	args := peerArgs(o.cfg)
	if o.cpuprofile != "" {
		args = append(args, "--cpuprofile", o.cpuprofile+".peer")
	}
	peer, ends, err := bench.Launch(exec.CommandContext(peerCtx, exe, args...))
	if err != nil {
		return err
	}
	defer peer.Close()
	r, err := benchBot(ctx, c, o, peer, ends, killPeer)
	if err != nil {
		return err
	}
	if err := printBench(c.Stdout, r, o.json); err != nil {
		return err
	}
	if r.Lost > 0 || r.Duplicated > 0 {
		return fmt.Errorf("%d job(s) lost, %d delivered twice", r.Lost, r.Duplicated)
	}
	return nil
}

func peerArgs(cfg bench.Config) []string {
	return []string{"bench", "--peer-process",
		"--users", strconv.Itoa(cfg.Users), "--jobs", strconv.Itoa(cfg.Jobs),
		"--backends", strconv.Itoa(cfg.Backends), "--job-time", cfg.JobTime.String(),
		"--image-kb", strconv.Itoa(cfg.ImageKB), "--channels", strconv.Itoa(cfg.Channels), "--ramp", cfg.Ramp.String(), "--rate-limits", cfg.Limits}
}

// benchBot runs the bot against the peers until they report, then stops it
// and measures.
func benchBot(ctx context.Context, c *app.CLI, o *benchOpts, peer *bench.Peer, ends bench.Endpoints, killPeer func()) (bench.Report, error) {
	dir, err := os.MkdirTemp("", "discordsend-bench-*")
	if err != nil {
		return bench.Report{}, fmt.Errorf("temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	dbURL, dropDB, err := benchDatabase(ctx, o.db, dir)
	if err != nil {
		return bench.Report{}, err
	}
	defer dropDB()
	cfg, err := benchConfig(dir, dbURL, ends, o.cfg)
	if err != nil {
		return bench.Report{}, err
	}
	warnings := &warningLog{}
	log := logging.New(warnings, cfg.Log.Level, cfg.Log.Format, cfg.Secrets())
	st, err := openBenchStore(ctx, cfg.Database.URL)
	if err != nil {
		return bench.Report{}, err
	}
	defer st.Close()
	if o.cpuprofile != "" {
		stop, err := startCPUProfile(o.cpuprofile)
		if err != nil {
			return bench.Report{}, err
		}
		defer stop()
	}
	heap := bench.WatchHeap(ctx, 50*time.Millisecond)
	cpu0 := bench.CPUTime()
	// The bot records its metrics as run does, so their cost is measured.
	m, err := metrics.New(ops.NewRegistry())
	if err != nil {
		return bench.Report{}, err
	}
	botCtx, stopBot := context.WithCancel(ctx)
	defer stopBot()
	served := make(chan error, 1)
	go func() { served <- app.Serve(botCtx, cfg, st, app.Observed{Metrics: m}, nil, log) }()

	type result struct {
		obs bench.Observations
		err error
	}
	got := make(chan result, 1)
	go func() {
		obs, err := peer.Result(progressBar(c.Stderr))
		got <- result{obs, err}
	}()
	var res result
	select {
	case res = <-got:
		if err := writeHeapProfile(o.memprofile); err != nil {
			return bench.Report{}, err
		}
	case err := <-served:
		killPeer()
		<-got
		if err == nil {
			err = errors.New("the bot stopped before the run ended")
		}
		return bench.Report{}, fmt.Errorf("bench: %w%s", err, warnings.summary())
	}
	stopBot()
	serveErr := <-served
	cpu := bench.CPUTime() - cpu0
	peakHeap := heap.Stop()
	if res.err != nil {
		return bench.Report{}, fmt.Errorf("bench: %w%s", res.err, warnings.summary())
	}
	if serveErr != nil {
		return bench.Report{}, fmt.Errorf("bench: the bot: %w", serveErr)
	}
	jobs, err := benchJobs(ctx, st)
	if err != nil {
		return bench.Report{}, err
	}
	r := bench.Compute(o.cfg, res.obs, jobs, bench.Process{PeakRSS: bench.PeakRSS(), PeakHeap: peakHeap, CPU: cpu})
	r.Database = st.Dialect()
	if n := warnings.count(); n > 0 {
		fmt.Fprintf(c.Stderr, "the bot logged %d warning(s) or error(s):%s\n", n, warnings.summary())
	}
	return r, nil
}

// benchConfig is the bot's configuration for a run: the defaults, pointed
// at the peers, read through the same loader and checks as 'run' uses.
// No config.yaml or .env of the working directory takes part.
func benchConfig(dir, dbURL string, ends bench.Endpoints, bc bench.Config) (config.Config, error) {
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte("log:\n  level: warn\n"), 0o600); err != nil {
		return config.Config{}, fmt.Errorf("write bench configuration: %w", err)
	}
	var backends []string
	for i, u := range ends.Backends {
		backends = append(backends, fmt.Sprintf("gpu%d=%s", i+1, u))
	}
	env := map[string]string{
		"DISCORDBOT_DISCORD_TOKEN":               ends.Token,
		"DISCORDBOT_DISCORD_API_URL":             ends.APIURL,
		"DISCORDBOT_DISCORD_GUILD_IDS":           ends.GuildID,
		"DISCORDBOT_COMFYUI_BACKENDS":            strings.Join(backends, ","),
		"DISCORDBOT_DATABASE_URL":                dbURL,
		"DISCORDBOT_WORKFLOWS_DIR":               filepath.Join(dir, "workflows"),
		"DISCORDBOT_DEFAULTS_MAX_QUEUE_PER_USER": strconv.Itoa(bc.PerUser),
	}
	cfg, _, err := config.Load(config.Source{Path: file, Env: env})
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return cfg, fmt.Errorf("bench configuration: %w", err)
	}
	return cfg, nil
}

// benchDatabase is the URL of the run's database and what removes it: a
// SQLite file in dir by default, a scratch schema in a PostgreSQL database,
// or the SQLite file named.
func benchDatabase(ctx context.Context, dbURL, dir string) (string, func(), error) {
	switch {
	case dbURL == "":
		return "sqlite:" + filepath.Join(dir, "bot.db"), func() {}, nil
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		sc, err := store.NewScratch(ctx, dbURL, "discordsend_bench_")
		if err != nil {
			return "", nil, fmt.Errorf("bench --db: %w", err)
		}
		return sc.URL, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = sc.Drop(ctx)
		}, nil
	}
	return dbURL, func() {}, nil
}

// openBenchStore opens and migrates the run's database, which must hold no
// jobs: the report counts every job in it.
func openBenchStore(ctx context.Context, dbURL string) (*store.Store, error) {
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	n, err := st.CountJobs(ctx, store.JobFilter{})
	if err == nil && n > 0 {
		err = fmt.Errorf("bench --db: the database holds %d job(s); bench counts every job, so give it an empty database", n)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// benchJobs reads what the bot's database recorded of every job.
func benchJobs(ctx context.Context, st *store.Store) ([]bench.Job, error) {
	all, err := st.ListJobs(ctx, store.JobFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]bench.Job, 0, len(all))
	for _, j := range all {
		out = append(out, bench.Job{ID: j.ID, User: j.UserID, PromptID: j.PromptID, StatusMessageID: j.StatusMessageID,
			Queued: j.QueuedAt, Submitted: j.SubmittedAt})
	}
	return out, nil
}

func printBench(w io.Writer, r bench.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return bench.WriteTable(w, r)
}

// progressBar draws on stderr when it is a terminal.
func progressBar(w io.Writer) func(bench.Progress) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(p bench.Progress) {
		fmt.Fprint(f, bench.Bar(p, 40))
		if p.Delivered == p.Total {
			fmt.Fprintln(f)
		}
	}
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeHeapProfile writes the heap profile to path, if one is asked for.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// warningLog keeps the count and the first lines of the bot's warnings.
type warningLog struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (w *warningLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, l := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		w.n++
		if len(w.first) < 5 {
			w.first = append(w.first, l)
		}
	}
	return len(p), nil
}

func (w *warningLog) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func (w *warningLog) summary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.first) == 0 {
		return ""
	}
	return "\n  " + strings.Join(w.first, "\n  ")
}
