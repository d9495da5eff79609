package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Lines the bot logs that the sandbox waits for.
const (
	markReady = "ready: serving Discord interactions"
	markComfy = "ComfyUI backend ready"
)

// stopGrace is how long a SIGTERMed bot may take: its own shutdown is
// bounded by 10 s.
const stopGrace = 20 * time.Second

// child is one run of the bot process.
type child struct {
	cmd    *exec.Cmd
	log    *logWatch
	exited chan struct{} // closed once the process is gone and its output read
	err    error         // Wait's error, set before exited closes
	// expected marks an exit the sandbox asked for (restart, crash, the end).
	expected atomic.Bool
}

type childSpec struct {
	exe  string
	args []string
	env  []string
	dir  string
	log  io.Writer // the log file, shared by every run
}

// startChild starts the bot; its stdout and stderr go to the log.
func startChild(spec childSpec) (*child, error) {
	cmd := exec.Command(spec.exe, spec.args...)
	cmd.Env = spec.env
	cmd.Dir = spec.dir
	own(cmd)
	w := newLogWatch(spec.log, markReady, markComfy)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the bot (%s): %w", spec.exe, err)
	}
	c := &child{cmd: cmd, log: w, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// waitReady waits until the bot said it serves Discord and, when comfy is
// set, that it reached ComfyUI.
func (c *child) waitReady(ctx context.Context, comfy bool) error {
	marks := []string{markReady}
	if comfy {
		marks = append(marks, markComfy)
	}
	for _, m := range marks {
		select {
		case <-c.log.seen(m):
		case <-c.exited:
			return fmt.Errorf("the bot exited while starting (%s)", c.status())
		case <-ctx.Done():
			return fmt.Errorf("the bot did not log %q in time: %w", m, context.Cause(ctx))
		}
	}
	return nil
}

// stop ends the bot with SIGTERM, or SIGKILL when it takes too long or
// kill is set; it returns how the process ended.
func (c *child) stop(kill bool) string {
	c.expected.Store(true)
	if kill {
		_ = c.cmd.Process.Kill()
	} else {
		_ = terminate(c.cmd.Process)
	}
	select {
	case <-c.exited:
	case <-time.After(stopGrace):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return "killed after not stopping within " + stopGrace.String()
	}
	return c.status()
}

// status describes how the process ended; only valid after exited.
func (c *child) status() string {
	var ee *exec.ExitError
	switch {
	case c.err == nil:
		return "exit status 0"
	case errors.As(c.err, &ee):
		return ee.ProcessState.String()
	}
	return c.err.Error()
}

// diedError is why the sandbox stops when the bot exits on its own.
func (c *child) diedError() error {
	return fmt.Errorf("the bot exited unexpectedly (%s); its last words:\n%s", c.status(), c.log.tail())
}

// logWatch copies the bot's output to the log file and notices lines.
type logWatch struct {
	out io.Writer

	mu      sync.Mutex
	partial []byte
	lines   []string // the last few lines, for error messages
	marks   map[string]chan struct{}
}

const tailLines = 15

// newLogWatch watches for lines containing marks.
func newLogWatch(out io.Writer, marks ...string) *logWatch {
	w := &logWatch{out: out, marks: map[string]chan struct{}{}}
	for _, m := range marks {
		w.marks[m] = make(chan struct{})
	}
	return w
}

func (w *logWatch) Write(p []byte) (int, error) {
	if _, err := w.out.Write(p); err != nil {
		return 0, fmt.Errorf("write bot log: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

func (w *logWatch) line(l string) {
	w.lines = append(w.lines, l)
	if len(w.lines) > tailLines {
		w.lines = w.lines[1:]
	}
	for m, ch := range w.marks {
		if strings.Contains(l, m) {
			select {
			case <-ch:
			default:
				close(ch)
			}
		}
	}
}

// seen returns a channel closed once a line containing mark (one given to
// newLogWatch) was written.
func (w *logWatch) seen(mark string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.marks[mark]
}

func (w *logWatch) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return "  " + strings.Join(w.lines, "\n  ")
}

// childEnv is the bot's environment: the sandbox's own, without any
// DISCORDBOT_ setting that would reconfigure the bot, plus vars.
func childEnv(base []string, vars map[string]string) []string {
	env := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		if !strings.HasPrefix(kv, "DISCORDBOT_") {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// openLog opens the log file for appending.
func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open bot log: %w", err)
	}
	return f, nil
}
