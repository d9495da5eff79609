package workflow

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Entry is a named workflow ready to build: the graph, its optional sidecar and the
// bindings found for it.
type Entry struct {
	Name     string
	Path     string // "" for the built-in default
	Workflow *Workflow
	Sidecar  *Sidecar // nil when there is no NAME.yaml
	Bindings Bindings
}

// Build layers params over the sidecar's defaults, checks the sidecar's limits and returns
// the graph with the values applied.
func (e *Entry) Build(params Params) (*Workflow, error) {
	if e.Sidecar != nil {
		params = e.Sidecar.Defaults.With(params)
		if err := e.Sidecar.Limits.Check(params); err != nil {
			return nil, err
		}
	}
	return Apply(e.Workflow, e.Bindings, params)
}

func (e *Entry) clone() *Entry {
	c := *e
	c.Workflow = e.Workflow.Clone()
	return &c
}

// Library holds the workflows of a directory (NAME.json with an optional NAME.yaml beside
// it) plus the built-in "default", which a default.json in the directory replaces. It is
// read-only once loaded and safe for concurrent use.
type Library struct {
	entries map[string]*Entry
}

// LoadLibrary reads every *.json in dir; dir "" gives a library holding only the built-in
// default. A file that does not load is an error naming it, so a bad workflow is noticed at
// start-up rather than at the first /generate.
func LoadLibrary(dir string) (*Library, error) {
	def := Default()
	l := &Library{entries: map[string]*Entry{
		DefaultName: {Name: DefaultName, Workflow: def, Bindings: Bind(def, nil)},
	}}
	if dir == "" {
		return l, nil
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read workflow directory: %w", err)
	}
	var errs []error
	for _, f := range files {
		if f.IsDir() || !strings.EqualFold(filepath.Ext(f.Name()), ".json") {
			continue
		}
		e, err := LoadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l.entries[e.Name] = e
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

// Get returns a copy of the named workflow.
func (l *Library) Get(name string) (*Entry, error) {
	e, ok := l.entries[name]
	if !ok {
		return nil, &Error{Code: CodeNotFound,
			Message: fmt.Sprintf("no workflow named %q (available: %s)", name, strings.Join(l.Names(), ", "))}
	}
	return e.clone(), nil
}

// Names lists the workflow names, sorted.
func (l *Library) Names() []string {
	return slices.Sorted(maps.Keys(l.entries))
}

// LoadFile reads a workflow file and the sidecar beside it (same name, .yaml or .yml).
// Errors name the file.
func LoadFile(path string) (*Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workflow: %w", err)
	}
	w, err := Parse(data)
	if err != nil {
		return nil, inFile(path, err)
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	e := &Entry{Name: filepath.Base(base), Path: path, Workflow: w}
	for _, ext := range []string{".yaml", ".yml"} {
		data, err := os.ReadFile(base + ext)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read sidecar: %w", err)
		}
		if e.Sidecar, err = ParseSidecar(data); err != nil {
			return nil, inFile(base+ext, err)
		}
		if err := e.Sidecar.Check(w); err != nil {
			return nil, inFile(base+ext, err)
		}
		break
	}
	e.Bindings = Bind(w, e.Sidecar)
	return e, nil
}

// inFile records which file an *Error came from.
func inFile(path string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.File = path
		return &c
	}
	return fmt.Errorf("%s: %w", path, err)
}

// SetDefault makes e the workflow used when a job names none (the
// configured defaults.workflow_path).
func (l *Library) SetDefault(e *Entry) {
	c := e.clone()
	c.Name = DefaultName
	l.entries[DefaultName] = c
}
