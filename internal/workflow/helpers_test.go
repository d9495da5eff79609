package workflow

import (
	"os"
	"path/filepath"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t testing.TB, data []byte) *Workflow {
	t.Helper()
	w, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return w
}

func mustSidecar(t testing.TB, data string) *Sidecar {
	t.Helper()
	s, err := ParseSidecar([]byte(data))
	if err != nil {
		t.Fatalf("ParseSidecar: %v", err)
	}
	return s
}

// objectInfo loads the node catalogue of a stock ComfyUI shared with the comfy package's
// fake server. Its model lists are empty, as on a server without models.
func objectInfo(t testing.TB) ObjectInfo {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "comfy", "comfytest", "object_info.json"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ParseObjectInfo(data)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// withChoices returns info with a combo input's choices replaced, as if models were installed.
func withChoices(info ObjectInfo, class, input string, choices ...string) ObjectInfo {
	c := info[class]
	inputs := make(map[string]InputSpec, len(c.Inputs))
	for k, v := range c.Inputs {
		inputs[k] = v
	}
	spec := inputs[input]
	spec.Choices = choices
	inputs[input] = spec
	c.Inputs = inputs
	info[class] = c
	return info
}

func inputValue(t testing.TB, w *Workflow, node, input string) any {
	t.Helper()
	n, ok := w.Node(node)
	if !ok {
		t.Fatalf("no node %s", node)
	}
	v, ok := n.Input(input)
	if !ok {
		t.Fatalf("node %s has no input %s", node, input)
	}
	return v
}
