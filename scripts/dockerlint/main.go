// Command dockerlint checks the container files of discordsend-bot where no
// container engine runs: the Dockerfile with BuildKit's own linter (the
// checks of `docker build --check`) plus the project's rules, and the
// Compose file with the Compose specification's loader (what
// `docker compose config` runs). It is a module of its own so that the
// bot's go.mod does not gain BuildKit and compose-go.
//
//	go -C scripts/dockerlint run . [-root DIR]
//
// Any warning or problem is printed, one a line, and the exit code is 1;
// a clean run prints one line per file and exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dockerlint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "../..", "the repository: DIR/Dockerfile, DIR/go.mod and DIR/deploy/compose.yaml are checked")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `usage: go -C scripts/dockerlint run . [-root DIR]

Checks DIR/Dockerfile with BuildKit's linter (every rule of docker build
--check; a warning fails) and the project's rules: the golang build image is
tagged with go.mod's go version, the final stage is a minimal base
(distroless/static or scratch), and it runs as a non-root USER. Checks
DIR/deploy/compose.yaml with the Compose loader and that its bot service
reaches the comfyui service at http://comfyui:8188. Exit 1 on any problem.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dockerlint: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	goVersion, err := goLine(filepath.Join(*root, "go.mod"))
	if err != nil {
		fmt.Fprintln(stderr, "dockerlint:", err)
		return 1
	}
	failed := false
	report := func(name string, problems []string, err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
		for _, p := range problems {
			fmt.Fprintf(stdout, "%s: %s\n", name, p)
		}
		if len(problems) > 0 {
			failed = true
			return
		}
		fmt.Fprintf(stdout, "%s: ok\n", name)
	}
	dockerfile := filepath.Join(*root, "Dockerfile")
	dt, err := os.ReadFile(dockerfile)
	if err == nil {
		var problems []string
		problems, err = lintDockerfile(ctx, "Dockerfile", dt, goVersion)
		report("Dockerfile", problems, err)
	} else {
		report("Dockerfile", nil, err)
	}
	problems, err := lintCompose(ctx, filepath.Join(*root, "deploy", "compose.yaml"))
	report("deploy/compose.yaml", problems, err)
	if failed {
		return 1
	}
	return 0
}
