package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Prune deletes what has outlived its use: idempotency records older than keep (a client
// retries within minutes; a day is generous) and expired sessions. It reports how many rows
// went. The program calls it periodically.
func (db *DB) Prune(ctx context.Context, keep time.Duration) (int64, error) {
	now := db.now()
	var n int64
	err := db.write(ctx, func(tx bun.Tx) error {
		for _, q := range []struct {
			sql  string
			arg  int64
			what string
		}{
			{"DELETE FROM idempotency_keys WHERE created_at < ?", millis(now.Add(-keep)), "idempotency records"},
			{"DELETE FROM sessions WHERE expires_at <= ?", millis(now), "sessions"},
			// Nodes read the log within seconds; a day is generous.
			{"DELETE FROM revocations WHERE created_at < ?", millis(now.Add(-keep)), "revocations"},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.arg)
			if err != nil {
				return fmt.Errorf("prune %s: %w", q.what, err)
			}
			deleted, _ := res.RowsAffected()
			n += deleted
		}
		return nil
	})
	if err == nil {
		err = db.finishLogouts(ctx)
	}
	return n, err
}

// finishLogouts deletes the rows of the logouts that could not be written when they happened.
func (db *DB) finishLogouts(ctx context.Context) error {
	for hash, table := range db.loggedOut.all() {
		err := db.write(ctx, func(tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE token_hash = ?", hash)
			return err
		})
		if err != nil {
			return fmt.Errorf("finish logout: %w", err)
		}
		db.loggedOut.done(hash)
	}
	return nil
}
