package persistence

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// The raw statements of the write path (commit.go) are written once, with SQLite's ?
// placeholders, and bound by the driver, so that each connection prepares a statement text
// once. On Postgres they run with $1, $2... instead: rawTx rewrites them.

// rawTx runs raw statements on a transaction in the form its dialect reads.
type rawTx struct {
	tx *sql.Tx
	pg bool
}

// ExecContext runs query, written with ? placeholders.
func (t rawTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.sql(query), args...)
}

// QueryRowContext runs query, written with ? placeholders.
func (t rawTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.sql(query), args...)
}

func (t rawTx) sql(query string) string {
	if t.pg {
		return numbered(query)
	}
	return query
}

// rawDB is rawTx's counterpart outside a transaction.
type rawDB struct {
	db *sql.DB
	pg bool
}

func (d rawDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if d.pg {
		query = numbered(query)
	}
	return d.db.QueryRowContext(ctx, query, args...)
}

// numberedCache holds the rewritten form of each statement text: there are a few hundred at
// most (the batch statements come in maxBatch sizes).
var numberedCache sync.Map

// numbered rewrites the ? placeholders of query as $1, $2...: Postgres's form. A ? inside a
// quoted string or identifier is left alone.
func numbered(query string) string {
	if s, ok := numberedCache.Load(query); ok {
		return s.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	numberedCache.Store(query, s)
	return s
}

// raw wraps tx for the raw statements.
func (db *DB) raw(tx *sql.Tx) rawTx { return rawTx{tx: tx, pg: db.pg} }

// QueryContext runs query, written with ? placeholders.
func (t rawTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.sql(query), args...)
}

// QueryContext runs query, written with ? placeholders.
func (d rawDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if d.pg {
		query = numbered(query)
	}
	return d.db.QueryContext(ctx, query, args...)
}
