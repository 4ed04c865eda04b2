package persistence

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migration files of a dialect ("sqlite", "postgres") in
// order. File i (from 0) must be named "%04d_name.sql" with number i+1: that number is the
// schema version it produces. Each version exists for both dialects.
func migrations(dialect string) ([]string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/"+dialect+"/*.sql") // sorted
	if err != nil {
		return nil, err
	}
	for i, name := range names {
		num, _, _ := strings.Cut(path.Base(name), "_")
		if n, err := strconv.Atoi(num); err != nil || n != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", name, i+1)
		}
	}
	return names, nil
}

// schemaVersion reads and writes where a dialect records its schema version, inside the
// migration's transaction.
type schemaVersion struct {
	dialect string
	// prepare runs first in the transaction: it takes the lock that makes concurrent
	// migrators wait for each other and creates what the version is kept in.
	prepare string
	get     string
	set     func(v int) string
}

// SQLite keeps the version in the file header (PRAGMA user_version); the migration's
// immediate transaction holds the write lock.
var sqliteVersion = schemaVersion{
	dialect: "sqlite",
	get:     "PRAGMA user_version",
	set:     func(v int) string { return "PRAGMA user_version = " + strconv.Itoa(v) }, // takes no parameters
}

// Postgres keeps it in a one-row table. Nodes starting together wait for each other on a
// transaction-scoped advisory lock; the DDL commits or rolls back with the version.
var postgresVersion = schemaVersion{
	dialect: "postgres",
	prepare: `SELECT pg_advisory_xact_lock(7216354290);
		CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
		INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)`,
	get: "SELECT version FROM schema_version",
	set: func(v int) string { return "UPDATE schema_version SET version = " + strconv.Itoa(v) },
}

// migrate brings the schema from its version to the newest, and returns both versions. All
// pending migrations run in one transaction together with the new version: a crash leaves
// the schema before or after them, never half-way, and a second process migrating the same
// database waits, then finds nothing to do. (bun/migrate records an applied migration outside
// the migration's own transaction and leaves a lock row behind when a process dies
// meanwhile, hence this small migrator.)
func migrate(ctx context.Context, sqldb *sql.DB, v schemaVersion) (from, to int, err error) {
	names, err := migrations(v.dialect)
	if err != nil {
		return 0, 0, err
	}
	tx, err := sqldb.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // no-op once committed

	if v.prepare != "" {
		if _, err := tx.ExecContext(ctx, v.prepare); err != nil {
			return 0, 0, fmt.Errorf("migrate: prepare: %w", err)
		}
	}
	if err := tx.QueryRowContext(ctx, v.get).Scan(&from); err != nil {
		return 0, 0, fmt.Errorf("migrate: read schema version: %w", err)
	}
	to = len(names)
	switch {
	case from > to:
		return from, from, fmt.Errorf("migrate: schema version %d is newer than this program's %d", from, to)
	case from == to:
		return from, to, nil
	}
	for _, name := range names[from:] {
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return from, from, fmt.Errorf("migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return from, from, fmt.Errorf("migrate: %s: %w", path.Base(name), err)
		}
	}
	if _, err := tx.ExecContext(ctx, v.set(to)); err != nil {
		return from, from, fmt.Errorf("migrate: set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return from, from, fmt.Errorf("migrate: commit: %w", err)
	}
	return from, to, nil
}
