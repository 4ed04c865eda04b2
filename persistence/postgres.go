package persistence

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver: see docs/postgres-driver.md
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// IsPostgresURL reports whether a --db value names a Postgres database rather than a SQLite
// file.
func IsPostgresURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// DefaultPoolSize is how many connections a node opens to Postgres at most when
// Options.PoolSize is zero: a board holding its row for a change keeps one, readers share
// the rest. See docs/scaling.md.
const DefaultPoolSize = 32

// openPostgres opens the Postgres database at url (postgres://user:pass@host:port/db),
// brings its schema up to date and starts announcing this node's commits. Several nodes
// open the same database: each board's row serializes their writes to it (see Hold).
func openPostgres(ctx context.Context, url string, opts Options) (*DB, error) {
	sqldb, err := sql.Open(cmp.Or(opts.PostgresDriver, "pgx"), url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pool := opts.PoolSize
	if pool <= 0 {
		pool = DefaultPoolSize
	}
	sqldb.SetMaxOpenConns(pool)
	sqldb.SetMaxIdleConns(pool)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)

	from, to, err := migrate(ctx, sqldb, postgresVersion)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open database %s: %w", Redact(url), err), sqldb.Close())
	}
	db := &DB{
		holds:  make(chan struct{}, holdsFor(pool)),
		bun:    bun.NewDB(sqldb, pgdialect.New()),
		pg:     true,
		url:    url,
		opts:   opts,
		log:    opts.Logger,
		hasher: newHasher(opts.HashParams),
	}
	db.notes = startNotifier(db)
	db.room = startRoomPublisher(db)
	db.listener = listener{db: db, watchers: map[uint64]watcher{}}
	db.log.Info().Str("db", Redact(url)).Int("schema_from", from).Int("schema", to).Int("pool", pool).
		Msg("database open")
	return db, nil
}

// holdsFor is how many of pool's connections boards may hold their row with at once. The
// rest stay for reads, the ones a holding board makes among them (the first answer of a
// mutation id, a user to add): were every connection held, such a read would wait for a
// connection that no holder gives back before its own read.
func holdsFor(pool int) int { return max(1, pool-max(1, pool/4)) }

// Redact hides the password of a database URL, for logs and errors.
func Redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":***@" + host
	}
	return url
}

// pgWrite runs fn in a transaction of the pool and commits it, or rolls it back if fn fails.
func (db *DB) pgWrite(ctx context.Context, fn func(tx bun.Tx) error) error {
	tx, err := db.bun.BeginTx(ctx, nil)
	return finishTx(tx, err, fn)
}

// pgRead runs fn in a read-only repeatable-read transaction: one snapshot for all its queries.
func (db *DB) pgRead(ctx context.Context, fn func(q bun.IDB) error) error {
	tx, err := db.bun.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}
