//go:build unix

package sandbox

import (
	"os"
	"os/exec"
	"syscall"
)

// own puts the bot in a process group of its own, so Ctrl-C in the
// sandbox's terminal reaches the sandbox, which then stops the bot in order.
func own(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// terminate asks the bot to shut down, as a service manager would.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
