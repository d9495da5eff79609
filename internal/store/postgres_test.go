package store

import (
	"fmt"
	"net/url"
	"reflect"
	"testing"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/store/storetest"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"password", "postgres://bot:hunter2@db:5432/bot", "postgres://bot:***@db:5432/bot"},
		{"escaped password", "postgresql://bot:p%40ss%2Fw@db/bot?sslmode=require", "postgresql://bot:***@db/bot?sslmode=require"},
		{"no password", "postgres://bot@db/bot", "postgres://bot@db/bot"},
		{"no user", "postgres://db/bot?sslmode=disable", "postgres://db/bot?sslmode=disable"},
		{"password parameters", "postgres://db/bot?password=hunter2&sslpassword=hunter3&user=bot", "postgres://db/bot?password=***&sslpassword=***&user=bot"},
		{"unparsable", "postgres://bot:hunter2@db:port/bot", "postgres://***"},
		{"sqlite", "sqlite:/var/lib/bot.db", "sqlite:/var/lib/bot.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactURL(tt.in); got != tt.want {
				t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Both dialects have the same migrations: a version added to one and not
// the other fails here.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	t.Parallel()
	names := func(d dialect) []string {
		ms, err := loadMigrations(migrationFiles, migrationDir(d))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%04d_%s", m.version, m.name))
		}
		return out
	}
	sqlite, postgres := names(dialectSQLite), names(dialectPostgres)
	if len(sqlite) == 0 || !reflect.DeepEqual(sqlite, postgres) {
		t.Fatalf("migrations differ:\n sqlite:   %v\n postgres: %v", sqlite, postgres)
	}
}

func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	raw := storetest.Postgres(t)
	s := openTestStore(t, raw)
	if s.dialect != dialectPostgres || s.stmts != nil {
		t.Fatalf("dialect %v, statement cache %v: want PostgreSQL and pgx's own cache", s.dialect, s.stmts)
	}
	if s.name != redactURL(raw) {
		t.Errorf("name = %q, want the redacted URL", s.name)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := s.db.QueryRowContext(t.Context(), `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if want := u.Query().Get("search_path"); schema != want {
		t.Fatalf("current_schema() = %q, want the URL's search_path %q", schema, want)
	}
}

// A write transaction holds the writer lock under its documented key, and
// may not sit idle holding it for longer than writerIdleLimit.
func TestPostgresWriteHoldsTheWriterLock(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, storetest.Postgres(t))
	ctx := t.Context()
	idleLimit := func(tx *tx) string {
		var v string
		if err := tx.queryRow(ctx, `SHOW idle_in_transaction_session_timeout`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	err := s.write(ctx, func(tx *tx) error {
		if got := idleLimit(tx); got != writerIdleLimit {
			t.Errorf("idle_in_transaction_session_timeout = %q in a write, want %q", got, writerIdleLimit)
		}
		var pid int
		if err := tx.queryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
		var held int
		// Asked on another connection: pg_locks shows every backend's locks.
		err := s.db.QueryRowContext(ctx, `
			SELECT COUNT(*) FROM pg_locks
			WHERE locktype = 'advisory' AND granted AND pid = $1
				AND (classid::bigint << 32) + objid::bigint = $2`, pid, writerLockKey).Scan(&held)
		if err != nil {
			return err
		}
		if held != 1 {
			t.Errorf("backend %d holds %d writer locks, want 1", pid, held)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Two stores on one database, as two bots: a write of the second waits for
// the first's transaction to end, as it would for SQLite's write lock.
func TestPostgresWritersOfTwoStoresTakeTurns(t *testing.T) {
	t.Parallel()
	raw := storetest.Postgres(t)
	first, second := openTestStore(t, raw), openTestStore(t, raw)
	if _, err := first.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// One connection, so the second store's write runs on the backend
	// whose pid is known here.
	second.db.SetMaxOpenConns(1)
	var waiter int
	if err := second.db.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&waiter); err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- first.write(ctx, func(tx *tx) error {
			close(inside)
			<-release
			_, err := upsertUser(ctx, tx, "100", "first")
			return err
		})
	}()
	<-inside
	secondDone := make(chan error, 1)
	go func() {
		_, err := second.UpsertUser(ctx, "100", "second")
		secondDone <- err
	}()
	for waiting := false; !waiting; {
		err := first.db.QueryRowContext(ctx, `
			SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = $1)`,
			waiter).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-secondDone:
			t.Fatalf("the second store wrote (%v) while the first held the writer lock", err)
		default:
		}
	}
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if err := <-secondDone; err != nil {
		t.Fatal(err)
	}
	if u, err := first.User(ctx, "100"); err != nil || u.Name != "second" {
		t.Fatalf("user = %+v, %v; want the second write last", u, err)
	}
}
