package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// Several nodes write one Postgres database; each keeps a board actor per board, whose state
// is a cache of the board's rows. A board takes its row's lock before it plans a change
// (Hold): it first applies the events other nodes committed since its state was read, then
// plans against the current state, then commits its change and its event in the same
// transaction (Held.Commit), and the row's seq moves on. SQLite has one writer, the board
// itself: there is nothing to lock and nothing to catch up on.

// ErrBehind is returned by Hold and Missed when the events a board missed are no longer all
// kept (pruned, or too many to replay): the board must reload its state.
var ErrBehind = messages.ErrBehind

// maxMissed bounds the events Hold and Missed replay; past it a reload is cheaper.
const maxMissed = 10000

// holdTimeout bounds how long a board may hold its row: past it the transaction is rolled
// back, whatever its holder does.
const holdTimeout = 30 * time.Second

// Held is a board's row, locked for one change by Hold until Commit or Release.
type Held struct {
	db      *DB
	tx      *sql.Tx
	cancel  context.CancelFunc
	boardID string
}

// Hold locks the board's row for a change planned on the board's state at seq and returns
// the events other nodes committed after seq, oldest first, which the board applies before
// it plans. On SQLite it returns a nil Hold and no events: one server writes the file, and
// Commit is how the board writes. A missing board is messages.NotFound("board"); a board
// whose missed events are gone is ErrBehind.
func (db *DB) Hold(ctx context.Context, boardID string, seq int64) (_ messages.Hold, _ []messages.Encoded, err error) {
	defer classify(&err)
	if !db.pg {
		return nil, nil, nil
	}
	select {
	case db.holds <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("hold board %s: %w", boardID, ctx.Err())
	}
	// The transaction outlives this call: it has a context of its own, ended by Commit or
	// Release (or holdTimeout). ctx bounds the wait for the lock.
	txCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), holdTimeout)
	cancel := func() { stop(); <-db.holds }
	tx, err := db.bun.DB.BeginTx(txCtx, nil)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("hold board %s: begin: %w", boardID, err)
	}
	h := &Held{db: db, tx: tx, cancel: sync.OnceFunc(cancel), boardID: boardID}
	raw := db.raw(tx)
	var current int64
	err = raw.QueryRowContext(ctx, "SELECT seq FROM boards WHERE id = ? FOR UPDATE", boardID).Scan(&current)
	if err == nil && current > seq {
		var missed []messages.Encoded
		if missed, err = db.missed(ctx, raw, boardID, seq); err == nil {
			return h, missed, nil
		}
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = messages.NotFound("board")
	case err == nil && current < seq:
		err = fmt.Errorf("board %s is at seq %d in the database, %d in memory", boardID, current, seq)
	case err == nil:
		return h, nil, nil
	}
	h.Release()
	return nil, nil, fmt.Errorf("hold board %s: %w", boardID, err)
}

// Commit applies changes in the held transaction, commits it and announces the board's new
// seq to the other nodes. On error nothing is applied and the row is released.
func (h *Held) Commit(ctx context.Context, changes ...messages.Change) (err error) {
	defer classify(&err)
	defer h.cancel()
	if len(changes) == 0 {
		return h.tx.Rollback()
	}
	last := changes[len(changes)-1]
	err = h.db.commitTx(ctx, h.tx, changes)
	if err != nil {
		return fmt.Errorf("commit board %s seq %d+%d: %w", h.boardID, changes[0].Event.Seq, len(changes)-1, err)
	}
	h.db.notes.note(h.boardID, last.Event.Seq)
	return nil
}

// Release gives up the held row without a change.
func (h *Held) Release() {
	_ = h.tx.Rollback()
	h.cancel()
}

// commitTx applies changes in tx and commits it, or rolls it back. The caller owns tx.
func (db *DB) commitTx(ctx context.Context, tx *sql.Tx, changes []messages.Change) error {
	for _, c := range changes {
		if err := checkChange(c); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	err := applyChanges(ctx, db.raw(tx), changes, db.now())
	if err == nil {
		err = tx.Commit()
	} else {
		_ = tx.Rollback()
	}
	db.owners.forgetEnded(changes)
	db.noteWrite(err)
	return err
}

// pgCommit is Commit on Postgres: changes in a transaction of their own, guarded by the
// board's seq like every commit (a board that did not Hold its row learns of a concurrent
// writer by ErrSeqConflict).
func (db *DB) pgCommit(ctx context.Context, changes []messages.Change) error {
	tx, err := db.bun.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := db.commitTx(ctx, tx, changes); err != nil {
		return err
	}
	last := changes[len(changes)-1]
	db.notes.note(last.BoardID, last.Event.Seq)
	return nil
}

// Missed returns the events of a board committed after seq, oldest first, when other nodes
// write it too; on SQLite, whose only writer is the board itself, none, without a query. A
// board whose missed events are gone is ErrBehind. It is one query, whose answer is empty
// when the board is up to date.
func (db *DB) Missed(ctx context.Context, boardID string, seq int64) (_ []messages.Encoded, err error) {
	defer classify(&err)
	if !db.pg || !messages.ValidID(boardID) {
		return nil, nil
	}
	missed, err := db.missed(ctx, rawDB{db.bun.DB, true}, boardID, seq)
	if err != nil {
		return nil, fmt.Errorf("missed events of board %s: %w", boardID, err)
	}
	return missed, nil
}

type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// missed reads the events after seq. They must all be kept, and be fewer than maxMissed. A
// commit is visible only after every commit before it on the board (each held the board's
// row in turn), so what is read has no gap unless events were pruned.
func (db *DB) missed(ctx context.Context, q rowsQuerier, boardID string, seq int64) ([]messages.Encoded, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, type, payload, request_id FROM events
		WHERE board_id = ? AND seq > ? ORDER BY seq LIMIT ?`, boardID, seq, maxMissed+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []messages.Encoded
	for rows.Next() {
		var r eventRow
		if err := rows.Scan(&r.Seq, &r.Type, &r.Payload, &r.RequestID); err != nil {
			return nil, err
		}
		if r.Seq != seq+int64(len(out))+1 || len(out) == maxMissed {
			return nil, ErrBehind
		}
		out = append(out, r.encoded())
	}
	return out, rows.Err()
}
