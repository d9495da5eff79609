package render

import (
	"fmt"
	"strings"

	"github.com/disgoorg/disgo/discord"
)

// WorkflowBinding is one row of a workflow's binding table: where a
// parameter is written. An empty Node means the workflow has no place for it.
type WorkflowBinding struct {
	Param string
	Node  string
	Input string
	Via   string // sidecar, title, trace or class
	More  int    // further targets beyond the first
}

// WorkflowSaved is what an admin learns about a workflow just stored.
type WorkflowSaved struct {
	Name        string
	Description string
	Replaced    bool
	Converted   bool   // the file was UI format and was converted to the API graph
	Nodes       int    // nodes stored
	CheckedOn   string // the backend it was validated against
	Redacted    int    // secret-looking values replaced with ***
	Bindings    []WorkflowBinding
	Warnings    []string
}

// WorkflowAdded confirms a stored workflow with its binding table and every
// warning, so the admin sees what /generate will set in it.
func WorkflowAdded(v WorkflowSaved) Message {
	verb := "saved"
	if v.Replaced {
		verb = "replaced"
	}
	var desc []string
	if v.Description != "" {
		desc = append(desc, text(oneLine(v.Description), 300))
	}
	facts := fmt.Sprintf("%d nodes, checked against **%s**.", v.Nodes, text(v.CheckedOn, 100))
	if v.Converted {
		facts = "Converted from the UI format to the API graph; " + facts
	}
	if v.Replaced {
		facts += " The previous workflow of this name was replaced."
	}
	desc = append(desc, facts)
	if v.Redacted > 0 {
		desc = append(desc, fmt.Sprintf("🔒 %d secret-looking value(s) (tokens, keys, webhook URLs) were replaced with `***` before saving.", v.Redacted))
	}
	desc = append(desc, "Use it with `/generate workflow:"+v.Name+"`, or make it the default with `/admin workflow default`.")
	e := discord.Embed{
		Title:       "✅ Workflow " + v.Name + " " + verb,
		Description: strings.Join(desc, "\n\n"),
		Color:       colorCompleted,
		Fields:      []discord.EmbedField{field("Bindings", bindingTable(v.Bindings))},
	}
	if len(v.Warnings) > 0 {
		e.Color = colorWarning
		items := make([]string, len(v.Warnings))
		for i, w := range v.Warnings {
			items[i] = "⚠️ " + text(oneLine(w), 300)
		}
		e.Fields = append(e.Fields, field(fmt.Sprintf("Warnings (%d)", len(v.Warnings)), lines(items, MaxFieldValue)))
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}

// bindingTable lays the bindings out as a fixed-width table in a code block.
func bindingTable(rows []WorkflowBinding) string {
	if len(rows) == 0 {
		return "No parameter binds: /generate options will not change this workflow."
	}
	cell := func(s string, n int) string {
		return strings.ReplaceAll(Truncate(s, n), "`", "'")
	}
	var b strings.Builder
	b.WriteString("```\n")
	fmt.Fprintf(&b, "%-10s %-6s %-14s %s\n", "parameter", "node", "input", "via")
	for _, r := range rows {
		if r.Node == "" {
			fmt.Fprintf(&b, "%-10s %-6s %-14s %s\n", cell(r.Param, 10), "—", "(not bound)", "")
			continue
		}
		via := r.Via
		if r.More > 0 {
			via += fmt.Sprintf(" (+%d)", r.More)
		}
		fmt.Fprintf(&b, "%-10s %-6s %-14s %s\n", cell(r.Param, 10), cell(r.Node, 6), cell(r.Input, 14), cell(via, 16))
	}
	b.WriteString("```")
	return b.String()
}

// WorkflowItem is one workflow a server can use.
type WorkflowItem struct {
	Name        string
	Source      string // built-in, folder or server
	Description string
	Bound       []string // the parameters it binds
	Default     bool     // the server's default
}

// WorkflowList lists the workflows a server can use, where each comes from
// and which parameters it binds.
func WorkflowList(items []WorkflowItem) Message {
	entries := make([]string, 0, len(items))
	for _, it := range items {
		line := "**" + text(it.Name, 32) + "** · " + it.Source
		if it.Default {
			line += " · default"
		}
		if it.Description != "" {
			line += "\n" + text(oneLine(it.Description), 200)
		}
		bound := "nothing"
		if len(it.Bound) > 0 {
			bound = strings.Join(it.Bound, ", ")
		}
		line += "\nbinds: " + bound
		entries = append(entries, line)
	}
	e := discord.Embed{
		Title:       fmt.Sprintf("Workflows (%d)", len(items)),
		Description: lines(entries, MaxEmbedDescription-100),
		Color:       colorInfo,
		Footer: &discord.EmbedFooter{Text: "built-in: part of the bot · folder: the workflows folder on the bot's machine · " +
			"server: added here with /admin workflow add"},
	}
	return fitted(Message{Embeds: []discord.Embed{e}, Ephemeral: true})
}
