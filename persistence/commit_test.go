package persistence_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

func TestCommitAppliesEveryPart(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	before, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	at := messages.NewTime(t0)

	// One change touching every part (no real command does, but Commit must not care).
	review := messages.List{ID: "list-review", BoardID: "board-1", Name: "Review", Position: 1, CreatedAt: at}
	inProgress := messages.List{ID: "list-in-progress", BoardID: "board-1", Name: "Doing", Position: 2, CreatedAt: at}
	newTask := newTask("board-1", "list-review", "task-new", 0)
	newTask.Description = ptr("details")
	newTask.SetAssignees([]string{"user-bob"})
	moved := before.Tasks[0] // task-1
	moved.ListID, moved.Position, moved.Version, moved.Title = "list-review", 1, 2, "Design the login page"
	moved.UpdatedAt = messages.NewTime(t0.Add(time.Second))

	c := change(t, "board-1", 1, messages.Event{Type: messages.BoardUpdated, ClientMutationID: "m-1", RequestID: "req-7"})
	c.Board = &messages.Board{ID: "board-1", Name: "Launch v2"}
	c.PutLists = []messages.List{review, inProgress}
	c.DeleteLists = []string{"list-done"} // task-4 goes with it
	c.PutTasks = []messages.Task{newTask, moved}
	c.DeleteTasks = []string{"task-2"}
	c.Idempotency = &messages.Idempotency{UserID: "user-alice", Key: "m-1", Result: []byte(`{"seq":1}`)}
	if err := db.Commit(ctx, c); err != nil {
		t.Fatalf("Commit: %v", err)
	}

	got, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := before
	want.Board.Name = "Launch v2"
	want.Lists = []messages.List{before.Lists[0], review, inProgress}
	// list-todo is left empty, list-review holds the new task and task-1, list-in-progress task-3.
	want.Tasks = []messages.Task{newTask, moved, before.Tasks[2]}
	want.Seq, want.FirstSeq = 1, 1
	want.Recent = []messages.Encoded{messages.NewEncoded(1, messages.BoardUpdated, "req-7", c.Encoded.JSON)}
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		t.Errorf("LoadBoard after Commit mismatch (-want +got):\n%s", diff)
	}

	result, found, err := db.Idempotent(ctx, "user-alice", "m-1")
	if err != nil || !found || string(result) != `{"seq":1}` {
		t.Errorf("Idempotent = %q, %v, %v, want {\"seq\":1}, true, nil", result, found, err)
	}
	if _, found, err := db.Idempotent(ctx, "user-bob", "m-1"); err != nil || found {
		t.Errorf("Idempotent of another user = %v, %v, want false, nil", found, err)
	}
	if id, err := db.BoardOfTask(ctx, "task-4"); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("BoardOfTask(task-4 of the deleted list) = %q, %v, want not_found", id, err)
	}
	var actor, mutation string
	if err := db.Bun().QueryRowContext(ctx,
		"SELECT actor_id, client_mutation_id FROM events WHERE board_id = 'board-1' AND seq = 1").
		Scan(&actor, &mutation); err != nil || actor != "user-alice" || mutation != "m-1" {
		t.Errorf("event row actor, mutation = %q, %q (%v), want user-alice, m-1", actor, mutation, err)
	}
}

// snapshot is everything a failed commit must leave as it was.
type snapshot struct {
	Board1, Board2 messages.BoardState
	Idempotent     bool
	Events         int
}

func takeSnapshot(t *testing.T, db *persistence.DB) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.Board1, err = db.LoadBoard(ctx, "board-1", 100); err != nil {
		t.Fatal(err)
	}
	if s.Board2, err = db.LoadBoard(ctx, "board-2", 100); err != nil {
		t.Fatal(err)
	}
	if _, s.Idempotent, err = db.Idempotent(ctx, "user-alice", "retry"); err != nil {
		t.Fatal(err)
	}
	if err := db.Bun().QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&s.Events); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFailedCommitAppliesNothing(t *testing.T) {
	ctx := context.Background()
	// Every case also carries a new task, a rename and an idempotency record that must not
	// survive the failure.
	for _, tc := range []struct {
		name     string
		seq      int64
		edit     func(c *messages.Change)
		wantCode messages.Code
		wantSeq  bool // ErrSeqConflict
	}{
		{name: "seq ahead", seq: 3, wantSeq: true},
		{name: "seq repeated", seq: 1, wantSeq: true},
		{name: "missing board", seq: 2, edit: func(c *messages.Change) {
			c.BoardID, c.Event.BoardID, c.PutTasks, c.Board = "board-x", "board-x", nil, nil
		}, wantSeq: true},
		{name: "task on a missing list", seq: 2, edit: func(c *messages.Change) {
			c.PutTasks = append(c.PutTasks, newTask("board-1", "list-nope", "task-orphan", 0))
		}},
		{name: "task on another board's list", seq: 2, edit: func(c *messages.Change) {
			c.PutTasks = append(c.PutTasks, newTask("board-1", "list-b2-todo", "task-cross", 0))
		}},
		{name: "task id of another board", seq: 2, edit: func(c *messages.Change) {
			c.PutTasks = append(c.PutTasks, newTask("board-1", "list-todo", "task-5", 0))
		}},
		{name: "list id of another board", seq: 2, edit: func(c *messages.Change) {
			c.PutLists = []messages.List{{ID: "list-b2-done", BoardID: "board-1", Name: "Stolen", Position: 3}}
		}},
		{name: "task of another board in the change", seq: 2, edit: func(c *messages.Change) {
			c.PutTasks = append(c.PutTasks, newTask("board-2", "list-b2-todo", "task-other", 1))
		}},
		{name: "negative position", seq: 2, edit: func(c *messages.Change) {
			c.PutTasks[0].Position = -1
		}},
		{name: "mutation id used", seq: 2, edit: func(c *messages.Change) {
			c.Idempotency.Key = "used"
		}, wantCode: messages.CodeConflict},
		{name: "no event JSON", seq: 2, edit: func(c *messages.Change) { c.Encoded.JSON = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openSeeded(t)
			// Board-1 at seq 1, with an idempotency record "used".
			first := taskCreated(t, 1, newTask("board-1", "list-todo", "task-first", 2))
			first.Idempotency = &messages.Idempotency{UserID: "user-alice", Key: "used", Result: []byte(`{}`)}
			if err := db.Commit(ctx, first); err != nil {
				t.Fatal(err)
			}
			before := takeSnapshot(t, db)

			c := taskCreated(t, tc.seq, newTask("board-1", "list-todo", "task-new", 3))
			c.Board = &messages.Board{Name: "Renamed"}
			c.Idempotency = &messages.Idempotency{UserID: "user-alice", Key: "retry", Result: []byte(`{}`)}
			c.PruneBefore = 2
			if tc.edit != nil {
				tc.edit(&c)
			}
			err := db.Commit(ctx, c)
			if err == nil {
				t.Fatal("Commit succeeded")
			}
			if got := errors.Is(err, persistence.ErrSeqConflict); got != tc.wantSeq {
				t.Errorf("errors.Is(%v, ErrSeqConflict) = %v, want %v", err, got, tc.wantSeq)
			}
			wantCode := tc.wantCode
			if wantCode == "" {
				wantCode = messages.CodeInternal
			}
			if code := messages.ErrorCode(err); code != wantCode {
				t.Errorf("ErrorCode(%v) = %s, want %s", err, code, wantCode)
			}
			if diff := cmp.Diff(before, takeSnapshot(t, db), equateEmpty); diff != "" {
				t.Errorf("failed Commit changed the database (-before +after):\n%s", diff)
			}
		})
	}
}

func TestDeleteBoard(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	c := change(t, "board-1", 1, messages.Event{Type: messages.BoardDeleted})
	c.DeleteBoard = true
	if err := db.Commit(ctx, c); err != nil {
		t.Fatalf("Commit(delete): %v", err)
	}
	if _, err := db.LoadBoard(ctx, "board-1", 10); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("LoadBoard of a deleted board: %v, want not_found", err)
	}
	if _, err := db.BoardOfTask(ctx, "task-1"); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("BoardOfTask on a deleted board: %v, want not_found", err)
	}
	if _, err := db.BoardOfList(ctx, "list-todo"); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("BoardOfList on a deleted board: %v, want not_found", err)
	}
	boards, err := db.BoardsOf(ctx, "user-alice", "", 100)
	if err != nil || len(boards) != 1 || boards[0].ID != "board-2" {
		t.Errorf("BoardsOf(alice) = %v, %v, want only board-2", boards, err)
	}
	// The board's events stay readable for streams that catch up to the deletion.
	if evs, err := db.Events(ctx, "board-1", 0, 1); err != nil || len(evs) != 1 || evs[0].Type != messages.BoardDeleted {
		t.Errorf("Events of the deleted board = %v, %v, want the board_deleted event", evs, err)
	}
	next := taskCreated(t, 2, newTask("board-1", "list-todo", "task-late", 0))
	if err := db.Commit(ctx, next); !errors.Is(err, persistence.ErrSeqConflict) {
		t.Errorf("Commit on a deleted board: %v, want ErrSeqConflict", err)
	}
}

// Positions are renumbered row by row: many rows in one change, beyond one statement's batch.
func TestCommitManyRows(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	const n = 150
	tasks := make([]messages.Task, n)
	for i := range tasks {
		tasks[i] = newTask("board-1", "list-todo", fmt.Sprintf("task-%03d", i), i)
	}
	c := change(t, "board-1", 1, messages.Event{Type: messages.TaskMoved})
	c.PutTasks = tasks
	c.DeleteTasks = []string{"task-1", "task-2", "task-3", "task-4"}
	if err := db.Commit(ctx, c); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	// Renumber them all backwards: every position is briefly taken twice.
	for i := range tasks {
		tasks[i].Position = n - 1 - i
		tasks[i].Version = 2
	}
	c = change(t, "board-1", 2, messages.Event{Type: messages.TaskMoved})
	c.PutTasks = tasks
	if err := db.Commit(ctx, c); err != nil {
		t.Fatalf("Commit(renumber): %v", err)
	}
	s, err := db.LoadBoard(ctx, "board-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tasks) != n {
		t.Fatalf("got %d tasks, want %d", len(s.Tasks), n)
	}
	for i, task := range s.Tasks {
		if want := fmt.Sprintf("task-%03d", n-1-i); task.ID != want || task.Position != i || task.Version != 2 {
			t.Fatalf("task %d = %s at %d v%d, want %s at %d v2", i, task.ID, task.Position, task.Version, want, i)
		}
	}
}

// Boards commit concurrently, some with stale seqs; their changes share group commits, and a
// failing change must not take the others of its group down.
func TestConcurrentCommits(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	const boards, perBoard = 16, 40
	for b := range boards {
		id := fmt.Sprintf("board-c%d", b)
		if err := db.CreateBoard(ctx, messages.NewBoard{
			Board: messages.Board{ID: id, Name: id}, OwnerID: "user-alice",
			Lists: []messages.List{{ID: id + "-list", Name: "To Do"}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for b := range boards {
		board := fmt.Sprintf("board-c%d", b)
		wg.Go(func() {
			for i := range perBoard {
				seq := int64(i + 1)
				if i%4 == 3 { // a stale writer first
					stale := taskCreated(t, seq-1, newTask(board, board+"-list", fmt.Sprintf("%s-stale-%d", board, i), i))
					if err := db.Commit(ctx, stale); !errors.Is(err, persistence.ErrSeqConflict) {
						t.Errorf("stale Commit %s seq %d: %v, want ErrSeqConflict", board, seq-1, err)
					}
				}
				c := taskCreated(t, seq, newTask(board, board+"-list", fmt.Sprintf("%s-task-%d", board, i), i))
				if err := db.Commit(ctx, c); err != nil {
					t.Errorf("Commit %s seq %d: %v", board, seq, err)
					return
				}
			}
		})
	}
	wg.Go(func() { // readers run alongside
		for range perBoard {
			if _, err := db.LoadBoard(ctx, "board-c0", 10); err != nil {
				t.Errorf("LoadBoard: %v", err)
				return
			}
		}
	})
	wg.Wait()
	for b := range boards {
		board := fmt.Sprintf("board-c%d", b)
		s, err := db.LoadBoard(ctx, board, perBoard)
		if err != nil || s.Seq != perBoard || len(s.Tasks) != perBoard || len(s.Recent) != perBoard {
			t.Errorf("LoadBoard(%s) = seq %d, %d tasks, %d events (%v), want %d of each",
				board, s.Seq, len(s.Tasks), len(s.Recent), err, perBoard)
		}
	}
}

func TestCommitCancelled(t *testing.T) {
	db, _ := openSeeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Commit(ctx, taskCreated(t, 1, newTask("board-1", "list-todo", "task-x", 0))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit with a cancelled context: %v, want context.Canceled", err)
	}
	if s, err := db.LoadBoard(context.Background(), "board-1", 0); err != nil || s.Seq != 0 {
		t.Fatalf("seq after a cancelled Commit = %d (%v), want 0", s.Seq, err)
	}
}

func TestCommitSeveralChangesAllOrNone(t *testing.T) {
	db, _ := openSeeded(t)
	ctx := context.Background()
	first := taskCreated(t, 1, newTask("board-1", "list-todo", "task-x", 2))
	broken := taskCreated(t, 2, newTask("board-1", "list-b2-todo", "task-y", 0)) // another board's list
	before := takeSnapshot(t, db)
	if err := db.Commit(ctx, first, broken); err == nil {
		t.Fatal("a batch with a broken change committed")
	}
	if diff := cmp.Diff(before, takeSnapshot(t, db)); diff != "" {
		t.Fatalf("a failed batch left changes (-before +after):\n%s", diff)
	}
	second := taskCreated(t, 2, newTask("board-1", "list-todo", "task-y", 3))
	if err := db.Commit(ctx, first, second); err != nil {
		t.Fatal(err)
	}
	s, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil || s.Seq != 2 || len(s.Recent) != 2 || len(s.Tasks) != 6 {
		t.Fatalf("after a batch of two: seq %d, %d events, %d tasks (%v)", s.Seq, len(s.Recent), len(s.Tasks), err)
	}
}
