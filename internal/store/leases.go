package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/AEmotionStudio/ComfyUI-DiscordSend/bot/internal/model"
)

// Every change to a lease is one statement that compares what it expects
// (term and version, or the holder and term) and changes the row only when
// they still hold: two processes racing for a lease cannot both win, on
// SQLite or PostgreSQL alike.

// ReadLease returns the named lease; one never taken is the zero Lease with
// that name.
func (s *Store) ReadLease(ctx context.Context, name string) (model.Lease, error) {
	l := model.Lease{Name: name}
	err := s.read(ctx, func(tx *tx) error {
		var at int64
		err := tx.queryRow(ctx, `SELECT holder, term, version, renewed_at FROM leases WHERE name = ?`, name).
			Scan(&l.Holder, &l.Term, &l.Version, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read lease %s: %w", name, err)
		}
		l.RenewedAt = fromMillis(sql.NullInt64{Int64: at, Valid: true})
		return nil
	})
	return l, err
}

// TakeLease makes holder the holder of the lease, in a new term, provided
// it is still as seen (the same term and version; the zero Lease for one
// never taken). ok is false, and nothing changes, when another process
// changed it since.
func (s *Store) TakeLease(ctx context.Context, name, holder string, seen model.Lease) (l model.Lease, ok bool, err error) {
	if holder == "" {
		return model.Lease{}, false, fmt.Errorf("take lease %s: no holder named", name)
	}
	err = s.writeOne(ctx, func(tx *tx) error {
		var row *sql.Row
		if seen.Term == 0 && seen.Version == 0 {
			row = tx.queryRow(ctx, `
				INSERT INTO leases (name, holder, term, version, renewed_at) VALUES (?, ?, 1, 1, ?)
				ON CONFLICT (name) DO NOTHING
				RETURNING holder, term, version, renewed_at`,
				name, holder, tx.now.UnixMilli())
		} else {
			row = tx.queryRow(ctx, `
				UPDATE leases SET holder = ?, term = term + 1, version = version + 1, renewed_at = ?
				WHERE name = ? AND term = ? AND version = ?
				RETURNING holder, term, version, renewed_at`,
				holder, tx.now.UnixMilli(), name, seen.Term, seen.Version)
		}
		var at int64
		l.Name = name
		switch err := row.Scan(&l.Holder, &l.Term, &l.Version, &at); {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("take lease %s: %w", name, err)
		}
		l.RenewedAt = fromMillis(sql.NullInt64{Int64: at, Valid: true})
		ok = true
		return nil
	})
	if !ok {
		l = model.Lease{}
	}
	return l, ok, err
}

// RenewLease tells the standbys that holder, in term, is alive. ok is false
// when holder no longer holds the lease in that term.
func (s *Store) RenewLease(ctx context.Context, name, holder string, term int64) (ok bool, err error) {
	err = s.writeOne(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `
			UPDATE leases SET version = version + 1, renewed_at = ?
			WHERE name = ? AND holder = ? AND term = ?`,
			tx.now.UnixMilli(), name, holder, term)
		if err != nil {
			return fmt.Errorf("renew lease %s: %w", name, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("renew lease %s: %w", name, err)
		}
		ok = n > 0
		return nil
	})
	return ok, err
}

// ReleaseLease gives the lease up, so that a standby takes over without
// waiting for it to run out. It does nothing when holder no longer holds it
// in term.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, term int64) error {
	return s.writeOne(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, `
			UPDATE leases SET holder = '', version = version + 1, renewed_at = ?
			WHERE name = ? AND holder = ? AND term = ?`,
			tx.now.UnixMilli(), name, holder, term)
		if err != nil {
			return fmt.Errorf("release lease %s: %w", name, err)
		}
		return nil
	})
}
