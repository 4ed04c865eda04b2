package persistence_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
)

func TestCreateBoard(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	at := messages.NewTime(t0.AddDate(0, 0, 1))
	nb := messages.NewBoard{
		Board: messages.Board{ID: "board_new", Name: "Roadmap", CreatedAt: at},
		Lists: []messages.List{
			{ID: "list_a", BoardID: "board_new", Name: "To Do", Position: 0},
			{ID: "list_b", Name: "In Progress", Position: 1},
			{ID: "list_c", Name: "Done", Position: 2},
		},
		OwnerID: "user-bob",
	}
	if err := db.CreateBoard(ctx, nb); err != nil {
		t.Fatalf("CreateBoard: %v", err)
	}
	got, err := db.LoadBoard(ctx, "board_new", 10)
	if err != nil {
		t.Fatalf("LoadBoard: %v", err)
	}
	want := messages.BoardState{
		Board:   nb.Board,
		Members: []messages.Member{{UserID: "user-bob", Name: "Bob", Email: "bob@example.com", Role: messages.RoleOwner}},
		Lists: []messages.List{
			{ID: "list_a", BoardID: "board_new", Name: "To Do", Position: 0, CreatedAt: at},
			{ID: "list_b", BoardID: "board_new", Name: "In Progress", Position: 1, CreatedAt: at},
			{ID: "list_c", BoardID: "board_new", Name: "Done", Position: 2, CreatedAt: at},
		},
		Seq: 0, FirstSeq: 1,
	}
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		t.Errorf("LoadBoard mismatch (-want +got):\n%s", diff)
	}

	boards, err := db.BoardsOf(ctx, "user-bob", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	wantBoards := []messages.Board{
		{ID: "board-1", Name: "Launch", CreatedAt: messages.NewTime(t0), Role: messages.RoleEditor},
		{ID: "board_new", Name: "Roadmap", CreatedAt: at, Role: messages.RoleOwner},
	}
	if diff := cmp.Diff(wantBoards, boards); diff != "" {
		t.Errorf("BoardsOf(bob) mismatch (-want +got):\n%s", diff)
	}

	if err := db.CreateBoard(ctx, nb); messages.ErrorCode(err) != messages.CodeConflict {
		t.Errorf("CreateBoard of an existing id: %v, want conflict", err)
	}
	bad := messages.NewBoard{Board: messages.Board{ID: "board_bad", Name: "x"}, OwnerID: "user-nobody"}
	if err := db.CreateBoard(ctx, bad); err == nil {
		t.Error("CreateBoard with a missing owner succeeded")
	}
	if _, err := db.LoadBoard(ctx, "board_bad", 0); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("failed CreateBoard left a board behind: %v", err)
	}
}

func TestBoardOf(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	for _, tc := range []struct {
		kind, id  string
		wantBoard string
		wantCode  messages.Code
	}{
		{"task", "task-1", "board-1", ""},
		{"task", "task-5", "board-2", ""},
		{"task", "task-x", "", messages.CodeNotFound},
		{"task", "list-todo", "", messages.CodeNotFound},
		{"list", "list-todo", "board-1", ""},
		{"list", "list-b2-done", "board-2", ""},
		{"list", "list-x", "", messages.CodeNotFound},
		{"list", "task-1", "", messages.CodeNotFound},
	} {
		lookup := db.BoardOfTask
		if tc.kind == "list" {
			lookup = db.BoardOfList
		}
		got, err := lookup(ctx, tc.id)
		if got != tc.wantBoard || messages.ErrorCode(err) != tc.wantCode {
			t.Errorf("BoardOf %s %s = %q, %v, want %q, code %q", tc.kind, tc.id, got, err, tc.wantBoard, tc.wantCode)
		}
		if err != nil && err.Error() != "not_found: "+tc.kind+" not found" {
			t.Errorf("BoardOf %s %s error = %q, want %s not found", tc.kind, tc.id, err, tc.kind)
		}
	}
}

func TestLoadMissingBoard(t *testing.T) {
	db, _ := openSeeded(t)
	_, err := db.LoadBoard(context.Background(), "board-x", 10)
	if e := messages.AsError(err); e.Code != messages.CodeNotFound || e.Message != "board not found" {
		t.Fatalf("LoadBoard(board-x) = %v, want board not found", err)
	}
}

// The board of a list or task is cached, and forgotten by the commit that deletes the task,
// its list or its board, before the commit returns.
func TestBoardOfForgetsWhatACommitEnds(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	lookups := []struct {
		kind, id string
		lookup   func(context.Context, string) (string, error)
	}{
		{"task", "task-1", db.BoardOfTask}, {"task", "task-2", db.BoardOfTask}, {"task", "task-4", db.BoardOfTask},
		{"list", "list-todo", db.BoardOfList}, {"list", "list-done", db.BoardOfList},
	}
	check := func(step string, gone ...string) {
		t.Helper()
		for _, l := range lookups {
			got, err := l.lookup(ctx, l.id)
			if slices.Contains(gone, l.id) {
				if messages.ErrorCode(err) != messages.CodeNotFound {
					t.Errorf("%s: BoardOf %s = %q, %v, want not_found", step, l.id, got, err)
				}
			} else if err != nil || got != "board-1" {
				t.Errorf("%s: BoardOf %s = %q, %v, want board-1", step, l.id, got, err)
			}
		}
	}
	check("before") // and cached

	c := change(t, "board-1", 1, messages.Event{Type: messages.TaskDeleted})
	c.DeleteTasks = []string{"task-2"}
	if err := db.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	check("task-2 deleted", "task-2")

	c = change(t, "board-1", 2, messages.Event{Type: messages.ListDeleted})
	c.DeleteLists = []string{"list-done"} // task-4 goes with it
	if err := db.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	check("list-done deleted", "task-2", "list-done", "task-4")

	c = change(t, "board-1", 3, messages.Event{Type: messages.BoardDeleted})
	c.DeleteBoard = true
	if err := db.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	check("board deleted", "task-1", "task-2", "task-4", "list-todo", "list-done")
}
