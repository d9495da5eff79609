package main

import (
	"fmt"
	"os"
	"strings"
)

// goLine returns the version on the go line of the go.mod file at path.
func goLine(path string) (string, error) {
	dt, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for l := range strings.Lines(string(dt)) {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "go" {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("%s has no go line", path)
}
