package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// minimalBases are the images the final stage may start from: no shell, no
// package manager, nothing the static binary does not need (so not
// distroless's :debug tags, which add a busybox shell).
var minimalBases = []string{"scratch", "gcr.io/distroless/static"}

// lintDockerfile returns every warning BuildKit's linter gives for dt and
// every project rule dt breaks. An error means the linter could not run.
func lintDockerfile(ctx context.Context, name string, dt []byte, goVersion string) ([]string, error) {
	// The source as BuildKit's Dockerfile frontend names it: a local
	// "dockerfile" context.
	src := llb.Local("dockerfile")
	def, err := src.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	sm := llb.NewSourceMap(&src, name, "Dockerfile", dt)
	sm.Definition = def
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		MetaResolver: offlineResolver{},
		SourceMap:    sm,
	})
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, w := range res.Warnings {
		problems = append(problems, fmt.Sprintf("line %d: %s: %s (%s)", firstLine(w.Location), w.RuleName, w.Detail, w.URL))
	}
	if res.Error != nil {
		// BuildKit could not read it: the project rules would only repeat that.
		return append(problems, fmt.Sprintf("line %d: %s", firstLine(&res.Error.Location), res.Error.Message)), nil
	}
	return append(problems, projectRules(dt, goVersion)...), nil
}

func firstLine(loc *pb.Location) int32 {
	if loc == nil || len(loc.Ranges) == 0 || loc.Ranges[0].Start == nil {
		return 0
	}
	return loc.Ranges[0].Start.Line
}

// projectRules are what this project asks of its image beyond BuildKit's
// rules: the Go of the build stage is go.mod's, and the image that ships is
// minimal and does not run as root.
func projectRules(dt []byte, goVersion string) []string {
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return []string{err.Error()}
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return []string{err.Error()}
	}
	if len(stages) == 0 {
		return []string{"no FROM: nothing to build"}
	}
	var problems []string
	golang := false
	for _, s := range stages {
		repo, tag, _ := strings.Cut(s.BaseName, ":")
		if repo != "golang" && repo != "docker.io/library/golang" {
			continue
		}
		golang = true
		if v, _, _ := strings.Cut(tag, "-"); v != goVersion {
			problems = append(problems, fmt.Sprintf("line %d: FROM %s: the Go version must be go.mod's %s (FROM golang:%s-…)",
				stageLine(s), s.BaseName, goVersion, goVersion))
		}
	}
	if !golang {
		problems = append(problems, fmt.Sprintf("no golang:%s build stage: the binary must be built with go.mod's Go", goVersion))
	}

	final := stages[len(stages)-1]
	minimal := false
	for _, b := range minimalBases {
		if (final.BaseName == b || strings.HasPrefix(final.BaseName, b)) && !strings.Contains(final.BaseName, "debug") {
			minimal = true
		}
	}
	if !minimal {
		problems = append(problems, fmt.Sprintf("line %d: the final stage is FROM %s; it must be a minimal base (%s)",
			stageLine(final), final.BaseName, strings.Join(minimalBases, ", ")))
	}
	var user *instructions.UserCommand
	for _, c := range final.Commands {
		if u, ok := c.(*instructions.UserCommand); ok {
			user = u
		}
	}
	switch {
	case user == nil:
		problems = append(problems, "the final stage sets no USER: the image must run as a non-root user")
	case isRoot(user.User):
		problems = append(problems, fmt.Sprintf("line %d: USER %s: the image must run as a non-root user", user.Location()[0].Start.Line, user.User))
	}
	return problems
}

func stageLine(s instructions.Stage) int {
	if len(s.Location) == 0 {
		return 0
	}
	return s.Location[0].Start.Line
}

// isRoot reports whether a USER value (user[:group]) runs as root, or says
// nothing (a build argument could make it anything).
func isRoot(v string) bool {
	u, _, _ := strings.Cut(v, ":")
	return u == "" || u == "root" || u == "0" || strings.Contains(u, "$")
}

// offlineResolver answers BuildKit's questions about base images without a
// registry: every image exists, for the platform asked, with one layer. The
// lint rules look at the Dockerfile, not at what the images hold, except
// InvalidBaseImagePlatform, which this keeps quiet by answering in kind.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	cfg := ocispecs.Image{
		Platform: p,
		RootFS:   ocispecs.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString(ref)}},
		Config:   ocispecs.ImageConfig{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
	}
	dt, err := json.Marshal(cfg)
	return ref, "", dt, err
}
