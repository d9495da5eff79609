package app

import (
	"context"
	"fmt"
	"runtime/debug"
)

// stampedVersion is the version a release build writes in at link time:
// scripts/release and the Dockerfile pass
// -ldflags "-X github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/app.stampedVersion=v1.2.0".
// It exists because the build info cannot say it there: a container build
// has no .git to read a tag or revision from, and go build, where it does
// read one, records a module pseudo-version (v1.2.1-0.20260101120000-abcdef)
// rather than the `git describe` name the release goes by. Empty in every
// other build.
var stampedVersion string

// Version returns the version the binary was built as.
func Version() string {
	info, _ := debug.ReadBuildInfo()
	return versionOf(stampedVersion, info)
}

// versionOf picks what Version says: the stamped version when there is one;
// else the module version in info (go install module@version, go build of a
// tagged checkout); else devel-REVISION, +dirty for uncommitted changes,
// when the build recorded a VCS revision; else "(devel)", as for go run.
// info is nil when the binary carries no build info: then "unknown".
func versionOf(stamped string, info *debug.BuildInfo) string {
	if stamped != "" {
		return stamped
	}
	if info == nil {
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
