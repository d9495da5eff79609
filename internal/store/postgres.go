package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// writerLockKey is the PostgreSQL advisory lock every write transaction
// takes (pg_advisory_xact_lock) before anything else: the bytes of
// "dsbwrite" read as a big-endian int64. Advisory locks belong to a
// database, so bots sharing one database share this lock; an operator can
// see who holds it in pg_locks (locktype 'advisory', classid 1685283447,
// objid 1919513701: the key's high and low 32 bits).
const writerLockKey int64 = 0x6473627772697465

// writerIdleLimit bounds how long a write transaction may sit idle between
// its statements before the server ends the session, releasing the writer
// lock. Our transactions never wait between statements on anything but Go
// code; a bot cut off from the server mid-transaction would otherwise hold
// the lock, and stall every other bot's writes (a standby's takeover of the
// lease among them), until the server noticed the connection was dead,
// which TCP may take hours to tell it.
const writerIdleLimit = "5s"

// lockWriters takes the writer lock for the rest of the transaction. It is
// released by COMMIT or ROLLBACK, by the end of the session (a crashed bot)
// or by writerIdleLimit (a bot the network lost). One round trip: without
// arguments pgx sends both statements as one simple query.
func lockWriters(ctx context.Context, sqlTx *sql.Tx) error {
	q := fmt.Sprintf("SET LOCAL idle_in_transaction_session_timeout = '%s'; SELECT pg_advisory_xact_lock(%d)",
		writerIdleLimit, writerLockKey)
	if _, err := sqlTx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("take the writer lock: %w", err)
	}
	return nil
}

func isPostgresURL(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// openPostgres opens a pool to the server url names. Statements are not
// cached here: pgx prepares each query once per connection by itself.
func (s *Store) openPostgres(url string) error {
	s.dialect, s.name = dialectPostgres, redactURL(url)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("open database %s: %w", s.name, err)
	}
	db := stdlib.OpenDB(*cfg)
	// Writers take turns anyway (see write); a few connections serve the
	// readers, and idle ones stay so their prepared statements do.
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	s.db = db
	return nil
}

// redactURL returns a database URL fit for errors and logs: its password,
// in the user info or as a password or sslpassword parameter, becomes ***.
// A URL that does not parse keeps only its scheme, as where its password
// is cannot be told.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, _ := strings.Cut(raw, ":")
		return scheme + "://***"
	}
	const mask = "***"
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), mask)
	}
	q := u.Query()
	masked := false
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, mask)
			masked = true
		}
	}
	if masked {
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A", mask)
}
