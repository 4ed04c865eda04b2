package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// maxGroup bounds how many changes one group commit applies.
const maxGroup = 256

// commitQueue holds the changes waiting for the write lock. Whoever gets the lock commits
// every change waiting at that moment in one transaction ("group commit") and hands each
// caller its result. The group is first applied as a whole; only if a change fails is it
// applied again with each caller's changes inside a savepoint of their own, so that the
// failing change is undone alone (see commitGroup).
// Boards committing at the same time then share one WAL commit and one lock hand-over, and
// no goroutine runs in the background.
//
// Every queued change has its caller waiting in groupCommit, competing for the lock, so
// every change is eventually taken.
type commitQueue struct {
	mu      sync.Mutex
	waiting []*pendingCommit
}

type pendingCommit struct {
	changes []messages.Change // applied in order, all or none
	now     time.Time
	done    chan error // receives the result once; buffered
}

func (q *commitQueue) push(p *pendingCommit) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waiting = append(q.waiting, p)
}

// take removes and returns up to n of the oldest waiting changes.
func (q *commitQueue) take(n int) []*pendingCommit {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.waiting))
	batch := slices.Clone(q.waiting[:n])
	q.waiting = slices.Delete(q.waiting, 0, n)
	return batch
}

// remove takes p out of the queue and reports whether it was still there.
func (q *commitQueue) remove(p *pendingCommit) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.Index(q.waiting, p)
	if i < 0 {
		return false
	}
	q.waiting = slices.Delete(q.waiting, i, i+1)
	return true
}

// groupCommit queues c and waits until it is committed or has failed, committing a group of
// waiting changes (its own or others') whenever it gets the write lock. When ctx ends before
// a group took c, c is dropped and ctx's error returned; once taken, its result is awaited.
func (db *DB) groupCommit(ctx context.Context, cs []messages.Change, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := &pendingCommit{changes: cs, now: now, done: make(chan error, 1)}
	db.commits.push(p)
	for {
		select {
		case err := <-p.done:
			return err
		case db.writeLock <- struct{}{}:
			// The group runs to its end even if this caller gives up: it carries other
			// callers' changes. Without a cancellable context the driver also runs each
			// statement on the calling goroutine instead of a new one.
			func() {
				defer func() { <-db.writeLock }()
				db.commitGroup(context.WithoutCancel(ctx), db.commits.take(maxGroup))
			}()
		case <-ctx.Done():
			if db.commits.remove(p) {
				return ctx.Err()
			}
			return <-p.done
		}
	}
}

// commitGroup applies batch in one transaction and delivers every result, even if it
// panics: its callers wait for them. The caller holds the write lock.
func (db *DB) commitGroup(ctx context.Context, batch []*pendingCommit) {
	if len(batch) == 0 {
		return
	}
	results := make([]error, len(batch))
	defer func() {
		if r := recover(); r != nil {
			db.log.Error().Interface("panic", r).Bytes("stack", debug.Stack()).Msg("commit group panicked")
			err := fmt.Errorf("commit group panicked: %v", r)
			for i := range results {
				results[i] = err
			}
		}
		// Whatever happened, a list, task or board these changes delete may be gone: the
		// callers must not be answered before the cached owners are forgotten.
		for _, p := range batch {
			db.owners.forgetEnded(p.changes)
		}
		for _, err := range results {
			db.noteWrite(err)
		}
		for i, p := range batch {
			p.done <- results[i]
		}
	}()
	if len(batch) == 1 || !db.applyGroup(ctx, batch) {
		db.applyIsolated(ctx, batch, results)
	}
}

// applyGroup applies every caller's changes of batch in one transaction without savepoints
// and commits it: the happy path, where no change fails. It reports false, with nothing
// applied, if any statement failed; the callers then need a transaction that isolates them.
func (db *DB) applyGroup(ctx context.Context, batch []*pendingCommit) (committed bool) {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return false
	}
	defer func() {
		if !committed {
			if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
				db.log.Warn().Err(err).Msg("rollback of a failed commit group")
			}
		}
	}()
	for i, p := range batch {
		if err := applyChanges(ctx, db.raw(tx.Tx), p.changes, p.now); err != nil {
			db.log.Debug().Err(err).Int("caller", i).Int("group", len(batch)).
				Msg("a change of a commit group failed; applying each caller apart")
			return false
		}
	}
	// The driver rolls back a COMMIT that fails: the isolated path tries again and reports.
	return tx.Commit() == nil
}

// applyIsolated applies batch in one transaction, each caller's changes inside a savepoint
// of their own (a single caller's in the transaction alone), so that a failing change is
// undone alone and its error goes to its caller only. It fills results.
func (db *DB) applyIsolated(ctx context.Context, batch []*pendingCommit, results []error) {
	fail := func(err error) {
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	}
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	applied := 0
	for i, p := range batch {
		if len(batch) == 1 { // alone: the transaction is its savepoint
			results[i] = applyChanges(ctx, db.raw(tx.Tx), p.changes, p.now)
		} else if results[i], err = db.applyInSavepoint(ctx, tx, p); err != nil {
			_ = tx.Rollback()
			fail(err)
			return
		}
		if results[i] == nil {
			applied++
		}
	}
	if applied == 0 {
		if err := tx.Rollback(); err != nil {
			db.log.Warn().Err(err).Msg("rollback of a failed commit group")
		}
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

// applyInSavepoint applies one caller's changes of a group, undoing them alone if they fail. The second
// result is an error that spoils the whole transaction.
func (db *DB) applyInSavepoint(ctx context.Context, tx bun.Tx, p *pendingCommit) (changeErr, txErr error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT sp_change"); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	changeErr = applyChanges(ctx, db.raw(tx.Tx), p.changes, p.now)
	if changeErr != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO sp_change"); err != nil {
			return changeErr, fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE sp_change"); err != nil {
		return changeErr, fmt.Errorf("release savepoint: %w", err)
	}
	return changeErr, nil
}
