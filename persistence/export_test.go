package persistence

import "github.com/uptrace/bun"

// Bun returns the underlying bun database, for the tests' own queries. Writes through it
// bypass the DB's write queue and invariants.
func (db *DB) Bun() *bun.DB { return db.bun }
