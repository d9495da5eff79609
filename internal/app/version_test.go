package app

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	build := func(version string, settings ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/AEmotionStudio/ComfyUI-DiscordSend/bot", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return info
	}
	const rev = "519ac8e0123456789abcdef0123456789abcdef0"
	cases := []struct {
		name    string
		stamped string
		info    *debug.BuildInfo
		want    string
	}{
		{"release tag stamped", "v1.2.0", build("(devel)"), "v1.2.0"},
		{"git describe between tags", "v1.2.0-3-g519ac8e-dirty", build("(devel)", "vcs.revision", rev), "v1.2.0-3-g519ac8e-dirty"},
		{"commit stamped in an untagged clone", "519ac8e", build(""), "519ac8e"},
		{"stamped wins over the module version", "v1.2.0", build("v0.0.0-20260101120000-519ac8e01234"), "v1.2.0"},
		{"stamped without build info", "v1.2.0", nil, "v1.2.0"},
		{"go install module@version", "", build("v1.1.0"), "v1.1.0"},
		{"go build with VCS stamping", "", build("(devel)", "vcs.revision", rev, "vcs.modified", "false"), "devel-519ac8e01234"},
		{"uncommitted changes", "", build("(devel)", "vcs.revision", rev, "vcs.modified", "true"), "devel-519ac8e01234+dirty"},
		{"go run", "", build("(devel)"), "(devel)"},
		{"empty module version", "", build(""), "(devel)"},
		{"no build info", "", nil, "unknown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := versionOf(c.stamped, c.info); got != c.want {
				t.Errorf("versionOf(%q, …) = %q, want %q", c.stamped, got, c.want)
			}
		})
	}
}
