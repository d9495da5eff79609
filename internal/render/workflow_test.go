package render

import (
	"strings"
	"testing"
)

func TestWorkflowAdded(t *testing.T) {
	v := WorkflowSaved{Name: "portrait", Replaced: true, Converted: true, Nodes: 9, CheckedOn: "gpu1", Redacted: 2,
		Bindings: []WorkflowBinding{{Param: "prompt", Node: "6", Input: "text", Via: "title", More: 1}, {Param: "seed"}},
		Warnings: []string{"two samplers: the first is the main one"}}
	m := WorkflowAdded(v)
	e := m.Embeds[0]
	for _, want := range []string{"Converted from the UI format", "9 nodes, checked against **gpu1**", "was replaced", "2 secret-looking value(s)"} {
		if !strings.Contains(e.Description, want) {
			t.Errorf("description lacks %q: %s", want, e.Description)
		}
	}
	if !m.Ephemeral || e.Title != "✅ Workflow portrait replaced" || e.Color != colorWarning {
		t.Errorf("title %q, color %x, ephemeral %v", e.Title, e.Color, m.Ephemeral)
	}
	table := e.Fields[0].Value
	if !strings.Contains(table, "prompt     6      text           title (+1)") || !strings.Contains(table, "seed       —      (not bound)") {
		t.Errorf("binding table:\n%s", table)
	}
	if len(e.Fields) != 2 || e.Fields[1].Name != "Warnings (1)" || !strings.Contains(e.Fields[1].Value, "two samplers") {
		t.Errorf("warnings field = %+v", e.Fields)
	}
	plain := WorkflowAdded(WorkflowSaved{Name: "x", Nodes: 1, CheckedOn: "gpu1"}).Embeds[0]
	if plain.Title != "✅ Workflow x saved" || plain.Color != colorCompleted || len(plain.Fields) != 1 ||
		!strings.Contains(plain.Fields[0].Value, "No parameter binds") {
		t.Errorf("a workflow without bindings or warnings: %+v", plain)
	}
}

func TestWorkflowList(t *testing.T) {
	m := WorkflowList([]WorkflowItem{
		{Name: "default", Source: "built-in", Default: true, Bound: []string{"prompt", "seed"}},
		{Name: "odd_name", Source: "server", Description: "made by @everyone"},
	})
	d := m.Embeds[0].Description
	for _, want := range []string{"**default** · built-in · default\nbinds: prompt, seed", `**odd\_name** · server`, `made by \@everyone`, "binds: nothing"} {
		if !strings.Contains(d, want) {
			t.Errorf("list lacks %q:\n%s", want, d)
		}
	}
	if m.Embeds[0].Title != "Workflows (2)" {
		t.Errorf("title = %q", m.Embeds[0].Title)
	}
}
