package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statement cache; queries built from filters
// (IN lists, LIMIT) past it run unprepared.
const maxCachedStmts = 256

// stmtCache keeps one prepared statement per query text, for SQLite. A
// database of one connection (":memory:") has none: preparing inside a
// transaction would wait for the connection the transaction holds.
// PostgreSQL has none either: pgx prepares each query once per connection
// by itself. SQLite parses and
// plans a statement in about the time it takes to run a small one, and
// the queue runs the same few statements for every job; database/sql keeps
// each prepared on every pooled connection that used it.
type stmtCache struct {
	db *sql.DB

	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	closed bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// get returns the statement for query, preparing it on first use; nil when
// it cannot be prepared, the cache is full, or there is no cache.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := c.closed || len(c.stmts) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return st
	}
	// Prepared outside the lock: it may wait for a pooled connection.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok || c.closed {
		_ = st.Close()
		return prev
	}
	c.stmts[query] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, st := range c.stmts {
		_ = st.Close()
		delete(c.stmts, q)
	}
}
