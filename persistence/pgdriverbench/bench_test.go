// The benchmarks of this module compare Postgres drivers under the store's own write and
// read paths: pgx through database/sql (what persistence.Open uses), with each of its query
// exec modes, and bun's own driver, pgdriver. Run them with `make bench-pg-drivers`;
// docs/postgres-driver.md holds the results and the decision.
package pgdriverbench_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/uptrace/bun/driver/pgdriver" // registers the "pg" driver

	"github.com/taskboard/taskboard/internal/pgtest"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// pgDriver is a database/sql driver and the URL parameters it is measured with.
type pgDriver struct {
	name   string // sub-benchmark name
	driver string // database/sql driver name ("" is persistence's default, pgx)
	params string // appended to the URL's query
}

var pgDrivers = []pgDriver{
	// What Open uses: pgx's default mode, cache_statement, prepares each statement text
	// once per connection and runs it with binary arguments.
	{name: "pgx"},
	// Describes each statement text once per connection, then runs it unnamed.
	{name: "pgx-describe", params: "default_query_exec_mode=cache_describe"},
	// Extended protocol, describing every statement each time: no cache.
	{name: "pgx-exec", params: "default_query_exec_mode=exec"},
	// pgx interpolates the arguments into the text, one round trip, as pgdriver does.
	{name: "pgx-simple", params: "default_query_exec_mode=simple_protocol"},
	// bun's driver: arguments interpolated into the text, simple protocol.
	{name: "pgdriver", driver: "pg"},
}

// benchClock is the store's clock: Authenticate's benchmark moves it past the cache's TTL.
type benchClock struct{ ns atomic.Int64 }

func (c *benchClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *benchClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

type benchDB struct {
	*persistence.DB
	clock *benchClock
	url   string
}

// forEachDriver runs fn as one sub-benchmark per driver, each on a fresh database of the
// shared server.
func forEachDriver(b *testing.B, fn func(b *testing.B, db benchDB)) {
	for _, drv := range pgDrivers {
		b.Run(drv.name, func(b *testing.B) { fn(b, openDriverDB(b, drv)) })
	}
}

// openDriverDB opens a fresh database through drv with persistence.Open, as the server does.
// Commits are not announced (NoNotify): the announcement runs after the commit on a
// goroutine of its own, and pgdriver cannot send its text[] argument.
func openDriverDB(b *testing.B, drv pgDriver) benchDB {
	b.Helper()
	url := pgtest.Shared(b).NewDatabase(b)
	if drv.params != "" {
		url += "&" + drv.params
	}
	c := &benchClock{}
	c.ns.Store(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	db, err := persistence.Open(context.Background(), url, persistence.Options{
		PostgresDriver: drv.driver, NoNotify: true, Clock: c.Now, SessionTTL: 10 * 365 * 24 * time.Hour,
		HashParams: persistence.HashParams{Time: 1, Memory: 64, Threads: 1},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	})
	return benchDB{DB: db, clock: c, url: url}
}

// createBenchBoards registers a user and creates boards prefix-0 to prefix-(n-1), each with
// lists lists named board-list-0, board-list-1... It returns the boards and the user's
// session token.
func createBenchBoards(b *testing.B, db benchDB, prefix string, n, lists int) ([]string, string) {
	b.Helper()
	ctx := context.Background()
	s, err := db.Register(ctx, prefix+"@example.com", "Bench", "correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", prefix, i)
		nb := messages.NewBoard{Board: messages.Board{ID: ids[i], Name: ids[i]}, OwnerID: s.User.ID}
		for j := range lists {
			nb.Lists = append(nb.Lists, messages.List{ID: fmt.Sprintf("%s-list-%d", ids[i], j), Name: "List", Position: j})
		}
		if err := db.CreateBoard(ctx, nb); err != nil {
			b.Fatal(err)
		}
	}
	return ids, s.Token
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
func taskCreatedChange(board, list, user string, seq int64) messages.Change {
	id := board + "-t" + strconv.FormatInt(seq, 10)
	desc := "Notes on " + id
	return messages.Change{
		BoardID: board,
		Event: messages.Event{Type: messages.TaskCreated, BoardID: board, Seq: seq,
			ActorID: user, RequestID: "req", ClientMutationID: id},
		Encoded: messages.Encoded{Seq: seq, Type: messages.TaskCreated, JSON: eventPayload},
		PutTasks: []messages.Task{{ID: id, BoardID: board, ListID: list, Title: "Task " + id,
			Description: &desc, Position: int(seq % 1000), Version: 1}},
		Idempotency: &messages.Idempotency{UserID: user, Key: id, Result: eventPayload},
	}
}

// holdAndCommit is a board actor's write on a shared store: hold the board's row at seq,
// then commit changes in that transaction.
func holdAndCommit(ctx context.Context, db benchDB, board string, seq int64, changes ...messages.Change) error {
	h, missed, err := db.Hold(ctx, board, seq)
	if err != nil {
		return err
	}
	if len(missed) != 0 {
		h.Release()
		return fmt.Errorf("hold %s at %d: %d missed events", board, seq, len(missed))
	}
	return h.Commit(ctx, changes...)
}

// userOf returns the id of the user whose session token is token.
func userOf(b *testing.B, db benchDB, token string) string {
	b.Helper()
	p, err := db.Authenticate(context.Background(), token)
	if err != nil {
		b.Fatal(err)
	}
	return p.User.ID
}

// BenchmarkPGHeldCommit measures (a): one board commits task_created changes one at a time,
// as a board actor on a shared store does: DB.Hold locks the board's row (SELECT ... FOR
// UPDATE), Held.Commit writes the change and its event in that transaction and commits.
func BenchmarkPGHeldCommit(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db benchDB) {
		boards, token := createBenchBoards(b, db, "board", 1, 1)
		user, board := userOf(b, db, token), boards[0]
		ctx := context.Background()
		var seq int64
		b.ReportAllocs()
		cpu := startCPU(b, db)
		for b.Loop() {
			if err := holdAndCommit(ctx, db, board, seq, taskCreatedChange(board, board+"-list-0", user, seq+1)); err != nil {
				b.Fatal(err)
			}
			seq++
		}
		cpu.report(b)
		b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "commits/s")
	})
}

// BenchmarkPGHeldCommit8 measures (b): 8 boards commit at once, one goroutine each, each
// holding its own row on a connection of the pool.
func BenchmarkPGHeldCommit8(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db benchDB) {
		boards, token := createBenchBoards(b, db, "board", 8, 1)
		user := userOf(b, db, token)
		ctx := context.Background()
		var next atomic.Int64
		var wg sync.WaitGroup
		b.ReportAllocs()
		cpu := startCPU(b, db)
		b.ResetTimer()
		for _, board := range boards {
			wg.Go(func() {
				var seq int64
				for next.Add(1) <= int64(b.N) {
					if err := holdAndCommit(ctx, db, board, seq, taskCreatedChange(board, board+"-list-0", user, seq+1)); err != nil {
						b.Error(err)
						return
					}
					seq++
				}
			})
		}
		wg.Wait()
		cpu.report(b)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
	})
}

// BenchmarkPGHeldCommit64 measures (c): a board commits a batch of 64 changes in one held
// transaction, as a busy board actor does with the changes staged while the last commit ran.
func BenchmarkPGHeldCommit64(b *testing.B) {
	const n = 64
	forEachDriver(b, func(b *testing.B, db benchDB) {
		boards, token := createBenchBoards(b, db, "board", 1, 1)
		user, board := userOf(b, db, token), boards[0]
		ctx := context.Background()
		var seq int64
		b.ReportAllocs()
		cpu := startCPU(b, db)
		for b.Loop() {
			batch := make([]messages.Change, n)
			for i := range batch {
				batch[i] = taskCreatedChange(board, board+"-list-0", user, seq+int64(i)+1)
			}
			if err := holdAndCommit(ctx, db, board, seq, batch...); err != nil {
				b.Fatal(err)
			}
			seq += n
		}
		cpu.report(b)
		b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "changes/s")
	})
}

// bigBoard is a board with 8 lists, 1,000 tasks and as many events.
const (
	bigBoardTasks = 1000
	bigBoardLists = 8
	ringSize      = 1000 // actors' default RingSize: the events LoadBoard reads
)

// createBigBoard creates bigBoard through DB.Commit, 64 changes per commit.
func createBigBoard(b *testing.B, db benchDB) string {
	b.Helper()
	boards, token := createBenchBoards(b, db, "big", 1, bigBoardLists)
	user, board := userOf(b, db, token), boards[0]
	changes := make([]messages.Change, 0, bigBoardTasks)
	for seq := int64(1); seq <= bigBoardTasks; seq++ {
		list := fmt.Sprintf("%s-list-%d", board, seq%bigBoardLists)
		changes = append(changes, taskCreatedChange(board, list, user, seq))
	}
	for i := 0; i < len(changes); i += 64 {
		if err := db.Commit(context.Background(), changes[i:min(i+64, len(changes))]...); err != nil {
			b.Fatal(err)
		}
	}
	return board
}

// BenchmarkPGLoad1000 measures (d): DB.LoadBoard of a board with 1,000 tasks and its 1,000
// events, as a board actor starts with actors' default ring of 1,000 events: board, members,
// lists, tasks and events scanned into messages values from one snapshot. Its statements'
// texts repeat, the best case for pgx's statement cache; their rows dominate anyway.
func BenchmarkPGLoad1000(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db benchDB) {
		board := createBigBoard(b, db)
		ctx := context.Background()
		b.ReportAllocs()
		cpu := startCPU(b, db)
		for b.Loop() {
			s, err := db.LoadBoard(ctx, board, ringSize)
			if err != nil || len(s.Tasks) != bigBoardTasks || len(s.Lists) != bigBoardLists || len(s.Recent) != bigBoardTasks ||
				!bytes.Equal(s.Recent[0].JSON, eventPayload) || *s.Tasks[0].Description != "Notes on "+s.Tasks[0].ID {
				b.Fatalf("LoadBoard: %d tasks, %d lists, %d events, %v", len(s.Tasks), len(s.Lists), len(s.Recent), err)
			}
		}
		cpu.report(b)
	})
}

// BenchmarkPGEvents256 measures (e): DB.Events replaying 256 events (about 400 bytes of
// JSON each) to a subscriber that resumes from further back than its board's memory. bun
// writes the arguments into the statement's text: each call starts at another seq, so that
// the text is new to a connection most of the time, as it is for subscribers of many boards.
func BenchmarkPGEvents256(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db benchDB) {
		board := createBigBoard(b, db)
		ctx := context.Background()
		var after int64
		b.ReportAllocs()
		cpu := startCPU(b, db)
		for b.Loop() {
			after = (after + 1) % (bigBoardTasks - 256)
			events, err := db.Events(ctx, board, after, after+256)
			if err != nil || len(events) != 256 || !bytes.Equal(events[0].JSON, eventPayload) {
				b.Fatalf("Events: %d events, %v", len(events), err)
			}
		}
		cpu.report(b)
	})
}

// BenchmarkPGAuthenticate measures (f): DB.Authenticate of a session token that is not in
// the store's cache: the clock moves past the cache's minute before each call, so every
// call reads the session and its user, with a statement text of its own (bun writes the
// time into it).
func BenchmarkPGAuthenticate(b *testing.B) {
	forEachDriver(b, func(b *testing.B, db benchDB) {
		_, token := createBenchBoards(b, db, "board", 1, 1)
		ctx := context.Background()
		b.ReportAllocs()
		cpu := startCPU(b, db)
		for b.Loop() {
			db.clock.Advance(61 * time.Second)
			if _, err := db.Authenticate(ctx, token); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
}
