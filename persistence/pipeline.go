package persistence

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A board holds its row from the answer to its SELECT ... FOR UPDATE until its COMMIT, and
// every node that writes the board waits that long. Sent one by one, a change's statements
// (commit.go) are a round trip each, each a switch of process on the client and on the
// server. Through pgx's batches a hold is two round trips instead: BEGIN, the lock and the
// events missed in one (Hold), the change's statements, COMMIT and the commit's announcement
// in the other (Held.Commit), whose statements are commit.go's own, queued rather than run
// (rawTx with a pipeline).
//
// A batch ends in one Sync: when a statement fails, Postgres skips the rest of the batch,
// the COMMIT with it, and the transaction is left aborted, then rolled back. But a statement
// that succeeds having changed too few rows does not fail by itself: run at once, commit.go
// counts the rows after each statement, which would be after the COMMIT here. The statements
// that must change an exact number of rows (the seq guard, the upserts that leave alone a row
// of another board) are therefore made to fail in the server when they do not: see exactly.

// pipeline is statements to send in one round trip, each with the reading of its error.
type pipeline struct {
	batch pgx.Batch
	errs  []func(error) error
}

// queue adds query, written with ? placeholders; wrap turns its error into the caller's.
func (p *pipeline) queue(wrap func(error) error, query string, args ...any) {
	p.batch.Queue(numbered(query), args...)
	p.errs = append(p.errs, wrap)
}

// send sends p in one round trip on c and reads every result: the command tags of the
// statements that succeeded, in order, and the error of the first that failed, as its wrap
// reads it.
func (p *pipeline) send(ctx context.Context, c *pgx.Conn) ([]pgconn.CommandTag, error) {
	br := c.SendBatch(ctx, &p.batch)
	tags := make([]pgconn.CommandTag, 0, len(p.errs))
	for i := range p.errs {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return tags, p.errs[i](err)
		}
		tags = append(tags, tag)
	}
	return tags, br.Close()
}

// exactly wraps a data-modifying statement so that it fails, aborting its transaction, unless
// it changed n rows: Postgres has no statement that raises an error, but a division by zero
// is one. The failure is the statement's, hence its caller's error (violated).
func exactly(n int, query string) string {
	key := strconv.Itoa(n) + "\x00" + query
	if s, ok := exactlyCache.Load(key); ok {
		return s.(string)
	}
	s := "WITH changed AS (" + query + " RETURNING 1) SELECT 1 / (count(*) = " + strconv.Itoa(n) +
		")::int FROM changed"
	exactlyCache.Store(key, s)
	return s
}

// violated reports whether err is the failure of a statement made by exactly.
func violated(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgerrcode.DivisionByZero
}

// counted is the wrap of a statement made by exactly: miss is its error when it changed too
// few rows.
func counted(what string, miss error) func(error) error {
	return func(err error) error {
		if violated(err) {
			return miss
		}
		return fmt.Errorf("%s: %w", what, err)
	}
}

// failed is the wrap of an ordinary statement.
func failed(what string) func(error) error {
	return func(err error) error { return fmt.Errorf("%s: %w", what, err) }
}

// exactlyCache holds each statement exactly made, by n and text: there are a few hundred.
var exactlyCache sync.Map
