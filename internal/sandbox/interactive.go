package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// Interactive runs lines as a person types them, with a prompt before
// each. A line that fails is reported and the session goes on; it ends at
// the end of input, when ctx ends, or when the bot died.
func (s *Session) Interactive(ctx context.Context, in io.Reader, prompt io.Writer) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()
	for n := 1; ; n++ {
		// The last line's events first, so the prompt comes after them.
		if err := s.out.flush(ctx, len(s.discord.Events())); err != nil {
			return err
		}
		fmt.Fprint(prompt, "> ")
		var line string
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-s.bot.exited:
			s.failed = true
			if s.bot.expected.Load() {
				return errors.New("the bot is not running")
			}
			return s.bot.diedError()
		case err := <-readErr:
			fmt.Fprintln(prompt)
			if err != nil {
				return fmt.Errorf("read input: %w", err)
			}
			return s.out.flush(ctx, len(s.discord.Events()))
		case line = <-lines:
		}
		st, ok, err := parseNumbered(n, line, "")
		if err == nil && ok {
			err = s.Exec(ctx, st)
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil || s.botDied() {
			return err
		}
		fmt.Fprintln(s.opts.Stderr, err)
	}
}

// botDied reports whether the bot exited without being asked to.
func (s *Session) botDied() bool {
	select {
	case <-s.bot.exited:
		return !s.bot.expected.Load()
	default:
		return false
	}
}
