package app

// What a tool command (see Run) needs of the program's own machinery, so
// that its errors and exit codes read like every other command's.

// UsageErrorf is a command line cmd does not understand (exit 2).
func UsageErrorf(cmd, format string, args ...any) error { return usageErrorf(cmd, format, args...) }

// ConfigError marks err as a configuration a person has to fix (exit 2).
func ConfigError(err error) error { return &configError{err: err} }

// ExitCode ends the command with code, its failure already reported.
func ExitCode(code int) error { return exitCode(code) }

// ConfigPath is the --config given, "" when none was.
func (c *CLI) ConfigPath() string { return c.configPath }

// Redact removes every known secret from text about to be printed.
func (c *CLI) Redact(s string) string { return c.redact(s) }

// Program is the name of the program running.
func (c *CLI) Program() string { return c.prog }
