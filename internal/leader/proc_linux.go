package leader

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// pidSpace names this process's PID namespace and the boot it runs in:
// the same PID in another container, or before a reboot, is another
// process.
func pidSpace() string {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns = strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
	b := strings.ReplaceAll(strings.TrimSpace(string(boot)), "-", "")
	if ns == "" || len(b) < 8 {
		return ""
	}
	return ns + "." + b[:8]
}

// processAlive reports whether a process with this PID exists here. A
// process owned by another user exists too (EPERM).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
