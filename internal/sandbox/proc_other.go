//go:build !unix

package sandbox

import (
	"os"
	"os/exec"
)

func own(*exec.Cmd) {}

// terminate has no gentle signal to send outside Unix.
func terminate(p *os.Process) error { return p.Kill() }
