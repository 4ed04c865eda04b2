package persistence_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// TestCommitFailingAtEveryStep makes each statement of a commit fail in turn (a TEMP trigger
// on the writer's connection raises an error there), and checks that the caller is told and
// that the database holds nothing of the change: not its rows, its event, its seq, nor its
// idempotency record. Once the fault is gone the same change commits whole.
func TestCommitFailingAtEveryStep(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db, _ := openSeeded(t)
	// A first event, for the change to prune.
	if err := db.Commit(ctx, taskCreated(t, 1, newTask("board-1", "list-todo", "task-first", 2))); err != nil {
		t.Fatal(err)
	}
	before, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	// One change touching every part: rename, lists put and deleted, tasks put and deleted,
	// a member added, an event, an idempotency record, events pruned.
	at := messages.NewTime(t0)
	c := change(t, "board-1", 2, messages.Event{Type: messages.BoardUpdated, ClientMutationID: "m-1"})
	c.Board = &messages.Board{ID: "board-1", Name: "Launch v2"}
	c.PutLists = []messages.List{{ID: "list-review", BoardID: "board-1", Name: "Review", Position: 3, CreatedAt: at}}
	c.DeleteLists = []string{"list-done"}
	c.PutTasks = []messages.Task{newTask("board-1", "list-review", "task-new", 0)}
	c.DeleteTasks = []string{"task-2"}
	c.DeleteMembers = []string{"user-carol"}
	c.Idempotency = &messages.Idempotency{UserID: "user-alice", Key: "m-1", Result: []byte(`{"seq":1}`)}
	c.PruneBefore = 2

	steps := map[string]string{
		"advance the board": "BEFORE UPDATE ON boards",
		"delete tasks":      "BEFORE DELETE ON tasks",
		"delete lists":      "BEFORE DELETE ON lists",
		"put lists":         "BEFORE INSERT ON lists",
		"put tasks":         "BEFORE INSERT ON tasks",
		"delete members":    "BEFORE DELETE ON board_members",
		"insert the event":  "BEFORE INSERT ON events",
		"record the key":    "BEFORE INSERT ON idempotency_keys",
		"prune events":      "BEFORE DELETE ON events",
	}
	for step, when := range steps {
		trigger := "CREATE TEMP TRIGGER fault " + when + " BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
		if err := persistence.ExecWriter(db, trigger); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if err := db.Commit(ctx, c); err == nil {
			t.Fatalf("%s failed, yet Commit answered success", step)
		}
		if err := persistence.ExecWriter(db, "DROP TRIGGER fault"); err != nil {
			t.Fatal(err)
		}
		got, err := db.LoadBoard(ctx, "board-1", 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, got, equateEmpty); diff != "" {
			t.Fatalf("after a fault at %q the board changed (-before +after):\n%s", step, diff)
		}
		if _, found, err := db.Idempotent(ctx, "user-alice", "m-1"); found || err != nil {
			t.Fatalf("after a fault at %q the idempotency record exists (%v)", step, err)
		}
	}
	if err := db.Commit(ctx, c); err != nil {
		t.Fatalf("Commit once the faults are gone: %v", err)
	}
	got, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil || got.Seq != 2 || got.FirstSeq != 2 || got.Board.Name != "Launch v2" {
		t.Fatalf("after the commit: seq %d, name %q, %v", got.Seq, got.Board.Name, err)
	}
}
