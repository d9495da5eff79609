package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
)

// Scratch is a schema of its own in a PostgreSQL database, for a run that
// must start empty and leave nothing behind (bench, tests).
type Scratch struct {
	URL    string // the database URL with search_path set to the schema
	Schema string
	admin  *sql.DB
}

// NewScratch creates a schema named prefix plus a random suffix in the
// database dbURL names and returns its URL; Drop removes it.
func NewScratch(ctx context.Context, dbURL, prefix string) (*Scratch, error) {
	if !isPostgresURL(dbURL) {
		return nil, fmt.Errorf("scratch schema: %s is not a postgres:// URL", redactURL(dbURL))
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("scratch schema in %s: %w", redactURL(dbURL), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	schema := prefix + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, fmt.Errorf("scratch schema in %s: %w", redactURL(dbURL), err)
	}
	// The name is ours: a prefix of the caller's and hex digits.
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+pgIdent(schema)); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("create schema %s in %s: %w", schema, redactURL(dbURL), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return &Scratch{URL: u.String(), Schema: schema, admin: admin}, nil
}

// Drop removes the schema and everything in it.
func (s *Scratch) Drop(ctx context.Context) error {
	defer s.admin.Close()
	if _, err := s.admin.ExecContext(ctx, `DROP SCHEMA `+pgIdent(s.Schema)+` CASCADE`); err != nil {
		return fmt.Errorf("drop schema %s: %w", s.Schema, err)
	}
	return nil
}

// pgIdent quotes a PostgreSQL identifier.
func pgIdent(name string) string {
	out := []byte{'"'}
	for i := 0; i < len(name); i++ {
		if name[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, name[i])
	}
	return string(append(out, '"'))
}
