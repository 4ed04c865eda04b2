package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// The raw statements of the write path (commit.go) are written once, with SQLite's ?
// placeholders, and bound by the driver, so that each connection prepares a statement text
// once. On Postgres they run with $1, $2... instead: rawTx rewrites them.

// rawTx runs raw statements on a transaction in the form its dialect reads: at once, or,
// with p set, queued for one round trip (pipeline.go), where a statement's error is known
// only when the batch is sent. The write path (commit.go) runs every statement through run
// or runN, which work either way.
type rawTx struct {
	tx *sql.Tx
	pg bool
	p  *pipeline
}

// run runs a statement that may change any number of rows; what names it in its error.
func (t rawTx) run(ctx context.Context, what, query string, args ...any) error {
	return t.runWith(ctx, failed(what), query, args...)
}

// runWith runs a statement whose error wrap reads.
func (t rawTx) runWith(ctx context.Context, wrap func(error) error, query string, args ...any) error {
	if t.p != nil {
		t.p.queue(wrap, query, args...)
		return nil
	}
	if _, err := t.ExecContext(ctx, query, args...); err != nil {
		return wrap(err)
	}
	return nil
}

// runN runs a statement that must change exactly n rows, else its error is miss.
func (t rawTx) runN(ctx context.Context, n int, what string, miss error, query string, args ...any) error {
	if t.p != nil {
		t.p.queue(counted(what, miss), exactly(n, query), args...)
		return nil
	}
	res, err := t.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if changed, err := res.RowsAffected(); err != nil || changed != int64(n) {
		return errors.Join(miss, err)
	}
	return nil
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
