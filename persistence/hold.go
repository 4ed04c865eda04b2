package persistence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

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
//
// Through pgx (the driver Open uses) the transaction is sent in two batches on conn (see
// pipeline.go); through another database/sql driver it is tx, statement by statement.
type Held struct {
	db      *DB
	boardID string
	conn    *sql.Conn
	mu      sync.Mutex // Commit, Release and the end of holdTimeout take turns
	tx      *sql.Tx    // nil when the transaction is pgx's batches
	timer   *time.Timer
	done    bool
}

// errNotPgx says a connection is not pgx's: its holds run statement by statement.
var errNotPgx = errors.New("not a pgx connection")

// errHoldEnded is Commit's error once the hold has ended: released, or rolled back after
// holdTimeout. Nothing was committed.
var errHoldEnded = fmt.Errorf("the board's row is no longer held (released, or held past %v): %w",
	holdTimeout, context.DeadlineExceeded)

// Hold locks the board's row for a change planned on the board's state at seq and returns
// the events other nodes committed after seq, oldest first, which the board applies before
// it plans. On SQLite it returns a nil Hold and no events: one server writes the file, and
// Commit is how the board writes. A missing board is messages.NotFound("board"); a board
// whose missed events are gone is ErrBehind. ctx bounds the wait for the lock; the hold
// lasts until Commit or Release, or holdTimeout.
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
	conn, err := db.bun.DB.Conn(ctx)
	if err != nil {
		<-db.holds
		return nil, nil, fmt.Errorf("hold board %s: %w", boardID, err)
	}
	h := &Held{db: db, boardID: boardID, conn: conn}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.timer = time.AfterFunc(holdTimeout, h.Release)
	var current int64
	var missed []messages.Encoded
	err = h.raw(func(c *pgx.Conn) error {
		current, missed, err = lockBatch(ctx, c, boardID, seq)
		return err
	})
	if errors.Is(err, errNotPgx) {
		current, missed, err = h.lockTx(ctx, seq)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows):
		err = messages.NotFound("board")
	case err == nil && current < seq:
		err = fmt.Errorf("board %s is at seq %d in the database, %d in memory", boardID, current, seq)
	case err == nil:
		return h, missed, nil
	}
	h.end()
	return nil, nil, fmt.Errorf("hold board %s: %w", boardID, err)
}

const (
	lockSQL   = "SELECT seq FROM boards WHERE id = ? FOR UPDATE"
	missedSQL = `SELECT seq, type, payload, request_id FROM events
		WHERE board_id = ? AND seq > ? ORDER BY seq LIMIT ?`
)

// lockBatch begins the transaction, locks the board's row and reads the events after seq,
// in one round trip. The events are read whether or not the board is behind: when it is
// not, there are none.
func lockBatch(ctx context.Context, c *pgx.Conn, boardID string, seq int64) (current int64, missed []messages.Encoded, err error) {
	var b pgx.Batch
	b.Queue("BEGIN")
	b.Queue(numbered(lockSQL), boardID)
	b.Queue(numbered(missedSQL), boardID, seq, maxMissed+1)
	br := c.SendBatch(ctx, &b)
	defer func() {
		if closeErr := br.Close(); err == nil {
			err = closeErr
		}
	}()
	if _, err = br.Exec(); err != nil {
		return 0, nil, fmt.Errorf("begin: %w", err)
	}
	if err = br.QueryRow().Scan(&current); err != nil {
		return 0, nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r eventRow
		if err := rows.Scan(&r.Seq, &r.Type, &r.Payload, &r.RequestID); err != nil {
			return 0, nil, err
		}
		if missed, err = appendMissed(missed, r, seq); err != nil {
			return 0, nil, err
		}
	}
	return current, missed, rows.Err()
}

// lockTx is lockBatch through database/sql's transaction, a statement at a time.
func (h *Held) lockTx(ctx context.Context, seq int64) (current int64, missed []messages.Encoded, err error) {
	// The transaction outlives ctx, which bounds the wait for the lock: holdTimeout or the
	// holder ends it.
	if h.tx, err = h.conn.BeginTx(context.WithoutCancel(ctx), nil); err != nil {
		return 0, nil, fmt.Errorf("begin: %w", err)
	}
	raw := h.db.raw(h.tx)
	if err = raw.QueryRowContext(ctx, lockSQL, h.boardID).Scan(&current); err == nil && current > seq {
		missed, err = h.db.missed(ctx, raw, h.boardID, seq)
	}
	return current, missed, err
}

// Commit applies changes in the held transaction, commits it and announces the board's new
// seq to the other nodes. On error nothing is applied and the row is released.
func (h *Held) Commit(ctx context.Context, changes ...messages.Change) (err error) {
	defer classify(&err)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return fmt.Errorf("commit board %s: %w", h.boardID, errHoldEnded)
	}
	defer h.end()
	if len(changes) == 0 {
		return nil
	}
	last := changes[len(changes)-1]
	announced := false
	if h.tx != nil {
		err = h.db.commitTx(ctx, h.tx, changes)
	} else {
		announced, err = h.commitBatch(ctx, changes)
	}
	if err != nil {
		return fmt.Errorf("commit board %s seq %d+%d: %w", h.boardID, changes[0].Event.Seq, len(changes)-1, err)
	}
	if !announced {
		h.db.notes.note(h.boardID, last.Event.Seq)
	}
	return nil
}

// commitBatch is commitTx in one round trip: the changes' statements, then COMMIT, then the
// announcement of the board's new seq (see announceSQL). A failed statement before COMMIT
// leaves the transaction aborted, for end to roll back; a failed announcement leaves the
// commit made and unannounced, for the caller to announce through the notifier.
func (h *Held) commitBatch(ctx context.Context, changes []messages.Change) (announced bool, err error) {
	for _, c := range changes {
		if err := checkChange(c); err != nil {
			return false, err
		}
	}
	var p pipeline
	err = applyChanges(ctx, rawTx{pg: true, p: &p}, changes, h.db.now())
	if err == nil {
		p.queue(failed("commit"), "COMMIT")
		commit := len(p.errs) - 1
		announce := !h.db.opts.NoNotify
		if announce {
			last := changes[len(changes)-1]
			p.queue(unannounced, announceSQL, announcement(h.boardID, last.Event.Seq))
		}
		err = h.raw(func(c *pgx.Conn) error {
			tags, err := p.send(ctx, c)
			if len(tags) > commit && tags[commit].String() != "COMMIT" {
				return fmt.Errorf("commit: %w", pgx.ErrTxCommitRollback)
			}
			return err
		})
		if errors.Is(err, errUnannounced) {
			h.db.log.Warn().Err(err).Str("board", h.boardID).Msg("announce a commit in its batch")
			err = nil
		} else {
			announced = announce && err == nil
		}
	}
	h.db.owners.forgetEnded(changes)
	h.db.noteWrite(err)
	return announced, err
}

// Release gives up the held row without a change.
func (h *Held) Release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.end()
}

// end rolls back what is left of the transaction and gives the connection and the hold back,
// once. The caller holds h.mu.
func (h *Held) end() {
	if h.done {
		return
	}
	h.done = true
	h.timer.Stop()
	if h.tx != nil {
		_ = h.tx.Rollback()
	} else {
		_ = h.raw(rollback)
	}
	_ = h.conn.Close()
	<-h.db.holds
}

// rollback ends c's transaction, if one is left (a statement failed, or COMMIT was never
// sent). A connection that cannot roll back is closed: Postgres then rolls back, and
// database/sql discards it.
func rollback(c *pgx.Conn) error {
	if c.IsClosed() || c.PgConn().TxStatus() == 'I' {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, "ROLLBACK"); err != nil {
		_ = c.Close(ctx)
		return driver.ErrBadConn
	}
	return nil
}

// raw runs fn on the pgx connection under h.conn, or answers errNotPgx.
func (h *Held) raw(fn func(c *pgx.Conn) error) error {
	return h.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errNotPgx
		}
		return fn(c.Conn())
	})
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
	rows, err := q.QueryContext(ctx, missedSQL, boardID, seq, maxMissed+1)
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
		if out, err = appendMissed(out, r, seq); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// appendMissed appends r to the events missed after seq, or answers ErrBehind if one
// between is gone or there are too many to replay.
func appendMissed(out []messages.Encoded, r eventRow, seq int64) ([]messages.Encoded, error) {
	if r.Seq != seq+int64(len(out))+1 || len(out) == maxMissed {
		return nil, ErrBehind
	}
	return append(out, r.encoded()), nil
}
