package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository's own files pass, and each way of breaking them that the
// tool exists to catch is reported.
func TestLint(t *testing.T) {
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	goVersion, err := goLine("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		file      string // Dockerfile or compose.yaml
		old, new  string
		wantInOut string // "" for a clean run
	}{
		{name: "as committed"},
		{"lowercase from", "Dockerfile", "FROM golang", "from golang", "FromAsCasing"},
		{"as in lowercase", "Dockerfile", " AS build", " as build", "FromAsCasing"},
		{"root user", "Dockerfile", "USER 65532:65532", "USER root", "non-root"},
		{"no user", "Dockerfile", "USER 65532:65532\n", "", "sets no USER"},
		{"another Go", "Dockerfile", "golang:" + goVersion + "-", "golang:1.25-", "go.mod's " + goVersion},
		{"a full base image", "Dockerfile", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:bookworm-slim", "minimal base"},
		{"a shell in the base", "Dockerfile", "static-debian12:nonroot", "static-debian12:debug-nonroot", "minimal base"},
		{"shell-form CMD", "Dockerfile", `CMD ["run"]`, "CMD run", "JSONArgsRecommended"},
		{"ComfyUI on loopback", "compose.yaml", "DISCORDBOT_COMFYUI_URL: http://comfyui:8188", "DISCORDBOT_COMFYUI_URL: http://127.0.0.1:8188", "must be http://comfyui:8188"},
		{"an invented setting", "compose.yaml", "DISCORDBOT_COMFYUI_URL:", "DISCORDBOT_COMFY_URL:", "DISCORDBOT_COMFY_URL is no setting"},
		{"token optional", "compose.yaml", "${DISCORDBOT_DISCORD_TOKEN:?", "${DISCORDBOT_DISCORD_TOKEN:-", "must be required"},
		{"no GPU", "compose.yaml", "driver: nvidia", "driver: cdi", "reserves no NVIDIA GPU"},
		{"a typo in a key", "compose.yaml", "    restart: unless-stopped\n    # Started", "    restrat: unless-stopped\n    # Started", "restrat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			d, y := string(dockerfile), string(compose)
			switch c.file {
			case "Dockerfile":
				d = replaceOnce(t, d, c.old, c.new)
			case "compose.yaml":
				y = replaceOnce(t, y, c.old, c.new)
			}
			write(t, filepath.Join(root, "Dockerfile"), d)
			write(t, filepath.Join(root, "deploy", "compose.yaml"), y)
			for _, f := range []string{"go.mod", "README.md"} {
				dt, err := os.ReadFile(filepath.Join("../..", f))
				if err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(root, f), string(dt))
			}
			var out, errOut strings.Builder
			code := run(t.Context(), []string{"-root", root}, &out, &errOut)
			switch {
			case c.wantInOut == "" && code != 0:
				t.Fatalf("exit %d:\n%s%s", code, out.String(), errOut.String())
			case c.wantInOut != "" && (code != 1 || !strings.Contains(out.String(), c.wantInOut)):
				t.Fatalf("exit %d, want 1 and %q in:\n%s%s", code, c.wantInOut, out.String(), errOut.String())
			}
		})
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q is not in the file exactly once", old)
	}
	return strings.Replace(s, old, new, 1)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
