package workflow

import (
	"slices"
	"strings"
)

// Prompt text is found by following a sampler's conditioning upstream to the nodes that
// encode text, then each text input back through string nodes (primitives, concatenation,
// pass-throughs) to the literal that holds it.

// polarity is which conditioning a text feeds: the prompt or the negative prompt.
type polarity int

const (
	positive polarity = iota
	negative
)

func (p polarity) param() Param {
	if p == negative {
		return ParamNegative
	}
	return ParamPrompt
}

// promptNames are the text inputs of loaders and encoders that take both prompts at once
// (Efficient Loader, tinyterra pipe loaders, WanVideoTextEncode, SDXL Prompt Styler).
func promptNames(pol polarity) []string {
	if pol == negative {
		return []string{"negative", "text_negative", "negative_prompt", "prompt_negative", "neg_prompt"}
	}
	return []string{"positive", "text_positive", "positive_prompt", "prompt_positive", "pos_prompt"}
}

// textual tells whether an input name reads as text: text, text_g, clip_l, t5xxl, prompt,
// string_a, value … Knob names that happen to take strings (delimiter, style) do not.
func textual(name string) bool {
	switch name {
	case "t5xxl", "clip_l", "clip_g", "llama", "bert", "mt5xl", "umt5xxl", "value", "caption":
		return true
	}
	return strings.Contains(name, "text") || strings.Contains(name, "prompt") || strings.Contains(name, "string")
}

// promptInputs returns the inputs of n holding text of one polarity: the polarity's own
// names on a two-prompt loader, else every text input of an encoder. nil when n is neither.
func (t *tracer) promptInputs(n *Node, pol polarity) []string {
	var named []string
	for _, name := range promptNames(pol) {
		if t.holdsText(n, name) {
			named = append(named, name)
		}
	}
	if len(named) > 0 {
		return named
	}
	if !t.encoder(n) {
		return nil
	}
	var ins []string
	for _, name := range t.orderedInputs(n) {
		if textual(name) && t.holdsText(n, name) && !opposite(name, pol) {
			ins = append(ins, name)
		}
	}
	// Beside a main text field in use, empty extra fields are ones the encoder is set not to
	// read (smZ's text_g and text_l with SDXL off). Encoders without a main field read every
	// field, empty or not (CLIPTextEncodeFlux's clip_l and t5xxl).
	if slices.Contains(ins, "text") && !t.emptyText(n, "text") {
		return slices.DeleteFunc(ins, func(name string) bool { return t.emptyText(n, name) })
	}
	return ins
}

func (t *tracer) emptyText(n *Node, name string) bool {
	s, isText := text(n.inputs[name])
	return isText && strings.TrimSpace(s) == ""
}

// opposite tells whether an input name belongs to the other polarity (negative_prompt on an
// encoder read for the prompt).
func opposite(name string, pol polarity) bool {
	other := positive
	if pol == positive {
		other = negative
	}
	return slices.Contains(promptNames(other), name)
}

// encoder tells whether n turns text into conditioning: it says so in its class name, or it
// takes a CLIP model, or (class known) it outputs conditioning and takes a string.
func (t *tracer) encoder(n *Node) bool {
	if strings.Contains(n.Class, "TextEncode") {
		return true
	}
	if _, ok := n.Link("clip"); ok {
		return true
	}
	for _, name := range []string{"t5", "text_encoder", "clip_model"} {
		if _, ok := n.Link(name); ok {
			return true
		}
	}
	return t.produces(n, "CONDITIONING") && slices.ContainsFunc(t.orderedInputs(n), func(name string) bool {
		return t.inputType(n, name) == "STRING"
	})
}

// holdsText tells whether n.name is a text literal, or a link carrying text.
func (t *tracer) holdsText(n *Node, name string) bool {
	v, ok := n.inputs[name]
	if !ok {
		return false
	}
	if typ := t.inputType(n, name); typ != "" && typ != "STRING" && typ != "*" {
		return false
	}
	if _, isText := text(v); isText {
		return true
	}
	l, isLink := v.(Link)
	if !isLink {
		return false
	}
	if typ := t.outputType(l); typ != "" {
		return typ == "STRING" || typ == "*"
	}
	// A text-named input says what it carries; "positive" on a loader may be conditioning.
	return (textual(name) && !slices.Contains(promptNames(positive), name) &&
		!slices.Contains(promptNames(negative), name)) || t.textLink(l)
}

// textLink tells whether a link carries text: by the output's type when the class is known,
// else by the shape of the node it comes from (no clip, no conditioning, a text input).
func (t *tracer) textLink(l Link) bool {
	src := t.node(l)
	if src == nil {
		return false
	}
	if typ := t.outputType(l); typ != "" {
		return typ == "STRING" || typ == "*"
	}
	if t.encoder(src) || t.isSampler(src) {
		return false
	}
	for _, name := range []string{"positive", "negative", "conditioning", "model", "samples", "pipe"} {
		if _, ok := src.Link(name); ok {
			return false
		}
	}
	return slices.ContainsFunc(src.InputNames(), func(name string) bool {
		v := src.inputs[name]
		_, isText := text(v)
		return textual(name) && (isText || !literal(v))
	})
}

// texts follows conditioning upstream from l to the text inputs producing it.
func (t *tracer) texts(l Link, pol polarity) []Target {
	var out []Target
	seen := map[Link]bool{}
	var walk func(l Link, depth int)
	walk = func(l Link, depth int) {
		n := t.node(l)
		if n == nil || seen[l] || depth > maxDepth {
			return
		}
		seen[l] = true
		if ins := t.promptInputs(n, pol); len(ins) > 0 {
			for _, in := range ins {
				out = appendTargets(out, t.resolveText(n, in, pol)...)
			}
			return
		}
		for _, in := range conditioningInputs(n, l.Output) {
			if next, ok := n.Link(in); ok {
				walk(next, depth+1)
			}
		}
	}
	walk(l, 0)
	return out
}

// resolveText follows a text input back to the literals holding it, through primitives,
// pass-throughs and string nodes.
func (t *tracer) resolveText(n *Node, input string, pol polarity) []Target {
	return t.resolveTextFrom(n, input, pol, map[string]bool{n.ID: true}, 0)
}

func (t *tracer) resolveTextFrom(n *Node, input string, pol polarity, seen map[string]bool, depth int) []Target {
	v, ok := n.inputs[input]
	if !ok || depth > maxDepth {
		return nil
	}
	l, isLink := v.(Link)
	if !isLink {
		if _, isText := text(v); !isText {
			return nil
		}
		return []Target{{Node: n.ID, Input: input}}
	}
	src := t.node(l)
	if src == nil || seen[src.ID] {
		return nil
	}
	seen[src.ID] = true
	var out []Target
	for _, name := range t.textSources(src, pol) {
		out = appendTargets(out, t.resolveTextFrom(src, name, pol, seen, depth+1)...)
	}
	return out
}

// textSources picks the inputs of a string node that its text comes from: its polarity's
// own input on a two-prompt node; a joiner's first part (string_a, text1 …), with a warning,
// since the other parts (a style, quality tags) stay as the workflow has them; or every text
// field of a node that keeps the same text twice (a wildcard's template and its result).
func (t *tracer) textSources(n *Node, pol polarity) []string {
	for _, name := range promptNames(pol) {
		if t.holdsText(n, name) {
			return []string{name}
		}
	}
	var parts []string
	for _, name := range t.orderedInputs(n) {
		if textual(name) && t.holdsText(n, name) && !opposite(name, pol) {
			parts = append(parts, name)
		}
	}
	switch {
	case len(parts) == 1:
		return parts
	case len(parts) > 1 && joiner(parts):
		t.warn("the " + string(pol.param()) + " text is joined by node " + n.ID + " (" + n.Class + ") from " +
			strings.Join(parts, ", ") + "; it is set in " + parts[0] + " and the other parts are kept")
		return parts[:1]
	case len(parts) > 1:
		return parts
	}
	if name, ok := onlyLink(n); ok {
		return []string{name}
	}
	if name, ok := valueInput(n); ok {
		return []string{name}
	}
	return nil
}

// joiner tells whether input names are the numbered parts of one text (string_a, string_b;
// text1, text2): they differ only in a last letter or digit.
func joiner(parts []string) bool {
	stem := func(name string) string {
		name = strings.TrimRight(name, "0123456789")
		if i := strings.LastIndexByte(name, '_'); i >= 0 && len(name)-i == 2 {
			return name[:i]
		}
		return strings.TrimSuffix(name, "_")
	}
	first := stem(parts[0])
	for _, p := range parts {
		if stem(p) != first || stem(p) == p {
			return false
		}
	}
	return true
}

// orderedInputs lists n's inputs in the class's declared order when the class is known,
// else in file order (which ComfyUI's export writes in declared order too).
func (t *tracer) orderedInputs(n *Node) []string {
	names := n.InputNames()
	c, ok := t.class(n)
	if !ok {
		return names
	}
	declared := append(slices.Clone(c.Required), c.Optional...)
	slices.SortStableFunc(names, func(a, b string) int {
		return index(declared, a) - index(declared, b)
	})
	return names
}

// index is the position of s in list, or len(list) when absent (absent names sort last).
func index(list []string, s string) int {
	if i := slices.Index(list, s); i >= 0 {
		return i
	}
	return len(list)
}
