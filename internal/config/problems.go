package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with the configuration, worded for the person
// who has to fix it.
type Problem struct {
	Key     string // YAML path, when the problem belongs to one setting
	Line    int    // line in the YAML file, when known
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if k, ok := KeyFor(p.Key); ok {
		b.WriteString(k.Name() + ": ")
	} else if p.Key != "" {
		b.WriteString(p.Key + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found, returned as one error.
type Problems struct {
	File string
	List []Problem
}

func (ps *Problems) add(p Problem) { ps.List = append(ps.List, p) }

func (ps *Problems) err() error {
	if ps == nil || len(ps.List) == 0 {
		return nil
	}
	return ps
}

func (ps *Problems) Error() string {
	lines := make([]string, len(ps.List))
	for i, p := range ps.List {
		lines[i] = p.String()
		if ps.File != "" && p.Line > 0 {
			lines[i] = ps.File + ": " + lines[i]
		}
	}
	return fmt.Sprintf("configuration has %d problem(s):\n  %s", len(lines), strings.Join(lines, "\n  "))
}
