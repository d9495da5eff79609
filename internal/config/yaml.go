package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decodeYAML reads a YAML document into cfg strictly. Unknown keys become
// problems with their line; a misspelled key close to a known one is read as
// that key too, so the problems inside it are reported in the same run.
func decodeYAML(data []byte, cfg *Config, ps *Problems) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p := Problem{Message: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := typeErrLine.FindStringSubmatch(p.Message); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Message = m[2]
		}
		p.Message = "not valid YAML: " + p.Message
		ps.add(p)
		return
	}
	if len(doc.Content) == 0 {
		return
	}
	lines := map[int]string{}
	checkKeys(doc.Content[0], reflect.TypeFor[Config](), "", lines, ps)
	if err := doc.Content[0].Decode(cfg); err != nil {
		addTypeErrors(err, lines, ps)
	}
}

// checkKeys walks the document against the Go type, reporting unknown keys.
func checkKeys(n *yaml.Node, t reflect.Type, path string, lines map[int]string, ps *Problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		lines[n.Line] = path
		return
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		checkMapping(n, t, path, lines, ps)
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for _, item := range n.Content {
			checkKeys(item, t.Elem(), path, lines, ps)
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			checkKeys(n.Content[i], t.Elem(), path, lines, ps)
		}
	default:
		lines[n.Line] = path
	}
}

func checkMapping(n *yaml.Node, t reflect.Type, path string, lines map[int]string, ps *Problems) {
	fields := map[string]reflect.StructField{}
	var names []string
	for i := range t.NumField() {
		name := yamlName(t.Field(i))
		fields[name] = t.Field(i)
		names = append(names, name)
	}
	present := map[string]bool{}
	for i := 0; i < len(n.Content); i += 2 {
		present[n.Content[i].Value] = true
	}
	for i := 0; i < len(n.Content); i += 2 {
		key := n.Content[i]
		f, ok := fields[key.Value]
		if !ok {
			guess := closest(key.Value, names)
			ps.add(unknownKey(join(path, key.Value), key.Line, join(path, guess)))
			if guess == "" || present[guess] {
				continue
			}
			key.Value = guess
			f = fields[guess]
		}
		checkKeys(n.Content[i+1], f.Type, join(path, key.Value), lines, ps)
	}
}

func unknownKey(path string, line int, guess string) Problem {
	msg := fmt.Sprintf("unknown key %q", path)
	if i := strings.LastIndex(guess, "."); guess != "" && i < len(guess)-1 {
		env := EnvName(guess)
		if _, ok := KeyFor(guess); !ok {
			env += "_*"
		}
		msg += fmt.Sprintf(" (did you mean %q? env %s); its settings were checked as %q", guess, env, guess)
	} else {
		msg += "; see config.example.yaml for every key"
	}
	return Problem{Line: line, Message: msg}
}

var typeErrLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// addTypeErrors turns yaml's "line N: cannot unmarshal ..." into problems
// naming the key on that line.
func addTypeErrors(err error, lines map[int]string, ps *Problems) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		ps.add(Problem{Message: err.Error()})
		return
	}
	for _, msg := range te.Errors {
		p := Problem{Message: msg}
		if m := typeErrLine.FindStringSubmatch(msg); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Key = lines[p.Line]
			p.Message = strings.ReplaceAll(m[2], "!!str ", "")
		}
		ps.add(p)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	if key == "" {
		return ""
	}
	return path + "." + key
}

// closest returns the known name within edit distance 2 of s, if any.
func closest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
