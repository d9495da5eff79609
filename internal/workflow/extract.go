package workflow

import (
	"slices"
	"strings"
)

// ExtractPrompts returns the positive and negative prompt text, found the way Bind finds
// them. When a prompt reaches several encoders, their distinct texts are joined by newlines;
// of one encoder's several inputs (SDXL text_g/text_l) the first non-empty one is used.
func ExtractPrompts(w *Workflow) (positive, negative string) {
	b := Bind(w, nil)
	return promptText(w, b, ParamPrompt), promptText(w, b, ParamNegative)
}

func promptText(w *Workflow, b Bindings, p Param) string {
	bind, ok := b.Params[p]
	if !ok {
		return ""
	}
	var texts []string
	done := map[string]bool{}
	for _, t := range bind.Targets {
		if done[t.Node] {
			continue
		}
		n, ok := w.Node(t.Node)
		if !ok {
			continue
		}
		s, _ := text(n.inputs[t.Input])
		if strings.TrimSpace(s) == "" {
			continue
		}
		done[t.Node] = true
		if !slices.Contains(texts, s) {
			texts = append(texts, s)
		}
	}
	return strings.Join(texts, "\n")
}
