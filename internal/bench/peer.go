package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// line is one message of the peer process on its stdout, as a JSON line.
type line struct {
	Ready    *Endpoints    `json:"ready,omitempty"`
	Progress *Progress     `json:"progress,omitempty"`
	Result   *Observations `json:"result,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// progressEvery bounds how often the peer process reports progress.
const progressEvery = 100 * time.Millisecond

// ServePeers is the peer process: it starts the fakes, announces their
// endpoints on out, waits for the bot, plays the users and writes the
// observations. It keeps the fakes up until in reaches its end, so the bot
// can shut down against live peers.
func ServePeers(ctx context.Context, cfg Config, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, in)
		cancel()
	}()
	enc := json.NewEncoder(out)
	fail := func(err error) error {
		_ = enc.Encode(line{Error: err.Error()})
		return err
	}
	p, err := StartPeers(cfg, nil)
	if err != nil {
		return fail(err)
	}
	defer p.Close()
	ends := p.Endpoints()
	if err := enc.Encode(line{Ready: &ends}); err != nil {
		return err
	}
	waitCtx, cancelWait := context.WithTimeout(ctx, time.Minute)
	defer cancelWait()
	if err := p.WaitBot(waitCtx); err != nil {
		return fail(err)
	}
	var last time.Time
	obs, err := p.Run(ctx, func(pr Progress) {
		if now := time.Now(); now.Sub(last) >= progressEvery || pr.Delivered == pr.Total {
			last = now
			_ = enc.Encode(line{Progress: &pr})
		}
	})
	if err != nil {
		return fail(err)
	}
	obs.PeerCPU = CPUTime()
	if err := enc.Encode(line{Result: &obs}); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// Peer is a running peer process, seen from the bot's side.
type Peer struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	dec    *json.Decoder
	stderr *syncBuffer
}

// syncBuffer collects the peer's stderr while exec copies into it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Launch starts cmd, a peer process (ServePeers), and waits for the
// endpoints of its fakes.
func Launch(cmd *exec.Cmd) (*Peer, Endpoints, error) {
	p := &Peer{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, Endpoints{}, fmt.Errorf("start peers: %w", err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, Endpoints{}, fmt.Errorf("start peers: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, Endpoints{}, fmt.Errorf("start peers: %w", err)
	}
	p.dec = json.NewDecoder(stdout)
	msg, err := p.next()
	if err != nil {
		p.Close()
		return nil, Endpoints{}, err
	}
	if msg.Ready == nil {
		p.Close()
		return nil, Endpoints{}, errors.New("start peers: no endpoints announced")
	}
	return p, *msg.Ready, nil
}

// Result waits for the observations, passing progress reports on.
func (p *Peer) Result(progress func(Progress)) (Observations, error) {
	for {
		msg, err := p.next()
		if err != nil {
			return Observations{}, err
		}
		switch {
		case msg.Progress != nil && progress != nil:
			progress(*msg.Progress)
		case msg.Result != nil:
			return *msg.Result, nil
		}
	}
}

func (p *Peer) next() (line, error) {
	var msg line
	if err := p.dec.Decode(&msg); err != nil {
		return line{}, fmt.Errorf("peer process: %w%s", err, p.stderrTail())
	}
	if msg.Error != "" {
		return line{}, fmt.Errorf("peer process: %s", msg.Error)
	}
	return msg, nil
}

func (p *Peer) stderrTail() string {
	s := strings.TrimSpace(p.stderr.String())
	if s == "" {
		return ""
	}
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return "\n" + s
}

// Close lets the peer process stop its fakes and waits for it to exit.
func (p *Peer) Close() error {
	_ = p.stdin.Close()
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("peer process: %w%s", err, p.stderrTail())
	}
	return nil
}
