package bot

import (
	"bytes"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

func TestChangedCommandsNamesThemAndKeepsTheDiffForDebug(t *testing.T) {
	gen := commandShape{Type: 1, Name: "generate", Description: "Generate images"}
	queue := commandShape{Type: 1, Name: "queue", Description: "See the queue"}
	newGen := gen
	newGen.Description = "Generate images with ComfyUI"
	old := commandShape{Type: 1, Name: "imagine", Description: "gone"}
	tests := []struct {
		name       string
		have, want []commandShape
		names      []string
	}{
		{"up to date", []commandShape{gen, queue}, []commandShape{gen, queue}, nil},
		{"first registration", nil, []commandShape{gen, queue}, []string{"generate (new)", "queue (new)"}},
		{"one changed", []commandShape{gen, queue}, []commandShape{newGen, queue}, []string{"generate"}},
		{"one removed", []commandShape{gen, old}, []commandShape{gen}, []string{"imagine (removed)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			names, detail := changedCommands(tc.have, tc.want)
			if !reflect.DeepEqual(names, tc.names) {
				t.Errorf("names = %q, want %q", names, tc.names)
			}
			for _, n := range names {
				if strings.Contains(n, "{") {
					t.Errorf("a name carries JSON: %q", n)
				}
			}
			if tc.name == "one changed" && (len(detail) != 1 || !strings.Contains(detail[0], "with ComfyUI")) {
				t.Errorf("detail = %q, want the changed shape", detail)
			}
		})
	}
}

func TestDisgoLinesCarryOneComponent(t *testing.T) {
	var buf bytes.Buffer
	ours := slog.New(slog.NewTextHandler(&buf, nil)).With("component", "discord")
	disgoLogger(ours).With("name", "gateway").Info("opening connection")
	line := buf.String()
	if n := strings.Count(line, "component="); n != 1 || !strings.Contains(line, "library=disgo") {
		t.Errorf("disgo's line has %d component keys: %s", n, line)
	}
}
