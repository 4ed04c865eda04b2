package persistence_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// benchBoards opens a database with default options and n empty boards, each with one list.
func benchBoards(b *testing.B, n int) *persistence.DB {
	b.Helper()
	ctx := context.Background()
	db, err := persistence.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), persistence.Options{HashParams: cheapHash})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("bench-%d", i)
		if err := db.CreateBoard(ctx, messages.NewBoard{
			Board:   messages.Board{ID: id, Name: id},
			Lists:   []messages.List{{ID: id + "-list", Name: "To Do"}},
			OwnerID: "user-alice",
		}); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// commitTask commits a task_created change, encoding the event as a board actor does.
func commitTask(b *testing.B, db *persistence.DB, board string, seq int64) {
	commitTasks(b, db, board, seq, 1)
}

// taskIDs numbers the tasks of the benchmarks in creation order, as the ULIDs of a board
// actor's tasks are.
var taskIDs atomic.Int64

// commitTasks commits n task_created changes of board, from seq on, in one Commit call as a
// board actor commits the changes queued in its mailbox.
func commitTasks(b *testing.B, db *persistence.DB, board string, seq int64, n int) {
	changes := make([]messages.Change, n)
	for i := range changes {
		s := seq + int64(i)
		id := fmt.Sprintf("task_%020d", taskIDs.Add(1))
		task := newTask(board, board+"-list", id, int(s-1))
		task.CreatedAt = messages.NewTime(time.Now())
		task.UpdatedAt = task.CreatedAt
		e := messages.Event{Type: messages.TaskCreated, BoardID: board, Seq: s, At: task.CreatedAt,
			ActorID: "user-alice", RequestID: "req", ClientMutationID: fmt.Sprintf("m-%d", s), Task: &task}
		enc, err := messages.Encode(e)
		if err != nil {
			b.Fatal(err)
		}
		changes[i] = messages.Change{BoardID: board, Event: e, Encoded: enc, PutTasks: []messages.Task{task},
			Idempotency: &messages.Idempotency{UserID: "user-alice", Key: board + e.ClientMutationID, Result: enc.JSON}}
	}
	// A board actor's context has a deadline, as the request's has.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.Commit(ctx, changes...); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCommit measures one board committing task_created changes (task, event and
// idempotency record), one transaction each, as the board actor does.
func BenchmarkCommit(b *testing.B) {
	db := benchBoards(b, 1)
	b.ReportAllocs()
	seq := int64(0)
	for b.Loop() {
		seq++
		commitTask(b, db, "bench-0", seq)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkCommitParallel measures 64 boards committing at once, one goroutine each, as
// busy board actors do: their changes share group commits.
func BenchmarkCommitParallel(b *testing.B) {
	const perProc = 32
	boards := perProc * runtime.GOMAXPROCS(0) // RunParallel starts this many goroutines
	db := benchBoards(b, boards)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(perProc)
	b.RunParallel(func(pb *testing.PB) {
		board := fmt.Sprintf("bench-%d", next.Add(1)-1) // owned by this goroutine alone
		var seq int64
		for pb.Next() {
			seq++
			commitTask(b, db, board, seq)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkCommitBoards measures 100 boards committing at once, one goroutine each, as
// board actors sharing a server's traffic do: a board's Commit carries the changes queued in
// its mailbox meanwhile, one or several. commits/s counts changes, not Commit calls.
func BenchmarkCommitBoards(b *testing.B) {
	const boards = 100
	for _, bc := range []struct {
		name    string
		changes []int // changes per Commit call, cycled
	}{
		{"changes=1", []int{1}},
		{"changes=1-4", []int{1, 2, 1, 4, 1, 3}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db := benchBoards(b, boards)
			var next, changes atomic.Int64
			b.ReportAllocs()
			b.SetParallelism((boards + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.RunParallel(func(pb *testing.PB) {
				board := fmt.Sprintf("bench-%d", (next.Add(1)-1)%boards) // owned by this goroutine alone
				seq, n := int64(1), 0
				for i := 0; pb.Next(); i++ {
					n = bc.changes[i%len(bc.changes)]
					commitTasks(b, db, board, seq, n)
					seq += int64(n)
					changes.Add(int64(n))
				}
			})
			b.ReportMetric(float64(changes.Load())/b.Elapsed().Seconds(), "commits/s")
		})
	}
}

// BenchmarkLoginFailure compares a wrong password with an unknown email at the default
// argon2id costs: both must cost one hash, so that timing does not tell which emails exist.
func BenchmarkLoginFailure(b *testing.B) {
	ctx := context.Background()
	db, err := persistence.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), persistence.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, email string }{
		{"wrong_password", "alice@example.com"},
		{"unknown_email", "mallory@example.com"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.Login(ctx, bc.email, "not the password"); messages.ErrorCode(err) != messages.CodeUnauthorized {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCommitMove measures one board moving the first of its 200 tasks in a list to the
// end, and back: a change that renumbers, and so rewrites, every task of the list, as a move
// near the top of a long list does.
func BenchmarkCommitMove(b *testing.B) {
	const n = 200
	db := benchBoards(b, 1)
	board := "bench-0"
	tasks := make([]messages.Task, n)
	for i := range tasks {
		tasks[i] = newTask(board, board+"-list", fmt.Sprintf("move-%03d", i), i)
		tasks[i].Description = ptr(fmt.Sprintf("the description of task %d, long enough to be searched", i))
	}
	seq := int64(1)
	c := change(b, board, seq, messages.Event{Type: messages.TaskCreated, Task: &tasks[0]})
	c.PutTasks = tasks
	if err := db.Commit(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		seq++
		tasks = append(tasks[1:], tasks[0])
		for i := range tasks {
			tasks[i].Position = i
			tasks[i].Version++
		}
		c := change(b, board, seq, messages.Event{Type: messages.TaskMoved, Task: &tasks[n-1]})
		c.PutTasks = tasks
		if err := db.Commit(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "moves/s")
}
