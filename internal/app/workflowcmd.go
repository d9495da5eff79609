package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/comfy"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/logging"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/workflow"
)

type inspectOpts struct {
	comfyURL string
	json     bool
}

func (o *inspectOpts) register(fs *flag.FlagSet) {
	fs.StringVar(&o.comfyURL, "comfyui", "", "also validate against the /object_info of the ComfyUI at `URL`")
	fs.BoolVar(&o.json, "json", false, "print one JSON object")
}

func workflowCommand() *Command {
	o := &inspectOpts{}
	cmd := &Command{
		Name:    "workflow",
		Args:    "inspect FILE|NAME",
		Summary: "inspect a workflow: format, parameter bindings, outputs, models, problems",
		Help: `inspect FILE|NAME  shows how the bot reads a workflow: its format (api,
api_request, ui, unknown), where each parameter is bound (node, input, and
how it was found: sidecar, title, trace or class), the output nodes, the node
classes and models it uses, and warnings. NAME is a library name (workflows.dir
or "default"). With --comfyui, the workflow is bound with that server's node
types, checked against its /object_info with every problem listed, and a
UI-format file (ComfyUI's normal "Save") is converted to the API graph first.
Binding rules: docs/WORKFLOWS.md. Exit 2 when the file cannot be read as a
workflow or does not fit the server.`,
		Flags: func(fs *flag.FlagSet, _ *CLI) { o.register(fs) },
	}
	cmd.Run = func(ctx context.Context, c *CLI, args []string) error {
		if len(args) == 0 || args[0] != "inspect" {
			return usageErrorf("workflow", "workflow needs a subcommand: inspect")
		}
		fs := flag.NewFlagSet("workflow inspect", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.StringVar(&c.configPath, "config", c.configPath, "configuration file")
		o.register(fs)
		rest, err := parseInterspersed(fs, args[1:])
		if errors.Is(err, flag.ErrHelp) {
			c.printCommandUsage(c.Stdout, cmd, fs)
			return nil
		}
		if err != nil {
			return usageErrorf("workflow", "%v", err)
		}
		if len(rest) != 1 {
			return usageErrorf("workflow", "workflow inspect needs exactly one FILE or NAME")
		}
		return runInspect(ctx, c, o, rest[0])
	}
	return cmd
}

// parseInterspersed parses flags placed before, between or after the arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			rest = append(rest, args[0])
			args = args[1:]
		}
	}
	return rest, nil
}

// inspectReport is what --json prints: the workflow's Report, plus the check against a
// server when one was named.
type inspectReport struct {
	workflow.Report
	File       string            `json:"file,omitempty"`
	Validation *validationReport `json:"validation,omitempty"`
}

type validationReport struct {
	URL      string             `json:"url"`
	OK       bool               `json:"ok"`
	Problems []workflow.Problem `json:"problems"`
}

func runInspect(ctx context.Context, c *CLI, o *inspectOpts, target string) error {
	if o.comfyURL != "" {
		if err := checkBaseURL(o.comfyURL); err != nil {
			return usageErrorf("workflow", "--comfyui: %v", err)
		}
	}
	var server *catalogue
	if o.comfyURL != "" {
		var err error
		if server, err = fetchCatalogue(ctx, o.comfyURL); err != nil {
			return err
		}
	}
	entry, format, err := inspectEntry(c, target, server.objectInfo())
	if err != nil {
		return c.inspectFailed(o, format, err)
	}
	rep := inspectReport{Report: workflow.InspectWith(entry.Workflow, entry.Sidecar, server.objectInfo()), File: entry.Path}
	rep.Format = format
	if server != nil {
		rep.Validation = validateOn(server, entry, &rep.Report)
	}
	if o.json {
		err = c.printJSON(rep)
	} else {
		err = printInspect(c.Stdout, entry, rep)
	}
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 || rep.Validation != nil && !rep.Validation.OK {
		return exitCode(ExitUsage)
	}
	return nil
}

// inspectEntry loads a workflow file (when target is one) or a library entry, and tells
// the file's format.
func inspectEntry(c *CLI, target string, info workflow.ObjectInfo) (*workflow.Entry, workflow.Format, error) {
	st, statErr := os.Stat(target)
	if looksLikePath(target) || statErr == nil && !st.IsDir() {
		data, err := os.ReadFile(target)
		if err != nil {
			return nil, workflow.FormatUnknown, fmt.Errorf("read workflow: %w", err)
		}
		format := workflow.Detect(data)
		if format == workflow.FormatUI {
			return convertedEntry(target, data, info)
		}
		// Leniently: a link to a missing node is one of the problems
		// the report lists, not a reason to stop before the others.
		entry, err := workflow.LoadFileLenient(target)
		return entry, format, err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return nil, workflow.FormatUnknown, err
	}
	entry, err := resolveEntry(cfg, target)
	if err != nil {
		return nil, workflow.FormatUnknown, err
	}
	if entry.Path == "" {
		return entry, workflow.FormatAPI, nil
	}
	data, err := os.ReadFile(entry.Path)
	if err != nil {
		return nil, workflow.FormatUnknown, fmt.Errorf("read workflow: %w", err)
	}
	return entry, workflow.Detect(data), nil
}

// convertedEntry reads a UI-format file through the server's catalogue (without one, the
// error says how to convert it). A sidecar is not read: its node ids would be the UI file's.
func convertedEntry(path string, data []byte, info workflow.ObjectInfo) (*workflow.Entry, workflow.Format, error) {
	w, format, err := workflow.Load(data, info)
	if err != nil {
		var we *workflow.Error
		if errors.As(err, &we) && we.File == "" {
			c := *we
			c.File = path
			err = &c
		}
		return nil, format, err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return &workflow.Entry{Name: name, Path: path, Source: workflow.SourceFolder, Workflow: w,
		Bindings: workflow.BindWith(w, nil, info)}, format, nil
}

// inspectFailed reports a workflow that cannot be read (exit 2); under --json the format
// and the reason still come as one object.
func (c *CLI) inspectFailed(o *inspectOpts, format workflow.Format, err error) error {
	var cfgErr *configError
	if errors.As(err, &cfgErr) {
		err = cfgErr.err
	}
	if !o.json {
		return &configError{err: err}
	}
	out := struct {
		Format workflow.Format `json:"format"`
		Error  string          `json:"error"`
	}{format, err.Error()}
	fmt.Fprintf(c.Stderr, "%s: %s\n", c.prog, c.redact(err.Error()))
	return errors.Join(c.printJSON(out), exitCode(ExitUsage))
}

// catalogue is a server's node catalogue, fetched once for binding and validation.
type catalogue struct {
	url  string
	info workflow.ObjectInfo
}

func (c *catalogue) objectInfo() workflow.ObjectInfo {
	if c == nil {
		return nil
	}
	return c.info
}

func fetchCatalogue(ctx context.Context, baseURL string) (*catalogue, error) {
	client := comfy.New(comfy.Options{Name: "inspect", BaseURL: baseURL, Logger: logging.Discard()})
	raw, err := client.ObjectInfo(ctx)
	if err != nil {
		return nil, err
	}
	info, err := workflow.ParseObjectInfo(raw)
	if err != nil {
		return nil, fmt.Errorf("ComfyUI at %s: %w", client.URL(), err)
	}
	return &catalogue{url: client.URL(), info: info}, nil
}

// validateOn checks the workflow against a server's node catalogue, after the checkpoint
// swap every generation does, which it notes in the report's warnings.
func validateOn(server *catalogue, entry *workflow.Entry, rep *workflow.Report) *validationReport {
	info := server.info
	v := &validationReport{URL: server.url, OK: true, Problems: []workflow.Problem{}}
	w := entry.Workflow
	bindings := workflow.BindWith(w, entry.Sidecar, info)
	available := workflow.Checkpoints(info)
	if b, ok := bindings.Get(workflow.ParamCheckpoint); ok && len(available) > 0 {
		for _, t := range b.Targets {
			if name, ok := inputText(w, t); ok && t.Input == "ckpt_name" && !slices.Contains(available, name) {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("node %s: checkpoint %q is not on %s; generations there use %q instead",
					t.Node, name, server.url, available[0]))
			}
		}
	}
	resolved, err := workflow.ResolveCheckpoint(w, bindings, available, nil)
	if err != nil {
		resolved = w // no checkpoints at all: validation names the missing one
	}
	var invalid *workflow.ValidationError
	if err := workflow.Validate(resolved, info, bindings.InputImages()...); errors.As(err, &invalid) {
		v.OK, v.Problems = false, invalid.Problems
	}
	return v
}

func inputText(w *workflow.Workflow, t workflow.Target) (string, bool) {
	n, ok := w.Node(t.Node)
	if !ok {
		return "", false
	}
	v, _ := n.Input(t.Input)
	s, ok := v.(string)
	return s, ok
}

func printInspect(out io.Writer, entry *workflow.Entry, rep inspectReport) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	name := entry.Name
	if rep.File != "" {
		name = rep.File
	}
	fmt.Fprintf(w, "Workflow:\t%s\n", name)
	fmt.Fprintf(w, "Format:\t%s\n", rep.Format)
	if rep.Description != "" {
		fmt.Fprintf(w, "Description:\t%s\n", rep.Description)
	}
	if rep.MainSampler != "" {
		fmt.Fprintf(w, "Main sampler:\tnode %s\n", rep.MainSampler)
	}
	header := "\nPARAMETER\tNODE\tINPUT\tVIA\tVALUE"
	for _, b := range rep.Bindings {
		if b != nil && b.Note != "" {
			header += "\tNOTE"
			break
		}
	}
	fmt.Fprintln(w, header)
	for _, p := range workflow.AllParams() {
		b := rep.Bindings[p]
		if b == nil {
			fmt.Fprintf(w, "%s\t-\t-\t-\t(not bound)\n", p)
			continue
		}
		for i, t := range b.Targets {
			param, via, value, note := string(p), string(b.Via), shortValue(b.Value), b.Note
			if i > 0 {
				param, via, value, note = "", "", "", ""
			}
			if note != "" {
				value += "\t" + note
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", param, t.Node, t.Input, via, value)
		}
	}
	fmt.Fprintln(w, "\nOUTPUT NODE\tCLASS\tTITLE")
	for _, n := range rep.Outputs {
		fmt.Fprintf(w, "%s\t%s\t%s\n", n.Node, n.Class, n.Title)
	}
	if len(rep.Models) > 0 {
		fmt.Fprintln(w, "\nMODEL\tKIND\tNODE\tINPUT")
		for _, m := range rep.Models {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.Name, m.Kind, m.Node, m.Input)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("print report: %w", err)
	}
	fmt.Fprintf(out, "\nClasses: %s\n", strings.Join(rep.Classes, ", "))
	for _, warn := range rep.Warnings {
		fmt.Fprintf(out, "warning: %s\n", warn)
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(out, problemList(fmt.Sprintf("\nProblems (%d):", len(rep.Problems)), rep.Problems))
	}
	if v := rep.Validation; v != nil {
		// The server's problems, less those of the workflow itself listed above.
		others := slices.DeleteFunc(slices.Clone(v.Problems), func(p workflow.Problem) bool {
			return slices.ContainsFunc(rep.Problems, func(q workflow.Problem) bool {
				return q.Code == p.Code && q.Node == p.Node && q.Input == p.Input
			})
		})
		switch {
		case v.OK:
			fmt.Fprintf(out, "\nValid on %s.\n", v.URL)
		case len(others) > 0:
			more := ""
			if len(rep.Problems) > 0 {
				more = " more"
			}
			fmt.Fprintln(out, problemList(fmt.Sprintf("\nDoes not fit %s (%d%s problems):", v.URL, len(others), more), others))
		default:
			fmt.Fprintf(out, "\nDoes not fit %s: see the problems above.\n", v.URL)
		}
	}
	return nil
}

// shortValue shows a bound input's current value on one table line.
func shortValue(v any) string {
	if v == nil {
		return ""
	}
	s, isText := v.(string)
	if !isText {
		return fmt.Sprint(v)
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
