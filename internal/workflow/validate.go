package workflow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Problem is one reason a server would refuse the workflow. Codes follow ComfyUI's own error
// types (missing_node_type, required_input_missing, value_not_in_list …).
type Problem struct {
	Code    string `json:"code"`
	Node    string `json:"node,omitempty"`
	Class   string `json:"class,omitempty"`
	Title   string `json:"title,omitempty"`
	Input   string `json:"input,omitempty"`
	Value   any    `json:"value,omitempty"`
	Allowed string `json:"allowed,omitempty"`
	Message string `json:"message"`
}

// ValidationError collects every problem Validate found.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	noun := "problem"
	if len(msgs) != 1 {
		noun = "problems"
	}
	return fmt.Sprintf("workflow does not fit this ComfyUI (%d %s): %s", len(msgs), noun, strings.Join(msgs, "; "))
}

// Validate checks the workflow against a server's node catalogue the way the server would:
// unknown classes, missing required inputs, numbers out of range, values not among a
// combo's choices (model names included), bad links, cycles and the lack of an output node.
// It returns a *ValidationError listing all problems, or nil. The values of pending inputs
// are not checked: they are files uploaded at submission (input images), which the server's
// list of choices cannot hold yet.
func Validate(w *Workflow, info ObjectInfo, pending ...Target) error {
	v := validator{w: w, info: info, pending: pending}
	hasOutput := false
	for _, id := range w.IDs() {
		n := w.nodes[id]
		class, ok := info[n.Class]
		if !ok {
			v.add(n, "", "missing_node_type", nil, "",
				fmt.Sprintf("class %s is not installed on this ComfyUI; a custom node pack may be missing", n.Class))
			continue
		}
		hasOutput = hasOutput || class.OutputNode
		v.node(n, class)
	}
	if !hasOutput && len(v.problems) == 0 {
		v.problems = append(v.problems, Problem{Code: "prompt_no_outputs",
			Message: "the workflow has no output node (such as SaveImage or PreviewImage)"})
	}
	if id, ok := w.cycle(); ok {
		n := w.nodes[id]
		v.add(n, "", "dependency_cycle", nil, "", "is part of a cycle of links")
	}
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

type validator struct {
	w        *Workflow
	info     ObjectInfo
	pending  []Target
	problems []Problem
}

func (v *validator) add(n *Node, input, code string, value any, allowed, msg string) {
	v.problems = append(v.problems, Problem{Code: code, Node: n.ID, Class: n.Class, Title: n.Title,
		Input: input, Value: value, Allowed: allowed, Message: nodeWhere(n, input) + ": " + msg})
}

// nodeWhere names a node, and one of its inputs, the way problems start.
func nodeWhere(n *Node, input string) string {
	where := "node " + n.ID
	if n.Title != "" {
		where += fmt.Sprintf(" %q", n.Title)
	}
	where += " (" + n.Class + ")"
	if input != "" {
		where += " input " + input
	}
	return where
}

func (v *validator) node(n *Node, class Class) {
	if class.partial {
		return
	}
	for _, name := range class.Required {
		if _, ok := n.inputs[name]; !ok {
			v.add(n, name, "required_input_missing", nil, "", "required input is missing")
		}
	}
	for _, name := range n.InputNames() {
		spec, ok := class.Inputs[name]
		if !ok {
			continue // the server ignores inputs a class does not declare
		}
		val := n.inputs[name]
		if l, isLink := val.(Link); isLink {
			v.link(n, spec, l)
			continue
		}
		if !slices.Contains(v.pending, Target{Node: n.ID, Input: name}) {
			v.literal(n, spec, val)
		}
	}
}

func (v *validator) link(n *Node, spec InputSpec, l Link) {
	src := v.w.nodes[l.Node]
	if src == nil {
		v.add(n, spec.Name, "bad_linked_input", nil, "", "links to node "+l.Node+", which is not in the workflow")
		return
	}
	srcClass, ok := v.info[src.Class]
	if !ok || srcClass.partial {
		return
	}
	if l.Output >= len(srcClass.Outputs) {
		v.add(n, spec.Name, "bad_linked_input", nil, "",
			fmt.Sprintf("links to output %d of node %s (%s), which has %d outputs", l.Output, src.ID, src.Class, len(srcClass.Outputs)))
		return
	}
	got := srcClass.Outputs[l.Output]
	if !typesMatch(got, spec.Type) {
		v.add(n, spec.Name, "return_type_mismatch", nil, spec.Type,
			fmt.Sprintf("expects %s but node %s (%s) output %d gives %s", spec.Type, src.ID, src.Class, l.Output, got))
	}
}

func typesMatch(got, want string) bool {
	if want == "COMBO" || got == "COMBO" || got == want || got == "*" || want == "*" || got == "" || want == "" {
		return true
	}
	for _, g := range strings.Split(got, ",") {
		for _, w := range strings.Split(want, ",") {
			if strings.TrimSpace(g) == strings.TrimSpace(w) {
				return true
			}
		}
	}
	return false
}

func (v *validator) literal(n *Node, spec InputSpec, val any) {
	switch spec.Type {
	case "INT", "FLOAT":
		num, ok := numeric(val)
		if !ok {
			v.add(n, spec.Name, "invalid_input_type", val, "",
				fmt.Sprintf("%s is not a number (%s expected)", describe(val), spec.Type))
			return
		}
		r := Range{Min: spec.Min, Max: spec.Max}
		switch {
		case r.Min != "" && compareNumbers(num, r.Min) < 0:
			v.add(n, spec.Name, "value_smaller_than_min", val, r.String(),
				fmt.Sprintf("%s is below the minimum %s (allowed %s)", num, r.Min, r))
		case r.Max != "" && compareNumbers(num, r.Max) > 0:
			v.add(n, spec.Name, "value_bigger_than_max", val, r.String(),
				fmt.Sprintf("%s is above the maximum %s (allowed %s)", num, r.Max, r))
		}
	case "COMBO":
		if spec.Multiselect {
			return
		}
		s, ok := val.(string)
		if !ok {
			if num, isNum := number(val); isNum {
				s = num.String()
			}
		}
		for _, c := range spec.Choices {
			if c == s {
				return
			}
		}
		v.add(n, spec.Name, "value_not_in_list", val, allowedList(spec.Choices),
			fmt.Sprintf("%s is not available (allowed: %s)", describe(val), allowedList(spec.Choices)))
	}
}

// numeric accepts a JSON number or a string holding one, as the server converts both.
func numeric(v any) (json.Number, bool) {
	switch v := v.(type) {
	case json.Number:
		_, ok := rat(v)
		return v, ok
	case string:
		n := json.Number(strings.TrimSpace(v))
		_, ok := rat(n)
		return n, ok
	}
	return "", false
}

// cycle finds a node on a cycle of links, if any.
func (w *Workflow) cycle() (string, bool) {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var visit func(id string) (string, bool)
	visit = func(id string) (string, bool) {
		switch state[id] {
		case active:
			return id, true
		case done:
			return "", false
		}
		state[id] = active
		n := w.nodes[id]
		for _, name := range n.InputNames() {
			if l, ok := n.Link(name); ok && w.nodes[l.Node] != nil {
				if c, found := visit(l.Node); found {
					return c, true
				}
			}
		}
		state[id] = done
		return "", false
	}
	for _, id := range w.IDs() {
		if c, found := visit(id); found {
			return c, true
		}
	}
	return "", false
}
