package app

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every place that names the Go to build with names go.mod's: the README,
// the message .ci/run gives when Go is missing, the Dockerfile's build image
// and the deployment guide's description of it.
func TestGoVersionMatchesGoMod(t *testing.T) {
	gomod := readRepoFile(t, "go.mod")
	m := regexp.MustCompile(`(?m)^go (\S+)`).FindStringSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	want := m[1]
	places := []struct {
		file, pattern string
	}{
		// "Go 1.26.8 or newer", "Go ≥ 1.25", "Go >= 1.25"
		{"README.md", `\bGo (?:≥ ?|>= ?)?(\d+\.\d+(?:\.\d+)?)\b`},
		{".ci/run", `install Go (?:>= ?)?(\d+\.\d+(?:\.\d+)?)\b`},
		{"Dockerfile", `(?m)^FROM golang:(\d+\.\d+(?:\.\d+)?)\b`},
		{"docs/DEPLOYMENT.md", `golang:(\d+\.\d+(?:\.\d+)?)\b`},
	}
	for _, p := range places {
		found := regexp.MustCompile(p.pattern).FindAllStringSubmatch(readRepoFile(t, p.file), -1)
		if len(found) == 0 {
			t.Errorf("%s names no Go version (%s); it should say %s, go.mod's", p.file, p.pattern, want)
		}
		for _, f := range found {
			if f[1] != want {
				t.Errorf("%s says %q; go.mod's go line is %s", p.file, f[0], want)
			}
		}
	}
	if readme := readRepoFile(t, "README.md"); !strings.Contains(readme, "Go "+want+" or newer, the version in `go.mod`") {
		t.Errorf("README does not say \"Go %s or newer, the version in `go.mod`\"", want)
	}
}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	dt, err := os.ReadFile("../../" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(dt)
}
