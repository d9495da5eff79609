package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

// Every test runs on SQLite, and again on PostgreSQL when
// DISCORDBOT_TEST_POSTGRES names a server (see docs/TESTING.md).
func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// testEpoch is the fixed time test stores start at.
var testEpoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable clock safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// newTestStore opens a migrated store on a fresh database of the dialect
// under test, with a clock fixed at testEpoch until the test advances it.
func newTestStore(t testing.TB) (*Store, *clock) {
	t.Helper()
	s := openTestStore(t, storetest.URL(t))
	c := &clock{now: testEpoch}
	s.Now = c.Now
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s, c
}

func openTestStore(t testing.TB, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// sqliteURL names a new SQLite file, for tests about SQLite itself.
func sqliteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "bot.db")
}

// mustExec runs a statement written with '?' placeholders on the store's
// database, as a test that reaches around the store does.
func mustExec(t *testing.T, s *Store, query string, args ...any) {
	t.Helper()
	if _, err := s.db.ExecContext(t.Context(), s.dialect.rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// wantCode fails the test unless err carries the domain error code.
func wantCode(t *testing.T, err error, code model.ErrorCode) {
	t.Helper()
	if got := model.ErrorCodeOf(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name    string
		url     string
		file    string // created by Open; "" for none
		wantErr string // part of the error; "" for success
	}{
		{name: "sqlite colon", url: "sqlite:" + filepath.Join(dir, "a.db"), file: filepath.Join(dir, "a.db")},
		{name: "sqlite slashes", url: "sqlite://" + filepath.Join(dir, "b.db"), file: filepath.Join(dir, "b.db")},
		{name: "missing parent dirs", url: "sqlite:" + filepath.Join(dir, "x", "y", "c.db"), file: filepath.Join(dir, "x", "y", "c.db")},
		{name: "memory", url: "sqlite::memory:"},
		// Nothing listens on port 1: the error names the server, not the password.
		{name: "postgres unreachable", url: "postgres://bot:hunter2@127.0.0.1:1/bot?connect_timeout=5", wantErr: "open database postgres://bot:***@127.0.0.1:1/bot"},
		{name: "postgresql unreachable", url: "postgresql://bot@127.0.0.1:1/bot?password=hunter2&connect_timeout=5", wantErr: "password=***"},
		{name: "postgres bad url", url: "postgres://bot:hunter2@db:port/bot", wantErr: "open database postgres://"},
		{name: "other scheme", url: "mysql://bot:hunter2@db/bot", wantErr: "use sqlite:PATH or postgres://"},
		{name: "no path", url: "sqlite:", wantErr: "names no file"},
		{name: "question mark", url: "sqlite:" + filepath.Join(dir, "d.db?mode=ro"), wantErr: "must not contain '?'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.url)
			if tt.wantErr != "" {
				if err == nil {
					s.Close()
					t.Fatalf("Open(%q) succeeded", tt.url)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open(%q) error = %q, want it to contain %q", tt.url, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error leaks the password: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.url, err)
			}
			defer s.Close()
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			if tt.file != "" {
				if _, err := os.Stat(tt.file); err != nil {
					t.Fatalf("database file: %v", err)
				}
			}
		})
	}
}

func TestOpenErrorNamesPath(t *testing.T) {
	t.Parallel()
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(blocker, "bot.db") // parent is a file
	_, err := Open(t.Context(), "sqlite:"+path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open error = %v, want it to name %s", err, path)
	}
}

func TestCloseThenPing(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), storetest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
}

// Every pooled connection must get the pragmas, not just the first.
func TestPragmasOnEveryConnection(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, sqliteURL(t))
	ctx := t.Context()
	var conns []*sql.Conn
	for range 3 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var fk, busy int
		var mode string
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || busy != 10000 || mode != "wal" {
			t.Errorf("connection %d: foreign_keys=%d busy_timeout=%d journal_mode=%s", i, fk, busy, mode)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// A memory store keeps one connection, so everything sees one database.
func TestMemoryStore(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, "sqlite::memory:")
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if _, err := s.UpsertUser(t.Context(), fmt.Sprint("u", i), "n"); err != nil {
				t.Errorf("UpsertUser: %v", err)
			}
		})
	}
	wg.Wait()
	for i := range 5 {
		if _, err := s.User(t.Context(), fmt.Sprint("u", i)); err != nil {
			t.Errorf("User %d: %v", i, err)
		}
	}
	if err := s.CheckCurrent(t.Context()); err != nil {
		t.Errorf("CheckCurrent: %v", err)
	}
}

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dialect dialect
		in      string
		want    string
	}{
		{"sqlite unchanged", dialectSQLite, "SELECT ? WHERE a = ?", "SELECT ? WHERE a = ?"},
		{"postgres numbered", dialectPostgres, "SELECT ? WHERE a = ? AND b IN (?, ?)", "SELECT $1 WHERE a = $2 AND b IN ($3, $4)"},
		{"postgres literals kept", dialectPostgres, `SELECT '?', "a?b" WHERE x LIKE ? ESCAPE '\'`, `SELECT '?', "a?b" WHERE x LIKE $1 ESCAPE '\'`},
		{"postgres none", dialectPostgres, "SELECT 1", "SELECT 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.dialect.rebind(tt.in); got != tt.want {
				t.Errorf("rebind = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPageClause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit, offset int
		want          string
	}{
		{0, 0, ""},
		{10, 0, " LIMIT 10 OFFSET 0"},
		{10, 20, " LIMIT 10 OFFSET 20"},
		{0, 5, " LIMIT 9223372036854775807 OFFSET 5"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := pageClause(tt.limit, tt.offset); got != tt.want {
				t.Errorf("pageClause(%d, %d) = %q", tt.limit, tt.offset, got)
			}
		})
	}
}

func TestWithLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	s, err := Open(t.Context(), storetest.URL(t), WithLogger(logger), WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "database migrated") || !strings.Contains(out, "version=1") {
		t.Fatalf("log = %q", out)
	}
}

// Cancellation reaches the database calls.
func TestCancelledContext(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.EnqueueJob(ctx, model.Job{UserID: "100"}, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("EnqueueJob error = %v, want context.Canceled", err)
	}
	if _, err := s.ListJobs(ctx, JobFilter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListJobs error = %v, want context.Canceled", err)
	}
}

func TestStatementCacheIsBoundedAndOnlyForFiles(t *testing.T) {
	st, err := Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if bad := st.stmts.get(t.Context(), "SELEC nonsense"); bad != nil {
		t.Fatal("a statement that does not prepare is not cached")
	}
	for i := range maxCachedStmts + 10 {
		q := fmt.Sprintf("SELECT %d", i)
		got := st.stmts.get(t.Context(), q)
		if (got != nil) != (i < maxCachedStmts) {
			t.Fatalf("query %d: prepared %v; the cache keeps %d", i, got != nil, maxCachedStmts)
		}
	}
	if again := st.stmts.get(t.Context(), "SELECT 0"); again == nil {
		t.Fatal("a cached statement must stay available")
	}

	mem, err := Open(t.Context(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if mem.stmts.get(t.Context(), "SELECT 1") != nil {
		t.Fatal("an in-memory database has one connection and no statement cache")
	}
}
