// Package storetest runs a package's tests against each database dialect
// the store supports: SQLite always, and PostgreSQL as well when
// DISCORDBOT_TEST_POSTGRES names a server. It is imported by tests only.
//
// A package opts in from its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }
//
// and its tests take a fresh, empty database from URL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// The environment that selects the dialects.
const (
	// EnvDialect is the dialect of this run: "sqlite" (the default) or
	// "postgres". Run sets it for the PostgreSQL run it starts.
	EnvDialect = "DISCORDBOT_TEST_DIALECT"
	// EnvPostgres is a postgres:// URL of a server the tests may create
	// schemas in; scripts/pg-test-cluster start prints one.
	EnvPostgres = "DISCORDBOT_TEST_POSTGRES"
)

// The dialects Dialect reports.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Run runs the tests with the dialect EnvDialect names and returns the exit
// code for os.Exit. When EnvPostgres is set and this is not already the
// PostgreSQL run, it then runs the same test binary again, with the same
// arguments, on PostgreSQL, and fails when either run failed. When it is
// not set, it says in one line that the PostgreSQL run was skipped.
func Run(m *testing.M) int {
	dialect := Dialect()
	switch dialect {
	case DialectSQLite, DialectPostgres:
	default:
		fmt.Fprintf(os.Stderr, "storetest: %s=%q: want %s or %s\n", EnvDialect, dialect, DialectSQLite, DialectPostgres)
		return 1
	}
	if dialect == DialectPostgres {
		if err := checkServer(); err != nil {
			fmt.Fprintf(os.Stderr, "storetest: the PostgreSQL run cannot start: %v\n", err)
			return 1
		}
		return m.Run()
	}
	willRerun = os.Getenv(EnvPostgres) != "" && !listing()
	code := m.Run()
	if listing() {
		return code
	}
	if os.Getenv(EnvPostgres) == "" {
		fmt.Printf("storetest: PostgreSQL run skipped: set %s=postgres://… to run these tests on PostgreSQL too (scripts/pg-test-cluster start prints one)\n", EnvPostgres)
		return code
	}
	if pg := runPostgres(); pg != 0 {
		return pg
	}
	return code
}

// runPostgres runs this test binary again on PostgreSQL and returns its
// exit code.
func runPostgres() int {
	fmt.Printf("storetest: running the tests again on PostgreSQL (%s=%s)\n", EnvDialect, DialectPostgres)
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Env = append(os.Environ(), EnvDialect+"="+DialectPostgres)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	if exit, ok := errors.AsType[*exec.ExitError](err); ok {
		fmt.Printf("storetest: the PostgreSQL run failed (%v)\n", exit)
		return max(exit.ExitCode(), 1)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest: the PostgreSQL run did not start: %v\n", err)
		return 1
	}
	return 0
}

// listing reports whether the binary only lists tests (go test -list):
// once is enough.
func listing() bool {
	f := flag.Lookup("test.list")
	return f != nil && f.Value.String() != ""
}

// Dialect returns the dialect this run tests: DialectSQLite or
// DialectPostgres.
func Dialect() string {
	if d := os.Getenv(EnvDialect); d != "" {
		return d
	}
	return DialectSQLite
}

// URL returns the URL of a fresh, empty database of the dialect under
// test: a SQLite file in t.TempDir(), or a new PostgreSQL schema that is
// dropped when the test ends (after the stores the test opened are closed,
// as their cleanups were registered later).
func URL(t testing.TB) string {
	t.Helper()
	if Dialect() == DialectPostgres {
		return schemaURL(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "bot.db")
}

// willRerun is set by Run in the SQLite run when a PostgreSQL run of the
// same binary follows.
var willRerun bool

// Postgres returns the URL of a fresh PostgreSQL schema, for tests that are
// about PostgreSQL itself; they are skipped when EnvPostgres is not set.
// Under Run they run once, in the PostgreSQL run.
func Postgres(t testing.TB) string {
	t.Helper()
	if os.Getenv(EnvPostgres) == "" {
		t.Skipf("a PostgreSQL test: set %s=postgres://… to run it (scripts/pg-test-cluster start prints one)", EnvPostgres)
	}
	if willRerun {
		t.Skip("a PostgreSQL test: it runs in the PostgreSQL run of this binary, which follows")
	}
	return schemaURL(t)
}

// server is the pool of administrative connections to the server
// EnvPostgres names, shared by every test of the process.
var server = sync.OnceValues(func() (*sql.DB, error) {
	raw := os.Getenv(EnvPostgres)
	if raw == "" {
		return nil, fmt.Errorf("%s is not set", EnvPostgres)
	}
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return nil, fmt.Errorf("%s must be a postgres:// URL", EnvPostgres)
	}
	db, err := sql.Open("pgx", raw)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", EnvPostgres, err)
	}
	db.SetMaxOpenConns(4)
	return db, nil
})

// checkServer fails unless the server answers, so that a PostgreSQL run
// against a server that is not there fails at once rather than test by test.
func checkServer() error {
	db, err := server()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", EnvPostgres, err)
	}
	return nil
}

// schemaURL creates a schema with a random name and returns the server's
// URL with search_path set to it (pgx sends unknown URL parameters as
// run-time parameters of every connection).
func schemaURL(t testing.TB) string {
	t.Helper()
	db, err := server()
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	schema := "test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("storetest: create schema %s on %s: %v", schema, EnvPostgres, err)
	}
	t.Cleanup(func() {
		// t.Context() is done by now.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(os.Getenv(EnvPostgres))
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Exec runs one statement on the database url names, outside any store:
// for a test that leaves a database as a crash or an older binary would.
// The statement is written with '?' placeholders, as the store's are.
func Exec(t testing.TB, url, query string, args ...any) {
	t.Helper()
	driver, dsn := "sqlite", strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:")
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		driver, dsn, query = "pgx", url, numbered(query)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", driver, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		t.Fatalf("storetest: %s: %v", query, err)
	}
}

// numbered rewrites '?' placeholders as $1, $2, …; test statements have no
// question marks in literals.
func numbered(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
