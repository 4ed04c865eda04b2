package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// Every way a credential ends (logout, a revoked API token, a password change) records a
// revocation in the same transaction. A node caches principals and holds connections opened
// with them: on a database that several nodes share, each reads the revocations the others
// record, forgets its cache and ends those connections, within a second (revokedChannel
// wakes it sooner). One node alone ends its own at once and never reads the log.

// revokedChannel is the NOTIFY channel that wakes the nodes after a revocation commits.
const revokedChannel = "taskboard_revoked"

// recordRevocation appends r to the log in tx.
func (db *DB) recordRevocation(ctx context.Context, tx bun.Tx, r messages.Revocation) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO revocations (credential_id, user_id, keep_id, created_at) VALUES (?, ?, ?, ?)",
		r.CredentialID, r.UserID, r.Keep, millis(db.now()))
	if err != nil {
		return fmt.Errorf("record revocation: %w", err)
	}
	return nil
}

// revoked forgets the cached principals after a revocation committed, and wakes the other
// nodes.
func (db *DB) revoked() {
	db.sessions.forget()
	if db.pg && !db.opts.NoNotify {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := db.bun.DB.ExecContext(ctx, "SELECT pg_notify('"+revokedChannel+"', '')"); err != nil {
			db.log.Warn().Err(err).Msg("announce revocation") // the others find it within a second
		}
	}
}

// WatchRevocations calls ended for each revocation another node records from now on (this
// node's own too), after forgetting the cached principals, until ctx ends. It reads the log
// when woken by a notification and every poll; on SQLite it returns at once.
func (db *DB) WatchRevocations(ctx context.Context, poll time.Duration, ended func(messages.Revocation)) {
	if !db.pg {
		return
	}
	var last int64 = -1 // unknown until the first read
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go db.listenTo(ctx, revokedChannel, signal, func(string) { signal() })
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		var err error
		if last, err = db.readRevocations(ctx, last, ended); err != nil && ctx.Err() == nil {
			db.log.Warn().Err(err).Msg("read revocations")
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
	}
}

// readRevocations passes on the revocations after seq last and returns the newest seq; a
// first read (last < 0) only finds where the log ends.
func (db *DB) readRevocations(ctx context.Context, last int64, ended func(messages.Revocation)) (int64, error) {
	q := rawDB{db.bun.DB, true}
	if last < 0 {
		if err := q.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM revocations").Scan(&last); err != nil {
			return -1, err
		}
		return last, nil
	}
	rows, err := q.QueryContext(ctx,
		"SELECT seq, credential_id, user_id, keep_id FROM revocations WHERE seq > ? ORDER BY seq", last)
	if err != nil {
		return last, err
	}
	defer rows.Close()
	var found []messages.Revocation
	for rows.Next() {
		var r messages.Revocation
		if err := rows.Scan(&last, &r.CredentialID, &r.UserID, &r.Keep); err != nil {
			return last, err
		}
		found = append(found, r)
	}
	if len(found) > 0 {
		db.sessions.forget()
	}
	for _, r := range found {
		ended(r)
	}
	return last, rows.Err()
}

// credentialOf returns the id of the API token with hash, or "" when there is none.
func credentialOf(ctx context.Context, tx bun.Tx, hash string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, "SELECT id FROM api_tokens WHERE token_hash = ?", hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
