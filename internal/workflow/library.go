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
	"sync"
)

// Source says where a library entry comes from.
type Source string

// Sources of workflows.
const (
	SourceBuiltIn Source = "built-in" // the embedded default
	SourceFolder  Source = "folder"   // a NAME.json of workflows.dir, or defaults.workflow_path
	SourceServer  Source = "server"   // added from Discord by a server's admin, kept in the database
)

// Codes of the library's own errors.
const (
	// CodeNameTaken: a server workflow may not take the name of a folder or
	// built-in one, which every server sees.
	CodeNameTaken Code = "name_taken"
	// CodeNotRemovable: folder and built-in workflows are not removed from
	// Discord.
	CodeNotRemovable Code = "not_removable"
)

// Entry is a named workflow ready to build: the graph, its optional sidecar and the
// bindings found for it.
type Entry struct {
	Name        string
	Path        string // the file of a folder entry; "" otherwise
	Source      Source
	Description string // the sidecar's, or the one given with a server workflow
	Workflow    *Workflow
	Sidecar     *Sidecar // nil when there is no NAME.yaml
	Bindings    Bindings
}

// NewEntry names a workflow and binds it (sidecar may be nil). The
// description defaults to the sidecar's.
func NewEntry(name, description string, w *Workflow, sidecar *Sidecar) *Entry {
	if description == "" && sidecar != nil {
		description = sidecar.Description
	}
	return &Entry{Name: name, Description: description, Workflow: w, Sidecar: sidecar, Bindings: Bind(w, sidecar)}
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

// Library holds the workflows a job may name. Global entries — the built-in
// "default" (which a default.json in the directory replaces) and the NAME.json
// files of a directory, each with an optional NAME.yaml beside it — are seen
// everywhere. A server's entries, added and removed while the bot runs, are
// seen only by that server's commands and jobs; DMs see the global ones. A
// server entry may not take a global name, so a name means one workflow
// wherever it is used. Safe for concurrent use; entries are handed out as
// copies.
type Library struct {
	mu      sync.RWMutex
	global  map[string]*Entry
	servers map[string]map[string]*Entry // guild id → name → entry
}

// LoadLibrary reads every *.json in dir; dir "" gives a library holding only the built-in
// default. A file that does not load is an error naming it, so a bad workflow is noticed at
// start-up rather than at the first /generate.
func LoadLibrary(dir string) (*Library, error) {
	def := Default()
	l := &Library{
		global: map[string]*Entry{DefaultName: {Name: DefaultName, Source: SourceBuiltIn,
			Description: "the built-in text-to-image workflow", Workflow: def, Bindings: Bind(def, nil)}},
		servers: map[string]map[string]*Entry{},
	}
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
		l.global[e.Name] = e
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

// Get returns a copy of the named workflow as the server guild sees it
// (guild "" for a DM: the global workflows only).
func (l *Library) Get(guild, name string) (*Entry, error) {
	l.mu.RLock()
	e := l.lookup(guild, name)
	l.mu.RUnlock()
	if e == nil {
		return nil, &Error{Code: CodeNotFound,
			Message: fmt.Sprintf("no workflow named %q (available: %s)", name, strings.Join(l.Names(guild), ", "))}
	}
	return e.clone(), nil
}

func (l *Library) lookup(guild, name string) *Entry {
	if e, ok := l.global[name]; ok {
		return e
	}
	if guild == "" {
		return nil
	}
	return l.servers[guild][name]
}

// Names lists the workflow names the server guild may use ("" for a DM),
// sorted.
func (l *Library) Names(guild string) []string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	names := slices.Collect(maps.Keys(l.global))
	if guild != "" {
		names = slices.AppendSeq(names, maps.Keys(l.servers[guild]))
	}
	slices.Sort(names)
	return names
}

// Entries returns copies of every workflow the server guild may use ("" for
// a DM), sorted by name.
func (l *Library) Entries(guild string) []*Entry {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []*Entry
	for _, e := range l.global {
		out = append(out, e.clone())
	}
	if guild != "" {
		for _, e := range l.servers[guild] {
			out = append(out, e.clone())
		}
	}
	slices.SortFunc(out, func(a, b *Entry) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// CheckServerName reports whether a server workflow may be named name: not
// when a global workflow has the name. The error says where that one lives.
func (l *Library) CheckServerName(name string) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if g, ok := l.global[name]; ok {
		return &Error{Code: CodeNameTaken,
			Message: fmt.Sprintf("the name %q belongs to %s, which every server sees; choose another name", name, describeSource(g))}
	}
	return nil
}

// Add puts a copy of e among the server guild's workflows, as a server
// entry, and reports whether it replaced one of that name.
func (l *Library) Add(guild string, e *Entry) (replaced bool, err error) {
	if guild == "" {
		return false, &Error{Code: CodeNotFound, Message: "a server workflow needs a server"}
	}
	if err := l.CheckServerName(e.Name); err != nil {
		return false, err
	}
	c := e.clone()
	c.Source, c.Path = SourceServer, ""
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.global[c.Name]; ok { // added meanwhile: only SetDefault adds globals
		return false, &Error{Code: CodeNameTaken, Message: fmt.Sprintf("the name %q belongs to a global workflow", c.Name)}
	}
	if l.servers[guild] == nil {
		l.servers[guild] = map[string]*Entry{}
	}
	_, replaced = l.servers[guild][c.Name]
	l.servers[guild][c.Name] = c
	return replaced, nil
}

// Remove takes a workflow out of the server guild's. A global one cannot
// be removed: the error says where it lives.
func (l *Library) Remove(guild, name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if g, ok := l.global[name]; ok {
		return &Error{Code: CodeNotRemovable, Message: fmt.Sprintf("%q is %s, not a workflow of this server", name, describeSource(g))}
	}
	if _, ok := l.servers[guild][name]; !ok || guild == "" {
		return &Error{Code: CodeNotFound, Message: fmt.Sprintf("this server has no workflow named %q", name)}
	}
	delete(l.servers[guild], name)
	return nil
}

// describeSource says where a global entry lives, for messages.
func describeSource(e *Entry) string {
	if e.Source == SourceBuiltIn {
		return "the workflow built into the bot"
	}
	return "a workflow of the bot's workflows folder (" + filepath.Base(e.Path) + "; remove or rename the file there)"
}

// LoadFile reads a workflow file and the sidecar beside it (same name, .yaml or .yml).
// Errors name the file.
func LoadFile(path string) (*Entry, error) {
	return loadFile(path, Parse)
}

// LoadFileLenient is LoadFile reading the workflow with ParseLenient, for inspecting a
// broken one: links to missing nodes do not stop it (Inspect lists them).
func LoadFileLenient(path string) (*Entry, error) {
	return loadFile(path, ParseLenient)
}

func loadFile(path string, parse func([]byte) (*Workflow, error)) (*Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workflow: %w", err)
	}
	w, err := parse(data)
	if err != nil {
		return nil, inFile(path, err)
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	e := &Entry{Name: filepath.Base(base), Path: path, Source: SourceFolder, Workflow: w}
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
	if e.Sidecar != nil {
		e.Description = e.Sidecar.Description
	}
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
	l.mu.Lock()
	l.global[DefaultName] = c
	l.mu.Unlock()
}
