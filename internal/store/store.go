// Package store keeps the bot's state in SQL: users, servers and their role
// mappings, templates, jobs, deliveries and workflows, plus the migrations
// that create them. Two dialects are supported, SQLite (the default, one
// file) and PostgreSQL (a server several bots can share). The SQL is written
// once and kept portable: '?' placeholders rebound per dialect, RETURNING
// and ON CONFLICT only, times as UTC unix milliseconds in 64-bit integers,
// booleans as 0/1. Only the migrations are written per dialect, with the
// same versions and names.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Pragmas every pooled connection gets: integrity, waiting for a writer
// instead of failing, concurrent readers, and writers that take the write
// lock at BEGIN so a read-then-write transaction cannot deadlock.
//
// synchronous=NORMAL is safe in WAL mode: a commit is appended to the WAL
// without an fsync, which happens at checkpoints instead. A crash of the
// process loses nothing (the operating system has the WAL), and a power
// cut loses at most the last transactions, never the database's integrity.
// Those are job transitions the bot reconciles at its next start (jobs in
// ComfyUI are looked up again; a result posted again carries the nonce
// Discord enforces). It saves an fsync per transition: under load the
// difference between milliseconds and microseconds per commit.
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// SQLite runs one writer at a time; more connections only help readers, and
// a bounded pool makes waiting writers queue in Go (honouring ctx) rather
// than spin in SQLite's busy handler.
const maxOpenConns = 8

// Store is the bot's database. It is safe for concurrent use.
type Store struct {
	// Now is the clock used for every timestamp the store writes. Replace it
	// before first use, e.g. with a fixed time in tests.
	Now func() time.Time

	db      *sql.DB
	stmts   *stmtCache
	writer  sync.Mutex // one write transaction at a time, see write
	dialect dialect
	name    string // file path, ":memory:" or the URL without its password, for error messages
	log     *slog.Logger
}

// Option configures Open.
type Option func(*Store)

// WithLogger makes the store log to l (migrations applied); nil discards.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.log = l
		}
	}
}

// Open connects to the database that url names: "sqlite:PATH",
// "sqlite://PATH" or "sqlite::memory:" for SQLite (a file's parent directory
// is created when missing), "postgres://…" or "postgresql://…" for
// PostgreSQL. Open does not migrate; call Migrate or CheckCurrent.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	s := &Store{
		Now: time.Now,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, o := range opts {
		o(s)
	}
	var err error
	if isPostgresURL(url) {
		err = s.openPostgres(url)
	} else {
		err = s.openSQLite(url)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.db.Close()
		if s.dialect == dialectSQLite && s.name != ":memory:" {
			if cause := fileProblem(s.name); cause != nil {
				return nil, fmt.Errorf("open database %s: %w; %s", s.name, cause, fileHint)
			}
		}
		return nil, err
	}
	return s, nil
}

// fileHint is what to do about a database file the bot may not create or
// write.
const fileHint = "fix the permissions, or set database.url (DISCORDBOT_DATABASE_URL) to a file in a directory the bot may write"

// fileProblem finds why SQLite could not open the file at path, which it
// reports only as "unable to open database file" or "attempt to write a
// readonly database": the file, or its directory (where SQLite keeps its
// journal beside the database), is not writable. It returns nil when both
// are, and changes nothing but a probe file it removes at once.
func fileProblem(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	switch {
	case err == nil:
		_ = f.Close()
	case errors.Is(err, fs.ErrNotExist):
	default:
		return fmt.Errorf("cannot write the file (%w)", unwrapPath(err))
	}
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".discordsend-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write its directory %s (%w)", dir, unwrapPath(err))
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	return nil
}

// unwrapPath is the cause of a *fs.PathError without the path, which the
// message already names.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

func (s *Store) openSQLite(url string) error {
	path, err := sqlitePath(url)
	if err != nil {
		return err
	}
	s.dialect, s.name = dialectSQLite, path
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return fmt.Errorf("open database %s: cannot create its directory (%w); %s", path, err, fileHint)
		}
	}
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas)
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	s.db = db
	if memory {
		// Every connection to ":memory:" is a database of its own: keep
		// exactly one, forever.
		db.SetMaxOpenConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		return nil
	}
	// Idle connections stay open: a new one runs the pragmas again and
	// prepares its statements afresh.
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	s.stmts = newStmtCache(db)
	return nil
}

// sqlitePath extracts the file path from a database URL.
func sqlitePath(url string) (string, error) {
	var path string
	switch {
	case strings.HasPrefix(url, "sqlite://"):
		path = strings.TrimPrefix(url, "sqlite://")
	case strings.HasPrefix(url, "sqlite:"):
		path = strings.TrimPrefix(url, "sqlite:")
	default:
		return "", fmt.Errorf("open database: unsupported database url %q: use sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB", redactURL(url))
	}
	switch {
	case path == "":
		return "", fmt.Errorf("open database: database url %q names no file: use sqlite:PATH", url)
	case strings.ContainsRune(path, '?'):
		// The driver reads everything after '?' as its own parameters.
		return "", fmt.Errorf("open database %s: the path must not contain '?'", path)
	}
	return path, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("open database %s: %w", s.name, err)
	}
	return nil
}

// Close closes the database; the Store is unusable afterwards.
func (s *Store) Close() error {
	s.stmts.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", s.name, err)
	}
	return nil
}

// tx is a transaction that knows its dialect and the one time every write in
// it is stamped with. Private helpers take a *tx so public methods can
// compose them in a single transaction. A read runs its one statement
// without a transaction (sqlTx is nil): a single statement sees one
// snapshot anyway, and BEGIN and COMMIT would cost two more.
type tx struct {
	sqlTx   *sql.Tx
	db      *sql.DB
	stmts   *stmtCache // nil: nothing is prepared
	dialect dialect
	now     time.Time
}

// stmt returns the prepared form of query for this transaction, or nil
// when it cannot be prepared (the unprepared call then reports why).
func (t *tx) stmt(ctx context.Context, query string) *sql.Stmt {
	st := t.stmts.get(ctx, query)
	if st == nil || t.sqlTx == nil {
		return st
	}
	return t.sqlTx.StmtContext(ctx, st)
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = t.dialect.rebind(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if t.sqlTx == nil {
		return t.db.ExecContext(ctx, query, args...)
	}
	return t.sqlTx.ExecContext(ctx, query, args...)
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = t.dialect.rebind(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if t.sqlTx == nil {
		return t.db.QueryContext(ctx, query, args...)
	}
	return t.sqlTx.QueryContext(ctx, query, args...)
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = t.dialect.rebind(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if t.sqlTx == nil {
		return t.db.QueryRowContext(ctx, query, args...)
	}
	return t.sqlTx.QueryRowContext(ctx, query, args...)
}

// write runs fn in a transaction that holds the write lock from its start,
// committing when fn returns nil.
//
// Writers of this process queue here, in Go, rather than in SQLite: a
// BEGIN IMMEDIATE that finds the database locked sleeps in SQLite's busy
// handler (1, 2, 5, 10… ms) and retries, which under load turns a
// sub-millisecond wait into tens of milliseconds. A plain mutex, not a
// context-aware token: a running writer may take it straight back, where a
// token handed to a goroutine still waiting to be scheduled stalls every
// writer behind it. busy_timeout still covers other processes. On
// PostgreSQL, where the writer lock covers other processes, the mutex keeps
// this process's waiting writers from each holding a pooled connection
// (and starving the readers) while they wait.
func (s *Store) write(ctx context.Context, fn func(*tx) error) error {
	s.writer.Lock()
	defer s.writer.Unlock()
	return s.inTx(ctx, fn)
}

// writeOne runs fn, which writes with a single statement (and reads only
// when it changed nothing), in the writers' line but without BEGIN and
// COMMIT: SQLite makes one statement atomic by itself.
//
// On PostgreSQL it is a write transaction like any other. A statement
// outside one would not wait for the writer lock (see inTx), and could
// change a row between the statements of another process's transaction,
// which SQLite never allows and the read-then-write transactions rely on.
func (s *Store) writeOne(ctx context.Context, fn func(*tx) error) error {
	if s.dialect == dialectPostgres {
		return s.write(ctx, fn)
	}
	s.writer.Lock()
	defer s.writer.Unlock()
	return s.read(ctx, fn)
}

// read runs fn, which reads with a single statement, outside a transaction.
func (s *Store) read(ctx context.Context, fn func(*tx) error) error {
	return fn(&tx{db: s.db, stmts: s.stmts, dialect: s.dialect, now: s.Now().UTC()})
}

// inTx runs fn in a write transaction, committing when fn returns nil.
//
// With SQLite the transaction holds the database's write lock from BEGIN
// (_txlock=immediate). PostgreSQL gets the same: the transaction takes the
// writer lock (lockWriters) before anything else, at READ COMMITTED. One
// writer at a time, each seeing everything committed before it, is what
// SQLite gives and what the read-then-write transactions (the queue limit
// of EnqueueJob, claims, migrations) are written for; no serialization
// failures can happen, so nothing needs to be retried.
func (s *Store) inTx(ctx context.Context, fn func(*tx) error) (err error) {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if s.dialect == dialectPostgres {
		if err := lockWriters(ctx, sqlTx); err != nil {
			return err
		}
	}
	if err := fn(&tx{sqlTx: sqlTx, db: s.db, stmts: s.stmts, dialect: s.dialect, now: s.Now().UTC()}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Dialect names the database engine: "sqlite" or "postgres".
func (s *Store) Dialect() string {
	if s.dialect == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// SQLiteFile returns the file a SQLite database URL names; ok is false for
// PostgreSQL, for an in-memory database and for a URL that names no file.
func SQLiteFile(url string) (path string, ok bool) {
	if isPostgresURL(url) {
		return "", false
	}
	path, err := sqlitePath(url)
	if err != nil || path == ":memory:" {
		return "", false
	}
	return path, true
}
