package app

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/gif" // decoders for the sizes of downloaded images
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/config"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/generation"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/logging"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

// interruptGrace bounds the calls that stop our prompt after Ctrl-C.
const interruptGrace = 10 * time.Second

type generateOpts struct {
	params   model.Params
	workflow string
	comfyURL string
	out      string
	json     bool
	now      func() time.Time
	rand     func() uint64 // seeds, when none is given
}

func generateCommand() *Command {
	o := &generateOpts{now: time.Now, rand: rand.Uint64}
	return &Command{
		Name:    "generate",
		Args:    "--prompt TEXT",
		Summary: "run one generation on ComfyUI without Discord and save its outputs",
		Help: `Builds the workflow with the given parameters, checks it against the server's
/object_info, submits it and shows progress, then saves every result file
(images, animations, video, audio) into --out and prints the workflow's text
outputs; previews are not saved. --workflow is a library name (workflows.dir, or "default") or a
path to an API-format JSON file (its NAME.yaml sidecar is read too). Without
--seed, a sidecar's default seed or a random one within the seed input's range
is used. Ctrl-C interrupts the prompt. Exit 0 ok, 1 when ComfyUI fails or is
unreachable, 2 when the workflow or the parameters do not fit.`,
		Flags: func(fs *flag.FlagSet, _ *CLI) {
			fs.Func("prompt", "`TEXT` of the positive prompt (required)", func(s string) error { o.params.Prompt = s; return nil })
			fs.Func("negative", "`TEXT` of the negative prompt", func(s string) error { o.params.Negative = s; return nil })
			fs.Func("seed", "the `seed` (default: the sidecar's, else random)", func(s string) error {
				v, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					return errors.New("must be a whole number from 0 to 18446744073709551615")
				}
				o.params.Seed = &v
				return nil
			})
			fs.Func("steps", "sampler `steps`", intFlag(&o.params.Steps))
			fs.Func("cfg", "CFG `scale` (guidance for Flux)", func(s string) error {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return errors.New("must be a number")
				}
				o.params.CFG = &v
				return nil
			})
			fs.Func("width", "image width in `pixels`", intFlag(&o.params.Width))
			fs.Func("height", "image height in `pixels`", intFlag(&o.params.Height))
			fs.StringVar(&o.workflow, "workflow", "", "library `NAME or PATH` of an API-format workflow (default: the default workflow)")
			fs.StringVar(&o.comfyURL, "comfyui", "", "ComfyUI base `URL` (default: comfyui.url, or the first of comfyui.backends)")
			fs.StringVar(&o.out, "out", "outputs", "`folder` the result files are written to (created when missing)")
			fs.BoolVar(&o.json, "json", false, "print one JSON object (progress goes to stderr)")
		},
		Run: func(ctx context.Context, c *CLI, args []string) error { return runGenerate(ctx, c, o, args) },
	}
}

func intFlag(dst **int) func(string) error {
	return func(s string) error {
		v, err := strconv.Atoi(s)
		if err != nil {
			return errors.New("must be a whole number")
		}
		*dst = &v
		return nil
	}
}

// generateReport is what --json prints.
type generateReport struct {
	PromptID string                 `json:"prompt_id"`
	Seed     *uint64                `json:"seed"`
	Params   map[workflow.Param]any `json:"params"`
	// Files are every saved result file; Images are those that are images,
	// as scripts written before other kinds were saved read them.
	Files      []savedFile `json:"files"`
	Images     []savedFile `json:"images"`
	Texts      []shownText `json:"texts"`
	DurationMS int64       `json:"duration_ms"`
}

type savedFile struct {
	Path      string           `json:"path"`
	Kind      model.OutputKind `json:"kind"`
	MediaType string           `json:"media_type"`
	Width     int              `json:"width"`
	Height    int              `json:"height"`
	Bytes     int              `json:"bytes"`
}

// shownText is a text output (PreviewAny and the like).
type shownText struct {
	Node string `json:"node"`
	Text string `json:"text"`
}

// cliGeneration is one run of the generate command.
type cliGeneration struct {
	c      *CLI
	o      *generateOpts
	client *comfy.Client
	log    *slog.Logger // warnings a person should see, on stderr
	info   workflow.ObjectInfo
}

func runGenerate(ctx context.Context, c *CLI, o *generateOpts, args []string) error {
	if len(args) > 0 {
		return usageErrorf("generate", "unexpected argument %q (quote the prompt: --prompt \"a red fox\")", args[0])
	}
	if strings.TrimSpace(o.params.Prompt) == "" {
		return usageErrorf("generate", "--prompt is required")
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	entry, err := resolveEntry(cfg, o.workflow)
	if err != nil {
		return err
	}
	backend, err := generateBackend(cfg, o.comfyURL)
	if err != nil {
		return err
	}
	g := &cliGeneration{c: c, o: o, log: logging.New(c.Stderr, "warn", "text", c.secrets)}
	g.client = comfy.New(comfy.Options{Name: backend.Name, BaseURL: backend.URL, Headers: revealHeaders(backend.Headers),
		Timeout: cfg.ComfyUI.Timeout.Std(), Logger: logging.Discard(), Now: o.now})
	runCtx, stop := context.WithCancel(ctx)
	runDone := make(chan struct{})
	defer func() {
		stop()
		<-runDone
	}()
	go func() {
		defer close(runDone)
		_ = g.client.Run(runCtx) // only a bad URL fails, and the probe in connect reports that
	}()
	if err := g.connect(ctx, cfg.ComfyUI.Timeout.Std()); err != nil {
		return err
	}
	return g.run(ctx, entry)
}

// generateBackend is the backend to use: the first configured one, or --comfyui.
func generateBackend(cfg config.Config, override string) (config.Backend, error) {
	backends := cfg.EffectiveBackends()
	if override == "" {
		return backends[0], nil
	}
	if err := checkBaseURL(override); err != nil {
		return config.Backend{}, usageErrorf("generate", "--comfyui: %v", err)
	}
	// A configured backend's headers are its credentials: they go to that server only.
	for _, b := range backends {
		if strings.TrimRight(b.URL, "/") == strings.TrimRight(override, "/") {
			return b, nil
		}
	}
	return config.Backend{Name: "cli", URL: override}, nil
}

func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	return nil
}

// resolveEntry finds the workflow --workflow names: a file path, or a library name.
func resolveEntry(cfg config.Config, name string) (*workflow.Entry, error) {
	if looksLikePath(name) {
		e, err := workflow.LoadFile(name)
		if err != nil {
			return nil, &configError{err: fmt.Errorf("workflow: %w", err)}
		}
		return e, nil
	}
	lib, err := loadLibrary(cfg)
	if err != nil {
		return nil, &configError{err: err}
	}
	if name == "" {
		name = workflow.DefaultName
	}
	e, err := lib.Get("", name) // the command line sees the global workflows
	if err != nil {
		return nil, &configError{err: err}
	}
	return e, nil
}

// looksLikePath tells a workflow file from a library name.
func looksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\`) || strings.EqualFold(filepath.Ext(s), ".json")
}

// connect checks the server answers, then waits for the WebSocket Run keeps up: events of
// our prompt only reach us once ComfyUI has registered the socket.
func (g *cliGeneration) connect(ctx context.Context, timeout time.Duration) error {
	if _, err := g.client.SystemStats(ctx); err != nil {
		return err
	}
	return waitConnected(ctx, g.client, g.client.URL(), timeout)
}

// healthWatcher is the part of comfy.Client connect waits on.
type healthWatcher interface {
	Health() (up bool, changed <-chan struct{})
}

func waitConnected(ctx context.Context, h healthWatcher, url string, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		up, changed := h.Health()
		if up {
			return nil
		}
		select {
		case <-changed:
		case <-timer.C:
			return fmt.Errorf("ComfyUI at %s answers HTTP but its WebSocket did not connect within %s", url, timeout)
		case <-ctx.Done():
			return fmt.Errorf("cancelled while connecting to ComfyUI at %s", url)
		}
	}
}

func (g *cliGeneration) run(ctx context.Context, entry *workflow.Entry) error {
	w, seed, err := g.prepare(ctx, entry)
	if err != nil {
		return err
	}
	start := g.o.now()
	tr, err := g.submit(ctx, w, seed)
	if err != nil {
		return err
	}
	defer tr.Close()
	outcome, err := g.follow(ctx, tr, w)
	if err != nil {
		return err
	}
	files, err := g.download(ctx, outcome)
	if err != nil {
		return err
	}
	rep := generateReport{PromptID: outcome.PromptID, Seed: seed, Params: usedParams(w, entry.Bindings),
		Files: files, Images: []savedFile{}, Texts: []shownText{}, DurationMS: g.o.now().Sub(start).Milliseconds()}
	for _, f := range files {
		if f.Kind == model.KindImage || f.Kind == model.KindAnimation {
			rep.Images = append(rep.Images, f)
		}
	}
	for _, t := range outcome.Texts {
		rep.Texts = append(rep.Texts, shownText{Node: t.NodeID, Text: t.Text})
	}
	if g.o.json {
		return g.c.printJSON(rep)
	}
	g.printResult(rep)
	return nil
}

// prepare reads the server's node catalogue and builds the graph to submit.
func (g *cliGeneration) prepare(ctx context.Context, entry *workflow.Entry) (*workflow.Workflow, *uint64, error) {
	raw, err := g.client.ObjectInfo(ctx)
	if err != nil {
		return nil, nil, err
	}
	if g.info, err = workflow.ParseObjectInfo(raw); err != nil {
		return nil, nil, fmt.Errorf("ComfyUI at %s: %w", g.client.URL(), err)
	}
	seed, err := g.params(entry)
	if err != nil {
		return nil, nil, err
	}
	w, err := g.build(entry, seed)
	if err != nil {
		return nil, nil, err
	}
	return w, seed, nil
}

// submit queues the graph under our own prompt id, tracked before it is sent so no event
// is missed.
func (g *cliGeneration) submit(ctx context.Context, w *workflow.Workflow, seed *uint64) (*comfy.Tracker, error) {
	prompt, err := w.Encode()
	if err != nil {
		return nil, fmt.Errorf("encode workflow: %w", err)
	}
	tr := g.client.Track(comfy.NewPromptID())
	sub, err := g.client.Submit(ctx, prompt, tr.PromptID(), nil)
	if err != nil {
		tr.Close()
	}
	var refused *comfy.ValidationError
	switch {
	case errors.As(err, &refused):
		return nil, &configError{err: fmt.Errorf("ComfyUI at %s refused the workflow: %w", g.client.URL(), err)}
	case err != nil && ctx.Err() != nil:
		// Cancelled mid-request: ComfyUI may have queued the prompt all the same.
		return nil, g.interrupt(ctx, tr.PromptID())
	case err != nil:
		return nil, err
	}
	for _, warn := range sub.Warnings {
		g.log.Warn("an output will be missing: " + warn.Error())
	}
	g.progressf("prompt %s queued on %s%s\n", sub.PromptID, g.client.URL(), seedNote(seed))
	return tr, nil
}

// params checks the workflow takes a prompt, warns of flags it has no input
// for, and picks the seed, as the bot does (see generation.Seed); nil when
// the workflow has no seed input.
func (g *cliGeneration) params(entry *workflow.Entry) (*uint64, error) {
	if _, ok := entry.Bindings.Get(workflow.ParamPrompt); !ok {
		return nil, &configError{err: fmt.Errorf("workflow %s has no prompt input: title the positive text encoder "+
			`"Positive Prompt" or bind prompt in its sidecar`, entry.Name)}
	}
	for _, missing := range generation.Ignored(entry, g.o.params) {
		g.log.Warn(fmt.Sprintf("workflow %s has no %s input; --%s is ignored", entry.Name, missing, missing))
	}
	if _, ok := entry.Bindings.Get(workflow.ParamSeed); !ok {
		return nil, nil
	}
	seed := generation.Seed(entry, g.o.params.Seed, g.server(), g.o.rand)
	return &seed, nil
}

func (g *cliGeneration) server() generation.Server {
	return generation.Server{Info: g.info, Checkpoints: workflow.Checkpoints(g.info)}
}

// build makes the graph as the bot would for this server: parameters
// applied, a checkpoint the server lacks swapped, validated the way the
// server will.
func (g *cliGeneration) build(entry *workflow.Entry, seed *uint64) (*workflow.Workflow, error) {
	r := generation.Request{Params: g.o.params}
	if seed != nil {
		r.Seed = *seed
	}
	built, err := generation.Build(entry, r, g.server(), g.log)
	var invalid *workflow.ValidationError
	var werr *workflow.Error
	switch {
	case errors.As(err, &invalid):
		return nil, &configError{err: errors.New(problemList(
			fmt.Sprintf("workflow %s does not fit ComfyUI at %s:", entry.Name, g.client.URL()), invalid.Problems))}
	case errors.As(err, &werr) && werr.Code == workflow.CodeNoCheckpoints:
		return nil, fmt.Errorf("ComfyUI at %s: %w", g.client.URL(), err)
	case err != nil:
		return nil, &configError{err: err}
	}
	return built.Workflow, nil
}

func problemList(head string, problems []workflow.Problem) string {
	var b strings.Builder
	b.WriteString(head)
	for _, p := range problems {
		b.WriteString("\n  - ")
		b.WriteString(p.Message)
	}
	return b.String()
}

func seedNote(seed *uint64) string {
	if seed == nil {
		return ""
	}
	return fmt.Sprintf(" (seed %d)", *seed)
}

// follow shows the prompt's progress until it ends; Ctrl-C interrupts it.
func (g *cliGeneration) follow(ctx context.Context, tr *comfy.Tracker, w *workflow.Workflow) (comfy.Outcome, error) {
	pw := g.c.Stdout
	if g.o.json {
		pw = g.c.Stderr
	}
	bar := newProgress(pw, isTerminal(pw), w, g.info)
	defer bar.end()
	for {
		select {
		case ev, ok := <-tr.Events():
			if !ok {
				return g.outcome(tr)
			}
			bar.show(ev)
		case <-ctx.Done():
			bar.end()
			return comfy.Outcome{}, g.interrupt(ctx, tr.PromptID())
		}
	}
}

// interrupt stops our prompt, whether it still waits in ComfyUI's queue or runs.
func (g *cliGeneration) interrupt(ctx context.Context, promptID string) error {
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interruptGrace)
	defer cancel()
	err := errors.Join(g.client.Delete(ictx, promptID), g.client.Interrupt(ictx, promptID))
	if err != nil {
		return fmt.Errorf("cancelled, but interrupting prompt %s failed: %w", promptID, err)
	}
	return fmt.Errorf("cancelled: interrupted prompt %s", promptID)
}

func (g *cliGeneration) outcome(tr *comfy.Tracker) (comfy.Outcome, error) {
	o, ok := tr.Outcome()
	if !ok {
		return o, fmt.Errorf("stopped following prompt %s before it ended", tr.PromptID())
	}
	switch o.Status {
	case comfy.StatusSuccess:
		if o.Err != nil {
			return o, fmt.Errorf("prompt %s finished but its outputs could not be read: %w", o.PromptID, o.Err)
		}
		return o, nil
	case comfy.StatusError:
		if o.Error != nil {
			return o, fmt.Errorf("ComfyUI at %s: %w", g.client.URL(), o.Error)
		}
		return o, fmt.Errorf("ComfyUI at %s: prompt %s failed", g.client.URL(), o.PromptID)
	case comfy.StatusInterrupted:
		if i := o.Interrupted; i != nil {
			return o, fmt.Errorf("ComfyUI at %s: prompt %s was interrupted at node %s (%s)", g.client.URL(), o.PromptID, i.NodeID, i.NodeType)
		}
		return o, fmt.Errorf("ComfyUI at %s: prompt %s was interrupted", g.client.URL(), o.PromptID)
	case comfy.StatusLost:
		return o, fmt.Errorf("ComfyUI at %s lost prompt %s: it no longer knows it (restarted?)", g.client.URL(), o.PromptID)
	}
	return o, fmt.Errorf("prompt %s ended as %q", o.PromptID, o.Status)
}

// download saves the prompt's result files of every kind into --out, each
// under its own name: the outputs the bot would deliver (previews, such as
// PreviewImage's temp files, are not results and are never saved).
func (g *cliGeneration) download(ctx context.Context, o comfy.Outcome) ([]savedFile, error) {
	saved := []savedFile{}
	results := model.FileRefs(generation.Results(o))
	if len(results) == 0 {
		return saved, nil
	}
	if err := os.MkdirAll(g.o.out, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	for _, ref := range results {
		data, err := g.client.View(ctx, comfy.File{Filename: ref.Filename, Subfolder: ref.Subfolder, Type: ref.Type})
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", ref.Filename, err)
		}
		path, err := writeNew(g.o.out, withExtension(ref.Filename, ref.MediaType), data)
		if err != nil {
			return nil, err
		}
		s := savedFile{Path: path, Kind: ref.Kind, MediaType: ref.MediaType, Bytes: len(data)}
		if s.Kind == model.KindImage || s.Kind == model.KindAnimation {
			if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
				s.Width, s.Height = cfg.Width, cfg.Height
			}
		}
		saved = append(saved, s)
	}
	return saved, nil
}

// withExtension gives a name without an extension the one of its media
// type, so the saved file opens in the right program.
func withExtension(name, mediaType string) string {
	if filepath.Ext(name) != "" {
		return name
	}
	if exts, err := mime.ExtensionsByType(mediaType); err == nil && len(exts) > 0 {
		return name + exts[0]
	}
	return name
}

// writeNew writes data into dir under name, or name with a number added when a file of
// that name exists: an earlier run's files are never overwritten.
func writeNew(dir, name string, data []byte) (string, error) {
	name = filepath.Base(filepath.Clean("/" + strings.ReplaceAll(name, `\`, "/")))
	if name == "/" || name == "." {
		name = "output"
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 0; ; i++ {
		path := filepath.Join(dir, name)
		if i > 0 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, i, ext))
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("save file: %w", err)
		}
		_, werr := f.Write(data)
		if err := errors.Join(werr, f.Close()); err != nil {
			return "", fmt.Errorf("save file: %w", err)
		}
		return path, nil
	}
}

// usedParams reads back every bound parameter's value from the graph that was submitted.
func usedParams(w *workflow.Workflow, b workflow.Bindings) map[workflow.Param]any {
	out := map[workflow.Param]any{}
	for _, p := range workflow.AllParams() {
		bind, ok := b.Get(p)
		if !ok {
			continue
		}
		t := bind.Targets[0]
		n, ok := w.Node(t.Node)
		if !ok {
			continue
		}
		v, ok := n.Input(t.Input)
		if _, linked := v.(workflow.Link); ok && !linked {
			out[p] = v
		}
	}
	return out
}

func (g *cliGeneration) printResult(rep generateReport) {
	w := g.c.Stdout
	if len(rep.Files) == 0 && len(rep.Texts) == 0 {
		fmt.Fprintf(w, "prompt %s finished in %s but saved no files and showed no text (previews are not saved)\n", rep.PromptID, duration(rep.DurationMS))
		return
	}
	if len(rep.Files) > 0 {
		fmt.Fprintf(w, "saved %d file(s) in %s:\n", len(rep.Files), duration(rep.DurationMS))
	} else {
		fmt.Fprintf(w, "prompt %s finished in %s and saved no files\n", rep.PromptID, duration(rep.DurationMS))
	}
	for _, f := range rep.Files {
		size := ""
		if f.Width > 0 {
			size = fmt.Sprintf("  %dx%d", f.Width, f.Height)
		}
		fmt.Fprintf(w, "  %s  %s%s  %d bytes\n", f.Path, f.Kind, size, f.Bytes)
	}
	for _, t := range rep.Texts {
		fmt.Fprintf(w, "text from node %s:\n", t.Node)
		for _, line := range strings.Split(t.Text, "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
}

func duration(ms int64) time.Duration {
	d := time.Duration(ms) * time.Millisecond
	if d < time.Second {
		return d
	}
	return d.Round(100 * time.Millisecond)
}

// progressf writes a progress note where progress goes: stdout, or stderr under --json.
func (g *cliGeneration) progressf(format string, args ...any) {
	w := g.c.Stdout
	if g.o.json {
		w = g.c.Stderr
	}
	fmt.Fprintf(w, format, args...)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress shows a prompt's progress: on a terminal one bar line redrawn in place, otherwise
// a line per quarter of each sampler's steps.
type progress struct {
	w      io.Writer
	bar    bool
	labels map[string]string // node id → "node 3 KSampler"
	todo   map[string]bool   // the nodes the prompt runs
	done   map[string]bool
	node   string // the node running now
	value  float64
	max    float64
	shown  int // quarters of the current node's steps already printed (plain lines)
	width  int // runes of the bar line drawn last, blanked by the next one
}

const barWidth = 24

func newProgress(w io.Writer, bar bool, wf *workflow.Workflow, info workflow.ObjectInfo) *progress {
	p := &progress{w: w, bar: bar, labels: map[string]string{}, todo: runSet(wf, info), done: map[string]bool{}}
	for _, id := range wf.IDs() {
		n, _ := wf.Node(id)
		label := "node " + id + " " + n.Class
		if n.Title != "" && n.Title != n.Class {
			label += fmt.Sprintf(" %q", n.Title)
		}
		p.labels[id] = label
	}
	return p
}

// runSet lists the nodes ComfyUI will run: the output nodes and everything they depend on.
func runSet(w *workflow.Workflow, info workflow.ObjectInfo) map[string]bool {
	set := map[string]bool{}
	stack := info.OutputNodes(w)
	if len(stack) == 0 {
		stack = w.IDs()
	}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n, ok := w.Node(id)
		if !ok || set[id] {
			continue
		}
		set[id] = true
		for _, name := range n.InputNames() {
			if l, ok := n.Link(name); ok {
				stack = append(stack, l.Node)
			}
		}
	}
	return set
}

func (p *progress) show(ev comfy.Event) {
	switch e := ev.(type) {
	case comfy.ExecutionCached:
		for _, id := range e.Nodes {
			p.done[id] = true
		}
	case comfy.Executing:
		if e.Done {
			return
		}
		p.start(e.Node)
	case comfy.Progress:
		p.start(e.Node)
		p.value, p.max = e.Value, e.Max
		p.stepLine()
	case comfy.ProgressState:
		for id, n := range e.Nodes {
			if n.State == "finished" {
				p.done[id] = true
			}
		}
	case comfy.Executed:
		p.done[e.Node] = true
	default:
		return
	}
	p.draw()
}

// start notes the node now running; the one before it has finished.
func (p *progress) start(node string) {
	if node == p.node {
		return
	}
	if p.node != "" {
		p.done[p.node] = true
	}
	p.node, p.value, p.max, p.shown = node, 0, 0, 0
}

func (p *progress) percent() int {
	if len(p.todo) == 0 {
		return 0
	}
	var finished float64
	for id := range p.todo {
		if p.done[id] {
			finished++
		}
	}
	if p.todo[p.node] && !p.done[p.node] && p.max > 0 {
		finished += min(p.value/p.max, 1)
	}
	return min(100, int(100*finished/float64(len(p.todo))))
}

func (p *progress) status() string {
	label := p.labels[p.node]
	if label == "" {
		label = "node " + p.node
	}
	if p.max > 1 {
		label += fmt.Sprintf(": step %d/%d", int(p.value), int(p.max))
	}
	return label
}

// stepLine prints a plain line when the sampler passes a quarter of its steps.
func (p *progress) stepLine() {
	if p.bar || p.max <= 1 {
		return
	}
	q := int(4 * p.value / p.max)
	if q <= p.shown {
		return
	}
	p.shown = q
	fmt.Fprintf(p.w, "%s (%d%%)\n", p.status(), p.percent())
}

func (p *progress) draw() {
	if !p.bar || p.node == "" {
		return
	}
	pct := p.percent()
	filled := pct * barWidth / 100
	line := fmt.Sprintf("[%s%s] %3d%%  %s", strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), pct, p.status())
	n := len([]rune(line))
	pad := strings.Repeat(" ", max(0, p.width-n))
	p.width = n
	fmt.Fprint(p.w, "\r"+line+pad)
}

// end finishes the bar line so what follows starts on a fresh line.
func (p *progress) end() {
	if p.bar && p.width > 0 {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}
