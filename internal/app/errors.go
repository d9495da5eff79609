package app

import "fmt"

// usageError is a command line the program does not understand (exit 2).
type usageError struct {
	cmd string
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usageErrorf(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// configError is a configuration a person has to fix (exit 2).
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// silentError carries an exit code for a failure already reported.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitCode(code int) error {
	if code == ExitOK {
		return nil
	}
	return &silentError{code: code}
}
