package app

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Version returns the module version and VCS revision the binary was built from.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && (v == "" || v == "(devel)") {
		return "devel-" + rev + dirty
	}
	if v == "" {
		v = "(devel)"
	}
	return v
}

func versionCommand() *Command {
	return &Command{
		Name:    "version",
		Summary: "print the version and the Go version it was built with",
		Run: func(_ context.Context, c *CLI, _ []string) error {
			info, _ := debug.ReadBuildInfo()
			goVersion := "unknown"
			if info != nil {
				goVersion = info.GoVersion
			}
			fmt.Fprintf(c.Stdout, "discordsend-bot %s (%s)\n", Version(), goVersion)
			return nil
		},
	}
}
