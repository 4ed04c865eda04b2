package persistence

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
)

func openInternal(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "group.db"), Options{HashParams: HashParams{Time: 1, Memory: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func taskChange(t *testing.T, board, list, id string, seq int64) messages.Change {
	t.Helper()
	tk := messages.Task{ID: id, BoardID: board, ListID: list, Title: id, Position: 5, Version: 1}
	e := messages.Event{Type: messages.TaskCreated, BoardID: board, Seq: seq, ActorID: "user-alice", Task: &tk}
	enc, err := messages.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	return messages.Change{BoardID: board, Event: e, Encoded: enc, PutTasks: []messages.Task{tk}}
}

// recv receives from ch, failing t with what if nothing comes within 10 s.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10 s", what)
	}
	var zero T
	return zero
}

// takeLock takes back the write lock's token the test put there, failing t if it is gone.
func takeLock(t *testing.T, db *DB) {
	t.Helper()
	select {
	case <-db.writeLock:
	default:
		t.Fatal("the write lock the test held was released by someone else")
	}
}

// A caller that gives up while its change waits for the lock takes the change back.
func TestCommitCancelledWhileQueued(t *testing.T) {
	db := openInternal(t)
	db.writeLock <- struct{}{} // a writer is busy

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- db.Commit(ctx, taskChange(t, "board-1", "list-todo", "task-q", 1)) }()
	deadline := time.Now().Add(10 * time.Second)
	for queued := false; !queued; {
		if time.Now().After(deadline) {
			t.Fatal("the change was not queued within 10s")
		}
		db.commits.mu.Lock()
		queued = len(db.commits.waiting) == 1
		db.commits.mu.Unlock()
		runtime.Gosched()
	}
	cancel()
	if err := recv(t, done, "Commit's return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit = %v, want context.Canceled", err)
	}
	takeLock(t, db)
	if n := len(db.commits.take(maxGroup)); n != 0 {
		t.Fatalf("%d changes left in the queue", n)
	}
	if s, err := db.LoadBoard(context.Background(), "board-1", 0); err != nil || s.Seq != 0 {
		t.Fatalf("seq = %d (%v), want 0", s.Seq, err)
	}
}

// A group commit undoes a failing change alone: the others of its group are committed.
func TestCommitGroupIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	task := func(board, list, id string, seq int64) messages.Change { return taskChange(t, board, list, id, seq) }
	batch := []*pendingCommit{
		{changes: []messages.Change{task("board-1", "list-todo", "task-a", 1)}},
		{changes: []messages.Change{task("board-2", "list-todo", "task-b", 1)}}, // list of another board: FK error
		{changes: []messages.Change{task("board-2", "list-b2-todo", "task-c", 1)}},
		{changes: []messages.Change{task("board-1", "list-todo", "task-d", 3)}}, // seq gap
		{changes: []messages.Change{task("board-1", "list-todo", "task-e", 2)}},
	}
	for _, p := range batch {
		p.now, p.done = time.Now(), make(chan error, 1)
	}
	db.writeLock <- struct{}{}
	db.commitGroup(ctx, batch)
	takeLock(t, db)

	for i, wantOK := range []bool{true, false, true, false, true} {
		if err := recv(t, batch[i].done, "commit result"); (err == nil) != wantOK {
			t.Errorf("change %d (%s): err = %v, want ok %v", i, batch[i].changes[0].PutTasks[0].ID, err, wantOK)
		}
	}
	select {
	case err := <-batch[3].done:
		t.Fatalf("second result delivered: %v", err)
	default:
	}
	for board, wantSeq := range map[string]int64{"board-1": 2, "board-2": 1} {
		s, err := db.LoadBoard(ctx, board, 10)
		if err != nil || s.Seq != wantSeq || len(s.Recent) != int(wantSeq) {
			t.Errorf("%s: seq %d, %d events (%v), want %d", board, s.Seq, len(s.Recent), err, wantSeq)
		}
	}
	for id, want := range map[string]error{"task-a": nil, "task-b": messages.NotFound("task"), "task-c": nil,
		"task-d": messages.NotFound("task"), "task-e": nil} {
		if _, err := db.BoardOfTask(ctx, id); messages.ErrorCode(err) != messages.ErrorCode(want) {
			t.Errorf("BoardOfTask(%s) = %v, want %v", id, err, want)
		}
	}
	if err := db.Commit(ctx, task("board-1", "list-todo", "task-f", 2)); !errors.Is(err, ErrSeqConflict) {
		t.Errorf("Commit of a stale seq after the group: %v, want ErrSeqConflict", err)
	}
}

// A group applied whole and failing is applied again caller by caller: a caller whose
// changes fail (the second of two, or a mutation id used earlier in the group) gets its
// error with none of its changes applied, and every other caller's changes are committed.
func TestCommitGroupFailureIsNotHalfApplied(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	task := func(board, list, id string, seq int64) messages.Change { return taskChange(t, board, list, id, seq) }
	keyed := func(c messages.Change, key string) messages.Change {
		c.Idempotency = &messages.Idempotency{UserID: "user-alice", Key: key, Result: []byte(`{"seq":1}`)}
		return c
	}
	batch := []*pendingCommit{
		{changes: []messages.Change{keyed(task("board-1", "list-todo", "task-a", 1), "m-1")}},
		{changes: []messages.Change{
			task("board-2", "list-b2-todo", "task-b1", 1),
			task("board-2", "list-todo", "task-b2", 2), // list of another board: FK error
		}},
		{changes: []messages.Change{keyed(task("board-1", "list-todo", "task-c", 2), "m-1")}}, // used by the first
		{changes: []messages.Change{task("board-1", "list-todo", "task-d", 2)}},
	}
	for _, p := range batch {
		p.now, p.done = time.Now(), make(chan error, 1)
	}
	db.writeLock <- struct{}{}
	db.commitGroup(ctx, batch)
	takeLock(t, db)

	for i, want := range []messages.Code{"", messages.CodeInternal, messages.CodeConflict, ""} {
		err := recv(t, batch[i].done, "commit result")
		if (err == nil) != (want == "") || (err != nil && messages.ErrorCode(err) != want) {
			t.Errorf("caller %d: err = %v, want code %q", i, err, want)
		}
	}
	for board, wantSeq := range map[string]int64{"board-1": 2, "board-2": 0} {
		s, err := db.LoadBoard(ctx, board, 10)
		if err != nil || s.Seq != wantSeq || len(s.Recent) != int(wantSeq) {
			t.Errorf("%s: seq %d, %d events (%v), want %d", board, s.Seq, len(s.Recent), err, wantSeq)
		}
	}
	for id, wantFound := range map[string]bool{"task-a": true, "task-b1": false, "task-b2": false,
		"task-c": false, "task-d": true} {
		if _, err := db.BoardOfTask(ctx, id); (err == nil) != wantFound {
			t.Errorf("BoardOfTask(%s) = %v, want found %v", id, err, wantFound)
		}
	}
	result, found, err := db.Idempotent(ctx, "user-alice", "m-1")
	if err != nil || !found || string(result) != `{"seq":1}` {
		t.Errorf("Idempotent(m-1) = %q, %v, %v, want the first caller's record", result, found, err)
	}
}

// An owner read before a commit that may end it is not cached after that commit.
func TestOwnerCacheDropsAnswersOlderThanAForget(t *testing.T) {
	var c ownerCache
	_, _, gen := c.get("task:task-1")
	c.forgetEnded([]messages.Change{{BoardID: "board-1", DeleteTasks: []string{"task-1"}}})
	c.put("task:task-1", "board-1", gen, ownerEntries)
	if board, ok, _ := c.get("task:task-1"); ok {
		t.Fatalf("get after a stale put = %q, want a miss", board)
	}
	_, _, gen = c.get("task:task-1")
	c.put("task:task-1", "board-1", gen, ownerEntries)
	if board, ok, _ := c.get("task:task-1"); !ok || board != "board-1" {
		t.Fatalf("get = %q, %v, want board-1", board, ok)
	}
}
