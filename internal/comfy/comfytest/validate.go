package comfytest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// validation mirrors ComfyUI's validate_prompt for the subset of checks the transcripts show:
// unknown or missing class, missing required input, bad link, return type mismatch, literal type
// conversion, min/max, choice lists and LoadImage's own file check.
type validation struct {
	cat     *catalog
	g       *graph
	models  map[string][]string
	uploads []string
	order   []string // validated node ids, in the order ComfyUI stores them (post-order)
	results map[string]*nodeResult
}

type nodeResult struct {
	valid  bool
	errors []object
}

type validated struct {
	outputs    []string
	nodeErrors object
	reject     object // the 400 body when nothing can run
}

func errorEntry(typ, message, details string, extra object) object {
	if extra == nil {
		extra = object{}
	}
	return object{{"type", typ}, {"message", message}, {"details", details}, {"extra_info", extra}}
}

func rejection(typ, message, details string) object {
	return object{{"error", errorEntry(typ, message, details, nil)}, {"node_errors", object{}}}
}

func validatePrompt(cat *catalog, g *graph, targets []string, models map[string][]string, uploads []string) validated {
	for _, id := range g.ids {
		n := g.nodes[id]
		if !n.hasClass {
			return validated{reject: rejection("invalid_prompt",
				"Cannot execute because a node is missing the class_type property.", fmt.Sprintf("Node ID '#%s'", id))}
		}
		if cat.classes[n.class] == nil {
			return validated{reject: rejection("invalid_prompt",
				fmt.Sprintf("Cannot execute because node %s does not exist.", n.class), fmt.Sprintf("Node ID '#%s'", id))}
		}
	}
	outputs := outputNodes(cat, g, targets)
	if len(outputs) == 0 {
		return validated{reject: rejection("prompt_no_outputs", "Prompt has no outputs", "")}
	}
	v := &validation{cat: cat, g: g, models: models, uploads: uploads, results: map[string]*nodeResult{}}
	var good []string
	var failedOwn []object
	nodeErrors := object{}
	for _, o := range outputs {
		if v.node(o) {
			good = append(good, o)
			continue
		}
		failedOwn = append(failedOwn, v.results[o].errors...)
		// ComfyUI attributes the failing output to every failing node validated so far.
		for _, id := range v.order {
			r := v.results[id]
			if r.valid || len(r.errors) == 0 {
				continue
			}
			entry, ok := nodeErrors.get(id)
			if !ok {
				entry = object{{"errors", r.errors}, {"dependent_outputs", []string{}}, {"class_type", g.nodes[id].class}}
			}
			e := entry.(object)
			deps, _ := e.get("dependent_outputs")
			e.set("dependent_outputs", append(deps.([]string), o))
			nodeErrors.set(id, e)
		}
	}
	if len(good) == 0 {
		lines := make([]string, 0, len(failedOwn))
		for _, e := range failedOwn {
			msg, _ := e.get("message")
			det, _ := e.get("details")
			lines = append(lines, fmt.Sprintf("%s: %s", msg, det))
		}
		return validated{reject: object{
			{"error", errorEntry("prompt_outputs_failed_validation", "Prompt outputs failed validation", strings.Join(lines, "\n"), nil)},
			{"node_errors", nodeErrors},
		}}
	}
	return validated{outputs: good, nodeErrors: nodeErrors}
}

// outputNodes lists the output nodes to run. ComfyUI keeps them in a Python set; the recorded
// server listed later nodes first (["6", "5"]), which this order reproduces.
func outputNodes(cat *catalog, g *graph, targets []string) []string {
	var outs []string
	for i := len(g.ids) - 1; i >= 0; i-- {
		id := g.ids[i]
		if !cat.classes[g.nodes[id].class].outputNode {
			continue
		}
		if targets != nil && !slices.Contains(targets, id) {
			continue
		}
		outs = append(outs, id)
	}
	return outs
}

func (v *validation) node(id string) bool {
	if r, ok := v.results[id]; ok {
		return r.valid
	}
	// Provisional entry: a cycle must not recurse forever (execution reports it later).
	v.results[id] = &nodeResult{valid: true}
	n := v.g.nodes[id]
	cl := v.cat.classes[n.class]
	valid := true
	var errs []object
	for _, spec := range cl.inputs {
		in := n.input(spec.name)
		if in == nil {
			if spec.required {
				errs = append(errs, errorEntry("required_input_missing", "Required input is missing", spec.name,
					object{{"input_name", spec.name}}))
			}
			continue
		}
		e, upstreamOK := v.input(n, spec, in)
		if e != nil {
			errs = append(errs, e)
		}
		if !upstreamOK {
			valid = false
		}
	}
	delete(v.results, id)
	v.results[id] = &nodeResult{valid: valid && len(errs) == 0, errors: errs}
	v.order = append(v.order, id)
	return v.results[id].valid
}

// input checks one input; it returns an error entry for this node and whether linked nodes are valid.
func (v *validation) input(n *node, spec *inputSpec, in *input) (object, bool) {
	switch {
	case in.list:
		return errorEntry("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", spec.name,
			object{{"input_name", spec.name}, {"input_config", spec.config}, {"received_value", in.value}}), true
	case in.link != nil:
		return v.link(spec, in)
	}
	val, err := convert(spec.kind, in.value)
	if err != nil {
		return errorEntry("invalid_input_type", fmt.Sprintf("Failed to convert an input value to a %s value", spec.kind),
			fmt.Sprintf("%s, %s, %s", spec.name, pyStr(in.value), err), object{{"input_name", spec.name},
				{"input_config", spec.config}, {"received_value", in.value}, {"exception_message", err.Error()}}), true
	}
	if f, ok := inputFiles[n.class]; ok && spec.folder == inputFolder {
		// These nodes check that the file exists themselves instead of the choice list.
		if name, _ := val.(string); !slices.Contains(v.uploads, stripAnnotation(name)) {
			return errorEntry("custom_validation_failed", "Custom validation failed for node",
				fmt.Sprintf("%s - "+f.invalid, spec.name, name), object{{"input_name", spec.name},
					{"input_config", spec.config}, {"received_value", val}}), true
		}
		return nil, true
	}
	if spec.min != "" && compareNumbers(val, spec.min) < 0 {
		return errorEntry("value_smaller_than_min", fmt.Sprintf("Value %s smaller than min of %s", pyStr(val), spec.min),
			spec.name, object{{"input_name", spec.name}, {"input_config", spec.config}, {"received_value", val}}), true
	}
	if spec.max != "" && compareNumbers(val, spec.max) > 0 {
		return errorEntry("value_bigger_than_max", fmt.Sprintf("Value %s bigger than max of %s", pyStr(val), spec.max),
			spec.name, object{{"input_name", spec.name}, {"input_config", spec.config}, {"received_value", val}}), true
	}
	if spec.kind == "COMBO" {
		choices := choicesFor(n.class, spec, v.models, v.uploads)
		// An empty list means the recorded server had no files for it and the fake fills none:
		// accept anything rather than reject every workflow.
		if len(choices) > 0 && !slices.Contains(choices, pyStr(val)) {
			config := any(spec.config)
			info := pyRepr(choices)
			if len(choices) > 20 {
				info = fmt.Sprintf("(list of length %d)", len(choices))
				config = nil
			}
			return errorEntry("value_not_in_list", "Value not in list", fmt.Sprintf("%s: '%s' not in %s", spec.name, pyStr(val), info),
				object{{"input_name", spec.name}, {"input_config", config}, {"received_value", val}}), true
		}
	}
	return nil, true
}

func (v *validation) link(spec *inputSpec, in *input) (object, bool) {
	from, ok := v.g.nodes[in.link.from]
	if !ok {
		msg := pyQuote(in.link.from)
		return errorEntry("exception_during_inner_validation", "Exception when validating inner node", msg,
			object{{"input_name", spec.name}, {"input_config", spec.config}, {"exception_message", msg},
				{"exception_type", "KeyError"}, {"traceback", []string{}}, {"linked_node", in.value}}), true
	}
	fromClass := v.cat.classes[from.class]
	if in.link.slot < 0 || in.link.slot >= len(fromClass.outputs) {
		msg := "tuple index out of range"
		return errorEntry("exception_during_inner_validation", "Exception when validating inner node", msg,
			object{{"input_name", spec.name}, {"input_config", spec.config}, {"exception_message", msg},
				{"exception_type", "IndexError"}, {"traceback", []string{}}, {"linked_node", in.value}}), true
	}
	received := fromClass.outputs[in.link.slot]
	if !typesMatch(received, spec) {
		inputType := spec.kind
		if spec.kind == "COMBO" && !spec.v3Combo {
			inputType = pyRepr(spec.choices)
		}
		return errorEntry("return_type_mismatch", "Return type mismatch between linked nodes",
			fmt.Sprintf("%s, received_type(%s) mismatch input_type(%s)", spec.name, received, inputType),
			object{{"input_name", spec.name}, {"input_config", spec.config}, {"received_type", received},
				{"linked_node", in.value}}), true
	}
	return nil, v.node(from.id)
}

// typesMatch mirrors validate_node_input: equal types, a shared member of comma-separated
// unions, or "*" on either side. A classic combo (a list) only matches an identical list.
func typesMatch(received string, spec *inputSpec) bool {
	if spec.kind == "COMBO" && !spec.v3Combo {
		return false
	}
	if received == spec.kind || slices.Contains(spec.accepts, received) {
		return true
	}
	want := strings.Split(spec.kind, ",")
	for _, r := range strings.Split(received, ",") {
		r = strings.TrimSpace(r)
		if r == "*" {
			return true
		}
		for _, w := range want {
			w = strings.TrimSpace(w)
			if w == "*" || w == r {
				return true
			}
		}
	}
	return false
}

// convert applies the int()/float()/str()/bool() conversion ComfyUI does on literal inputs.
func convert(kind string, v any) (any, error) {
	switch kind {
	case "INT":
		return pyInt(v)
	case "FLOAT":
		return pyFloatOf(v)
	case "STRING":
		return pyStr(v), nil
	case "BOOLEAN":
		return pyBool(v), nil
	}
	return v, nil
}

func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case []any:
		return "list"
	case object:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

func pyInt(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		if i, ok := new(big.Int).SetString(t.String(), 10); ok {
			return json.Number(i.String()), nil
		}
		f, _, err := big.ParseFloat(t.String(), 10, 128, big.ToZero)
		if err != nil {
			return nil, fmt.Errorf("cannot convert float %s to integer", t)
		}
		i, _ := f.Int(nil)
		return json.Number(i.String()), nil
	case bool:
		if t {
			return json.Number("1"), nil
		}
		return json.Number("0"), nil
	case string:
		s := strings.TrimSpace(t)
		if !strings.Contains(s, "__") && !strings.HasPrefix(s, "_") && !strings.HasSuffix(s, "_") {
			s = strings.ReplaceAll(s, "_", "")
		}
		if i, ok := new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10); ok && s != "" {
			return json.Number(i.String()), nil
		}
		return nil, fmt.Errorf("invalid literal for int() with base 10: %s", pyQuote(t))
	}
	return nil, fmt.Errorf("int() argument must be a string, a bytes-like object or a real number, not '%s'", pyTypeName(v))
}

func pyFloatOf(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(t.String(), 64)
		if err != nil {
			return nil, fmt.Errorf("could not convert string to float: %s", pyQuote(t.String()))
		}
		return json.Number(pyFloat(f)), nil
	case bool:
		if t {
			return json.Number("1.0"), nil
		}
		return json.Number("0.0"), nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			return nil, fmt.Errorf("could not convert string to float: %s", pyQuote(t))
		}
		return json.Number(pyFloat(f)), nil
	}
	return nil, fmt.Errorf("float() argument must be a string or a real number, not '%s'", pyTypeName(v))
}

func pyBool(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case json.Number:
		f, err := strconv.ParseFloat(t.String(), 64)
		return err != nil || f != 0
	case []any:
		return len(t) > 0
	case object:
		return len(t) > 0
	}
	return true
}

// compareNumbers compares a converted value with a bound; non-numbers compare equal (no error).
func compareNumbers(v any, bound json.Number) int {
	n, ok := v.(json.Number)
	if !ok {
		return 0
	}
	// Integers, the common case, compare exactly without big.Float.
	if a, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
		if b, err := strconv.ParseInt(bound.String(), 10, 64); err == nil {
			return cmp.Compare(a, b)
		}
	}
	a, _, errA := big.ParseFloat(n.String(), 10, 128, big.ToNearestEven)
	b, _, errB := big.ParseFloat(bound.String(), 10, 128, big.ToNearestEven)
	if errA != nil || errB != nil {
		return 0
	}
	return a.Cmp(b)
}

// stripAnnotation removes a " [input]"-style suffix that selects the folder of a file name.
func stripAnnotation(name string) string {
	for _, t := range []string{" [input]", " [output]", " [temp]"} {
		if s, ok := strings.CutSuffix(name, t); ok {
			return s
		}
	}
	return name
}
