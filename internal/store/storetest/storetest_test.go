package storetest

import (
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

func TestNumbered(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"UPDATE jobs SET status = ? WHERE id = ?", "UPDATE jobs SET status = $1 WHERE id = $2"},
	}
	for _, tt := range tests {
		if got := numbered(tt.in); got != tt.want {
			t.Errorf("numbered(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Each URL is a database of its own that Exec can write to.
func TestURLsAreSeparateDatabases(t *testing.T) {
	a, b := URL(t), URL(t)
	if a == b {
		t.Fatalf("two tests would share %s", a)
	}
	wantPrefix := "sqlite:"
	if Dialect() == DialectPostgres {
		wantPrefix = "postgres"
	}
	if !strings.HasPrefix(a, wantPrefix) {
		t.Fatalf("URL %s is not of the dialect under test, %s", a, Dialect())
	}
	Exec(t, a, `CREATE TABLE t (v TEXT)`)
	Exec(t, a, `INSERT INTO t (v) VALUES (?)`, "x")
	Exec(t, b, `CREATE TABLE t (v TEXT)`) // b does not have a's table
}
