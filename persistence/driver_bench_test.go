//go:build driverbench

// The benchmarks in this file compare SQLite drivers on the store's own write and read
// paths: mattn/go-sqlite3 (cgo, what Open uses) and modernc.org/sqlite (pure Go). They are
// behind the driverbench build tag so that no other build compiles modernc. Run them with
// `make bench-drivers`; docs/sqlite-driver.md holds the results and the decision.

package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/taskboard/taskboard/messages"
)

// sqliteDriver is a database/sql driver with the DSN that gives its connections our settings.
type sqliteDriver struct {
	name   string // sub-benchmark name
	driver string // database/sql driver name
	dsn    func(path string) string
}

var sqliteDrivers = []sqliteDriver{
	// What Open uses: each connection keeps 64 prepared statements.
	{name: "mattn", driver: driverName, dsn: dsn},
	// The same without the statement cache, as modernc has none: every statement is
	// prepared, run and finalised.
	{name: "mattn-nocache", driver: driverName, dsn: func(path string) string {
		return strings.TrimSuffix(dsn(path), "&_stmt_cache_size=64")
	}},
	{name: "modernc", driver: "sqlite", dsn: func(path string) string {
		escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
		return "file:" + escaped + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate" +
			fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", walCheckpointPages)
	}},
}

// forEachDriver runs fn as one sub-benchmark per driver, each on a fresh database.
func forEachDriver(b *testing.B, fn func(b *testing.B, db *DB)) {
	for _, drv := range sqliteDrivers {
		b.Run(drv.name, func(b *testing.B) { fn(b, openDriverDB(b, drv)) })
	}
}

// openDriverDB opens a fresh database through drv with our migrations applied, wrapped in a
// DB as Open wraps it, so that the store's own Commit and LoadBoard run on it.
func openDriverDB(b *testing.B, drv sqliteDriver) *DB {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.db")
	if !strings.Contains(drv.dsn(path), "_txlock=immediate") {
		b.Fatalf("%s: DSN %q", drv.name, drv.dsn(path))
	}
	sqldb, err := sql.Open(drv.driver, drv.dsn(path))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sqldb.Close() })
	conns := max(4, runtime.GOMAXPROCS(0)) + 2 // as Open
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)
	if _, _, err := migrate(ctx, sqldb, sqliteVersion); err != nil {
		b.Fatal(err)
	}
	checkPragmas(b, sqldb)
	if _, err := sqldb.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at)
		VALUES ('user-bench', 'bench@example.com', 'Bench', '-', 0)`); err != nil {
		b.Fatal(err)
	}
	db, err := newDB(ctx, sqldb, Options{}.withDefaults())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.checkpoints.close(); db.writer.Close() })
	return db
}

// checkPragmas fails b unless a pooled connection has our settings.
func checkPragmas(b *testing.B, sqldb *sql.DB) {
	b.Helper()
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1", "busy_timeout": "5000",
		"wal_autocheckpoint": fmt.Sprint(walCheckpointPages),
	} {
		var got string
		if err := sqldb.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			b.Fatalf("PRAGMA %s = %q, %v, want %q", pragma, got, err, want)
		}
	}
}

// createBenchBoards creates boards prefix-0 to prefix-(n-1), each with lists lists named
// board-list-0, board-list-1...
func createBenchBoards(b *testing.B, db *DB, prefix string, n, lists int) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", prefix, i)
		nb := messages.NewBoard{Board: messages.Board{ID: ids[i], Name: ids[i]}, OwnerID: "user-bench"}
		for j := range lists {
			nb.Lists = append(nb.Lists, messages.List{ID: fmt.Sprintf("%s-list-%d", ids[i], j), Name: "List", Position: j})
		}
		if err := db.CreateBoard(context.Background(), nb); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// eventPayload is the JSON of a task_created event of about 400 bytes.
var eventPayload = func() []byte {
	desc := ""
	task := messages.Task{ID: "01JDQ2Z6V8K3M4N5P6Q7R8S9T0", BoardID: "board-0", ListID: "board-0-list-0",
		Title: "Write the quarterly report", Description: &desc, Position: 12, Version: 1,
		CreatedAt: messages.NewTime(time.Now()), UpdatedAt: messages.NewTime(time.Now())}
	e := messages.Event{Type: messages.TaskCreated, BoardID: "board-0", Seq: 1234, At: task.CreatedAt,
		ActorID: "user-alice", RequestID: "01JDQ2Z6V8K3M4N5P6Q7R8S9T1", ClientMutationID: "m-1234", Task: &task}
	enc, err := messages.Encode(e)
	if err != nil {
		panic(err)
	}
	desc = strings.Repeat("x", max(0, 400-len(enc.JSON)))
	if enc, err = messages.Encode(e); err != nil {
		panic(err)
	}
	return enc.JSON
}()

// taskCreatedChange is a change shaped like a board actor's task_created: one new task on
// list, the event with eventPayload, the seq guard and an idempotency record. The JSON is
// shared and not that of this task: the store stores it as given.
func taskCreatedChange(board, list string, seq int64) messages.Change {
	id := board + "-t" + strconv.FormatInt(seq, 10)
	desc := "Notes on " + id
	return messages.Change{
		BoardID: board,
		Event: messages.Event{Type: messages.TaskCreated, BoardID: board, Seq: seq,
			ActorID: "user-bench", RequestID: "req", ClientMutationID: id},
		Encoded: messages.Encoded{Seq: seq, Type: messages.TaskCreated, JSON: eventPayload},
		PutTasks: []messages.Task{{ID: id, BoardID: board, ListID: list, Title: "Task " + id,
			Description: &desc, Position: int(seq % 1000), Version: 1}},
		Idempotency: &messages.Idempotency{UserID: "user-bench", Key: id, Result: eventPayload},
	}
}

// BenchmarkDriverCommit measures (a): one board commits task_created changes one at a time,
// each in its own transaction, through DB.Commit.
func BenchmarkDriverCommit(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db *DB) {
		board := createBenchBoards(b, db, "board", 1, 1)[0]
		ctx := context.Background()
		var seq int64
		b.ReportAllocs()
		for b.Loop() {
			seq++
			if err := db.Commit(ctx, taskCreatedChange(board, board+"-list-0", seq)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "commits/s")
	})
}

// commitFrom8 runs b.N commits from 8 goroutines, each on a board of its own, with commit.
func commitFrom8(b *testing.B, db *DB, commit func(messages.Change) error) {
	boards := createBenchBoards(b, db, "board", 8, 1)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for _, board := range boards {
		wg.Go(func() {
			var seq int64
			for next.Add(1) <= int64(b.N) {
				seq++
				if err := commit(taskCreatedChange(board, board+"-list-0", seq)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkDriverCommit8 measures (b): 8 boards commit at once, one goroutine each, through
// DB.Commit: the changes queue for the store's write lock in Go and share group commits.
func BenchmarkDriverCommit8(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db *DB) {
		ctx := context.Background()
		commitFrom8(b, db, func(c messages.Change) error { return db.Commit(ctx, c) })
	})
}

// BenchmarkDriverTx8 measures (b) without the store's write queue: each of the 8 goroutines
// runs its own immediate transaction on a pooled connection, so SQLite's busy handler
// serialises the writers and hands the lock over.
func BenchmarkDriverTx8(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db *DB) {
		ctx := context.Background()
		commitFrom8(b, db, func(c messages.Change) error {
			tx, err := db.bun.DB.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if err := applyChange(ctx, db.raw(tx), c, db.now()); err != nil {
				return errors.Join(err, tx.Rollback())
			}
			return tx.Commit()
		})
	})
}

// BenchmarkDriverGroup64 measures (c): one group commit of 64 boards' changes, one
// transaction with a savepoint per change, as commitGroup runs it under load.
func BenchmarkDriverGroup64(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db *DB) {
		const n = 64
		boards := createBenchBoards(b, db, "board", n, 1)
		ctx := context.Background()
		var seq int64
		b.ReportAllocs()
		for b.Loop() {
			seq++
			batch := make([]*pendingCommit, n)
			for i, board := range boards {
				batch[i] = &pendingCommit{changes: []messages.Change{taskCreatedChange(board, board+"-list-0", seq)},
					now: db.now(), done: make(chan error, 1)}
			}
			db.writeLock <- struct{}{}
			db.commitGroup(ctx, batch)
			<-db.writeLock
			for _, p := range batch {
				if err := <-p.done; err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(seq*n)/b.Elapsed().Seconds(), "changes/s")
	})
}

// bigBoard is a board with 8 lists, 5,000 tasks and as many events.
const (
	bigBoardTasks = 5000
	bigBoardLists = 8
)

// createBigBoard creates bigBoard through DB.Commit, 64 changes per commit.
func createBigBoard(b *testing.B, db *DB) string {
	b.Helper()
	board := createBenchBoards(b, db, "big", 1, bigBoardLists)[0]
	changes := make([]messages.Change, 0, bigBoardTasks)
	for seq := int64(1); seq <= bigBoardTasks; seq++ {
		list := fmt.Sprintf("%s-list-%d", board, seq%bigBoardLists)
		changes = append(changes, taskCreatedChange(board, list, seq))
	}
	for i := 0; i < len(changes); i += maxBatch {
		if err := db.Commit(context.Background(), changes[i:min(i+maxBatch, len(changes))]...); err != nil {
			b.Fatal(err)
		}
	}
	return board
}

// BenchmarkDriverLoad5000 measures (d): DB.LoadBoard of a board with 5,000 tasks, as a board
// actor starts: board, members, lists and tasks scanned into messages values from one
// snapshot (no recent events). SQLite's page cache is warm: "cold" is the board's memory.
func BenchmarkDriverLoad5000(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db *DB) {
		board := createBigBoard(b, db)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			s, err := db.LoadBoard(ctx, board, 0)
			if err != nil || len(s.Tasks) != bigBoardTasks || len(s.Lists) != bigBoardLists {
				b.Fatalf("LoadBoard: %d tasks, %d lists, %v", len(s.Tasks), len(s.Lists), err)
			}
		}
	})
}

// BenchmarkDriverRecent256 measures (e): reading a board's newest 256 events (about 400
// bytes of JSON each) in a read transaction, as LoadBoard does for its event buffer.
func BenchmarkDriverRecent256(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db *DB) {
		board := createBigBoard(b, db)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			var events []messages.Encoded
			err := db.read(ctx, func(q bun.IDB) (err error) {
				events, err = recentEvents(ctx, q, board, 256)
				return err
			})
			if err != nil || len(events) != 256 || len(events[0].JSON) < 390 {
				b.Fatalf("recentEvents: %d events, %v", len(events), err)
			}
		}
	})
}
