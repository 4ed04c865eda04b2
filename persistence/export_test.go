package persistence

import (
	"context"

	"github.com/uptrace/bun"
)

// Bun returns the underlying bun database, for the tests' own queries. Writes through it
// bypass the DB's write queue and invariants.
func (db *DB) Bun() *bun.DB { return db.bun }

// Checkpoints returns a channel that receives after each of db's background WAL checkpoints
// from now on. A receiver that falls behind misses none that matter: a pending value stands
// for every checkpoint since it was sent.
func Checkpoints(db *DB) <-chan struct{} {
	ch := make(chan struct{}, 1)
	f := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	db.checkpoints.checkpointed.Store(&f)
	return ch
}

// SetReadOnly makes every write of db fail as on a read-only database (SQLITE_READONLY), or
// lets them succeed again: the writer connection's query_only switch.
func SetReadOnly(db *DB, on bool) error {
	v := "OFF"
	if on {
		v = "ON"
	}
	_, err := db.writer.ExecContext(context.Background(), "PRAGMA query_only = "+v)
	return err
}

// ExecWriter runs a statement on the connection every write transaction uses: for TEMP
// triggers that inject a failure at one step of a commit.
func ExecWriter(db *DB, stmt string) error {
	_, err := db.writer.ExecContext(context.Background(), stmt)
	return err
}

// URL is the address of a Postgres database, for a second node's DB.
func (db *DB) URL() string { return db.url }
