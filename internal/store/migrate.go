package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Each dialect has its own migration files, with the same versions and
// names: the schema is the same, spelled for the engine.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is wrapped by the error returned for a database that a
// newer version of the bot has migrated.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary supports")

// ErrMigrationsPending is wrapped by CheckCurrent's error when migrations
// have not been applied yet.
var ErrMigrationsPending = errors.New("database migrations are pending")

// SchemaTooNewError reports a database at a schema version this binary does
// not know. It matches ErrSchemaTooNew with errors.Is.
type SchemaTooNewError struct {
	Version   int // the database's
	Supported int // the newest this binary knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this binary supports (%d): "+
		"upgrade discordsend-bot or point database.url at another database", e.Version, e.Supported)
}

func (e *SchemaTooNewError) Unwrap() error { return ErrSchemaTooNew }

// MigrationStatus describes where a database stands against the migrations
// compiled into this binary.
type MigrationStatus struct {
	Current int   // highest applied version, 0 for an empty database
	Latest  int   // highest version this binary has
	Pending []int // versions this binary has that are not applied, in order
	Applied []AppliedMigration
}

// AppliedMigration is one row of schema_migrations.
type AppliedMigration struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the dialect's migration files in version order.
func (s *Store) migrations() ([]migration, error) {
	return loadMigrations(migrationFiles, migrationDir(s.dialect))
}

func migrationDir(d dialect) string {
	if d == dialectPostgres {
		return "migrations/postgres"
	}
	return "migrations/sqlite"
}

// loadMigrations reads NNNN_name.sql files from dir, in version order.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m, err := parseMigrationName(e.Name())
		if err != nil {
			return nil, err
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		m.sql = string(b)
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("read migrations: version %d appears twice", ms[i].version)
		}
	}
	return ms, nil
}

func parseMigrationName(file string) (migration, error) {
	num, name, ok := strings.Cut(strings.TrimSuffix(file, ".sql"), "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v < 1 || name == "" {
		return migration{}, fmt.Errorf("read migrations: %s: want a name like 0001_init.sql", file)
	}
	return migration{version: v, name: name}, nil
}

// Migrate applies every pending migration in order, each in its own
// transaction, and returns the versions it applied. A database migrated by a
// newer binary is refused with an error wrapping ErrSchemaTooNew.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	ms, err := s.migrations()
	if err != nil {
		return nil, err
	}
	if err := s.createVersionTable(ctx); err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		done, err := s.applyMigration(ctx, m, latest(ms))
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.version)
			s.log.InfoContext(ctx, "database migrated", "version", m.version, "name", m.name)
		}
	}
	return applied, nil
}

// applyMigration runs m unless it is applied already, re-reading the version
// inside the write transaction so two processes migrating at once do not
// both run it.
func (s *Store) applyMigration(ctx context.Context, m migration, latest int) (bool, error) {
	applied := false
	err := s.write(ctx, func(tx *tx) error {
		current, err := currentVersion(ctx, tx)
		if err != nil {
			return err
		}
		if current > latest {
			return &SchemaTooNewError{Version: current, Supported: latest}
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if n > 0 {
			return nil
		}
		// Migration files are written for their dialect: run them verbatim.
		// Without arguments pgx sends the file in one simple-protocol
		// query, which may hold several statements.
		if _, err := tx.sqlTx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, tx.now.UnixMilli()); err != nil {
			return fmt.Errorf("record migration %d: %w", m.version, err)
		}
		applied = true
		return nil
	})
	return applied, err
}

// createVersionTable creates schema_migrations unless it exists. It is a
// write transaction, so on PostgreSQL it holds the writer lock: two bots
// starting at once would otherwise race to insert the table into the
// catalog, and one would fail despite IF NOT EXISTS.
func (s *Store) createVersionTable(ctx context.Context) error {
	integer := "INTEGER"
	if s.dialect == dialectPostgres {
		integer = "BIGINT"
	}
	return s.write(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    `+integer+` PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at `+integer+` NOT NULL
		)`)
		if err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		return nil
	})
}

func currentVersion(ctx context.Context, tx *tx) (int, error) {
	var v int
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func latest(ms []migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// MigrationStatus reports the applied and pending migrations. It creates the
// empty version table of a new database, and changes nothing else.
func (s *Store) MigrationStatus(ctx context.Context) (MigrationStatus, error) {
	ms, err := s.migrations()
	if err != nil {
		return MigrationStatus{}, err
	}
	if err := s.createVersionTable(ctx); err != nil {
		return MigrationStatus{}, err
	}
	st := MigrationStatus{Latest: latest(ms)}
	err = s.read(ctx, func(tx *tx) error {
		rows, err := tx.query(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			return fmt.Errorf("read schema versions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a AppliedMigration
			var at int64
			if err := rows.Scan(&a.Version, &a.Name, &at); err != nil {
				return fmt.Errorf("read schema versions: %w", err)
			}
			a.AppliedAt = time.UnixMilli(at).UTC()
			st.Applied = append(st.Applied, a)
			st.Current = max(st.Current, a.Version)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read schema versions: %w", err)
		}
		return nil
	})
	if err != nil {
		return MigrationStatus{}, err
	}
	for _, m := range ms {
		if !slices.ContainsFunc(st.Applied, func(a AppliedMigration) bool { return a.Version == m.version }) {
			st.Pending = append(st.Pending, m.version)
		}
	}
	return st, nil
}

// CheckCurrent returns nil when every migration is applied, an error wrapping
// ErrMigrationsPending when some are not, and one wrapping ErrSchemaTooNew
// when the database is newer than this binary.
func (s *Store) CheckCurrent(ctx context.Context) error {
	st, err := s.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if st.Current > st.Latest {
		return &SchemaTooNewError{Version: st.Current, Supported: st.Latest}
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("%w (schema version %d, this binary needs %d): run discordsend-bot migrate",
			ErrMigrationsPending, st.Current, st.Latest)
	}
	return nil
}

// Versions lists the migrations this binary has for the kind of database
// url names, in order: what Migrate applies to a new one.
func Versions(url string) ([]int, error) {
	d := dialectSQLite
	if isPostgresURL(url) {
		d = dialectPostgres
	}
	ms, err := loadMigrations(migrationFiles, migrationDir(d))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.version
	}
	return out, nil
}
