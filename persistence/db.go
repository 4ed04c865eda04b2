package persistence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// DefaultPath is where the taskboard binary keeps its database unless told otherwise.
const DefaultPath = "./data/taskboard.db"

// DefaultSessionTTL is how long a session lasts when Options.SessionTTL is zero.
const DefaultSessionTTL = 30 * 24 * time.Hour

// Options configures a DB. Zero values take the defaults.
type Options struct {
	// Clock is the source of session times and of row times a change leaves zero
	// (default time.Now).
	Clock func() time.Time
	// Logger receives one line when the database is opened or seeded (default: discard).
	Logger zerolog.Logger
	// SessionTTL is how long a login or registration session lasts (default 30 days).
	SessionTTL time.Duration
	// HashParams are the argon2id costs of new password hashes (default DefaultHashParams()).
	HashParams HashParams
	// PoolSize bounds a Postgres database's connections (default DefaultPoolSize).
	PoolSize int
	// PostgresDriver is the database/sql driver that opens a Postgres URL (default "pgx",
	// which this package registers). Another driver is for comparing drivers (see
	// docs/postgres-driver.md): the store tells apart pgx's errors only.
	PostgresDriver string
	// NoNotify stops a Postgres node announcing its commits, so that other nodes find them
	// by polling alone: for tests of that path.
	NoNotify bool
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.HashParams == (HashParams{}) {
		o.HashParams = DefaultHashParams()
	}
	return o
}

// DB is taskboard's database: a SQLite file that one server writes, or a Postgres database
// that several nodes share (postgres.go, hold.go). It is safe for concurrent use; Close it
// once done.
type DB struct {
	bun  *bun.DB
	opts Options
	log  zerolog.Logger
	// pg is set for Postgres; url is then its address, notes announces commits, room
	// sends the rooms' messages and listener hears the other nodes' (listener.go).
	pg       bool
	url      string
	notes    *notifier
	holds    chan struct{} // a token per board holding its row (hold.go)
	room     *roomPublisher
	listener listener
	// The rest of this block is SQLite's alone.
	// writer is the connection of every write transaction: its page cache is never stale
	// because another connection wrote, and its statement cache holds the write statements
	// alone, prepared once.
	writer    bun.Conn
	writeLock chan struct{} // holds a token while a write transaction runs on writer
	commits   commitQueue
	hasher    *hasher
	lock      *os.File // held for as long as the DB is open
	sessions  principalCache
	loggedOut loggedOut
	// unwritable is set while the last write failed for want of a writable database (see
	// noteWrite): readiness then tries a write of its own.
	unwritable atomic.Bool
	owners     ownerCache
	// checkpoints copies the WAL into the database file in the background.
	checkpoints *checkpointer
}

// Open opens the database target names and brings its schema up to date: a Postgres
// database for a postgres:// or postgresql:// URL, else the SQLite file at target.
//
// A SQLite file and its parent directory are created if needed. Every pooled connection
// opens it with WAL, a 5 s busy timeout, synchronous=NORMAL, foreign keys on and immediate
// write transactions.
func Open(ctx context.Context, target string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	if err := opts.HashParams.validate(); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if IsPostgresURL(target) {
		return openPostgres(ctx, target, opts)
	}
	return openSQLite(ctx, target, opts)
}

func openSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") {
		return nil, fmt.Errorf("open database: path %q is not a file", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// The lock is on the database file itself, so a second server reaching it by another path
	// (a symlink, a hard link, a relative path) is refused too. flock and SQLite's fcntl locks
	// do not meet; the descriptor stays open until SQLite has closed the file.
	lock, err := lockFile(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	sqldb, err := sql.Open(driverName, dsn(path))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open database %s: %w", path, err), lock.Close())
	}
	// Readers run in parallel on WAL snapshots; writers are serialised by writeLock anyway,
	// on a connection of their own (see DB.writer), and the checkpointer has one too.
	conns := max(4, runtime.GOMAXPROCS(0)) + 2
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)

	if err := requireFTS5(ctx, sqldb); err != nil {
		return nil, errors.Join(fmt.Errorf("open database %s: %w", path, err), sqldb.Close(), lock.Close())
	}
	from, to, err := migrate(ctx, sqldb, sqliteVersion)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open database %s: %w", path, err), sqldb.Close(), lock.Close())
	}
	db, err := newDB(ctx, sqldb, opts)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open database %s: %w", path, err), sqldb.Close(), lock.Close())
	}
	db.lock = lock
	// A database that cannot be written is refused now, in one clear error, rather than at
	// every change and every checkpoint.
	if err := db.probeWrite(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open database %s: %w", path, err), db.Close())
	}
	db.log.Info().Str("path", path).Int("schema_from", from).Int("schema", to).Msg("database open")
	return db, nil
}

// newDB wraps sqldb, whose schema is up to date, with the connections of its writer and of
// its checkpointer taken.
func newDB(ctx context.Context, sqldb *sql.DB, opts Options) (*DB, error) {
	bdb := bun.NewDB(sqldb, sqlitedialect.New())
	writer, err := bdb.Conn(ctx)
	if err != nil {
		return nil, err
	}
	db := &DB{
		bun:       bdb,
		writer:    writer,
		opts:      opts,
		log:       opts.Logger,
		writeLock: make(chan struct{}, 1),
		hasher:    newHasher(opts.HashParams),
	}
	if db.checkpoints, err = startCheckpointer(ctx, db, checkpointEvery); err != nil {
		return nil, errors.Join(err, writer.Close())
	}
	return db, nil
}

// ErrNoFTS5 is returned by Open when the SQLite library lacks the full-text search that
// tasks are searched with: mattn/go-sqlite3 compiles it in with -tags sqlite_fts5 only.
var ErrNoFTS5 = errors.New("SQLite was built without full-text search (FTS5): build taskboard with -tags sqlite_fts5")

// requireFTS5 refuses a SQLite library without FTS5 in one clear error, rather than let the
// search migration fail on a module it does not know.
func requireFTS5(ctx context.Context, sqldb *sql.DB) error {
	var on bool
	if err := sqldb.QueryRowContext(ctx, "SELECT sqlite_compileoption_used('ENABLE_FTS5')").Scan(&on); err != nil {
		return fmt.Errorf("read compile options: %w", err)
	}
	if !on {
		return ErrNoFTS5
	}
	return nil
}

// driverName is mattn/go-sqlite3 with the settings its DSN cannot carry: each new connection
// runs the pragmas of connectPragmas before it is used.
const driverName = "taskboard-sqlite3"

// walCheckpointPages is how many pages the WAL may hold before the commit that passes it
// copies them into the database itself (SQLite's default is 1,000). The checkpointer does
// that long before, without holding up any commit; this bound only matters if it falls
// behind.
const walCheckpointPages = 8192

var connectPragmas = fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walCheckpointPages)

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(connectPragmas, nil)
		return err
	}})
}

// dsn is the mattn/go-sqlite3 data source for path. The pragmas live in the DSN, not in a
// one-off Exec, so that every connection of the pool has them. _stmt_cache_size lets each
// connection reuse its prepared statements across transactions (see BenchmarkCommit).
func dsn(path string) string {
	// The file: URI form gives meaning to '?', '#' and '%' in a path: escape them.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + escaped +
		"?_journal_mode=WAL&_busy_timeout=5000&_synchronous=NORMAL&_foreign_keys=on&_txlock=immediate" +
		"&_stmt_cache_size=64"
}

// Close closes the database and lets another process open it. Calls in progress may fail;
// the DB must not be used afterwards.
func (db *DB) Close() error {
	if db.pg {
		db.room.close()
		db.notes.close()
		if err := db.bun.Close(); err != nil {
			return fmt.Errorf("close database: %w", err)
		}
		return nil
	}
	err := errors.Join(db.checkpoints.close(), db.writer.Close(), db.bun.Close())
	if lockErr := db.lock.Close(); err == nil {
		err = lockErr
	}
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// ErrInUse is returned by Open when another DB holds the database open: each board must have
// a single writer, so a second server on the same file is refused.
var ErrInUse = errors.New("the database is in use by another taskboard server")

// lockFile takes an exclusive, non-blocking lock on the file at path, created empty if needed
// (SQLite takes an empty file for a new database). The kernel releases it when the process
// ends, however it ends.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrInUse
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// Ping reports whether the database can be read and, after a write failed for want of a
// writable database (a full disk, a read-only file), whether it can be written again: for
// readiness checks.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer classify(&err)
	var n int
	query := "SELECT count(*) FROM sqlite_master"
	if db.pg {
		query = "SELECT 1"
	}
	if err := db.bun.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	if db.unwritable.Load() {
		return db.probeWrite(ctx)
	}
	return nil
}

// probeWrite writes the schema version over itself: a real write (on SQLite, to the
// database's first page) that changes nothing.
func (db *DB) probeWrite(ctx context.Context) error {
	err := db.write(ctx, func(tx bun.Tx) error {
		if db.pg {
			_, err := tx.ExecContext(ctx, "UPDATE schema_version SET version = version")
			return err
		}
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(v))
		return err
	})
	if err != nil {
		return fmt.Errorf("database cannot be written: %w", err)
	}
	return nil
}

// noteWrite records how a write transaction ended: a failure for want of a writable
// database marks the database unwritable, a success writable again.
func (db *DB) noteWrite(err error) {
	switch {
	case err == nil:
		db.unwritable.Store(false)
	case unavailable(err):
		db.unwritable.Store(true)
	}
}

// now is the current time at the protocol's precision.
func (db *DB) now() time.Time { return db.opts.Clock().UTC().Truncate(time.Millisecond) }

// write runs fn in an immediate transaction and commits it, or rolls it back if fn fails.
// Write transactions run one at a time: they queue here, in Go, instead of spinning in
// SQLite's busy handler, which sleeps in steps of milliseconds.
func (db *DB) write(ctx context.Context, fn func(tx bun.Tx) error) error {
	if db.pg {
		err := db.pgWrite(ctx, fn)
		db.noteWrite(err)
		return err
	}
	select {
	case db.writeLock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-db.writeLock }()

	err := db.writeTx(ctx, fn)
	db.noteWrite(err)
	return err
}

func (db *DB) writeTx(ctx context.Context, fn func(tx bun.Tx) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	return finishTx(tx, err, fn)
}

// finishTx runs fn in tx, which began with err, and commits it, or rolls it back if fn
// fails.
func finishTx(tx bun.Tx, err error, fn func(tx bun.Tx) error) error {
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn in a read transaction on one connection, so that its queries see a single
// snapshot. It issues BEGIN itself: the DSN's _txlock=immediate would make a database/sql
// transaction take the write lock.
func (db *DB) read(ctx context.Context, fn func(q bun.IDB) error) error {
	if db.pg {
		return db.pgRead(ctx, fn)
	}
	conn, err := db.bun.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
			// A connection that may still be inside a transaction must not go back to
			// the pool: discard it. What fn read is still a consistent snapshot.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(conn)
}
