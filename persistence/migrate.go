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

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migration files in order. File i (from 0) must be named
// "%04d_name.sql" with number i+1: that number is the schema version it produces.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql") // sorted
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

// migrate brings the schema from its version (PRAGMA user_version) to the newest, and
// returns both versions. All pending migrations run in one immediate transaction together
// with the new user_version: a crash leaves the schema before or after them, never half-way,
// and a second process opening the same file waits, then finds nothing to do. (bun/migrate
// records an applied migration outside the migration's own transaction and leaves a lock row
// behind when a process dies meanwhile, hence this small migrator.)
func migrate(ctx context.Context, sqldb *sql.DB) (from, to int, err error) {
	names, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	tx, err := sqldb.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // no-op once committed

	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&from); err != nil {
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
	// PRAGMA takes no parameters; to is a number we computed.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(to)); err != nil {
		return from, from, fmt.Errorf("migrate: set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return from, from, fmt.Errorf("migrate: commit: %w", err)
	}
	return from, to, nil
}
