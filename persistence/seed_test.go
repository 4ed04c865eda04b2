package persistence_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

var equateEmpty = cmpopts.EquateEmpty()

func TestSeedDemo(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	at := messages.NewTime(t0)

	list := func(board, id, name string, pos int) messages.List {
		return messages.List{ID: id, BoardID: board, Name: name, Position: pos, CreatedAt: at}
	}
	task := func(board, list, id, title string, pos int) messages.Task {
		return messages.Task{ID: id, BoardID: board, ListID: list, Title: title, Position: pos,
			Version: 1, CreatedAt: at, UpdatedAt: at}
	}
	alice := messages.Member{UserID: "user-alice", Name: "Alice", Email: "alice@example.com"}
	bob := messages.Member{UserID: "user-bob", Name: "Bob", Email: "bob@example.com"}
	carol := messages.Member{UserID: "user-carol", Name: "Carol", Email: "carol@example.com"}
	as := func(m messages.Member, r messages.Role) messages.Member { m.Role = r; return m }

	want := map[string]messages.BoardState{
		"board-1": {
			Board:   messages.Board{ID: "board-1", Name: "Launch", CreatedAt: at},
			Members: []messages.Member{as(alice, messages.RoleOwner), as(bob, messages.RoleEditor), as(carol, messages.RoleViewer)},
			Lists: []messages.List{
				list("board-1", "list-todo", "To Do", 0),
				list("board-1", "list-in-progress", "In Progress", 1),
				list("board-1", "list-done", "Done", 2),
			},
			Tasks: []messages.Task{
				task("board-1", "list-todo", "task-1", "Design login page", 0),
				task("board-1", "list-todo", "task-2", "Write API docs", 1),
				task("board-1", "list-in-progress", "task-3", "Set up CI", 0),
				task("board-1", "list-done", "task-4", "Pick a logo", 0),
			},
			Seq: 0, FirstSeq: 1,
		},
		"board-2": {
			Board:   messages.Board{ID: "board-2", Name: "Side project", CreatedAt: at},
			Members: []messages.Member{as(alice, messages.RoleEditor), as(carol, messages.RoleOwner)},
			Lists: []messages.List{
				list("board-2", "list-b2-todo", "To Do", 0),
				list("board-2", "list-b2-done", "Done", 1),
			},
			Tasks: []messages.Task{task("board-2", "list-b2-todo", "task-5", "Plan the offsite", 0)},
			Seq:   0, FirstSeq: 1,
		},
	}
	for id, w := range want {
		got, err := db.LoadBoard(ctx, id, 100)
		if err != nil {
			t.Fatalf("LoadBoard(%s): %v", id, err)
		}
		if diff := cmp.Diff(w, got, equateEmpty); diff != "" {
			t.Errorf("LoadBoard(%s) mismatch (-want +got):\n%s", id, diff)
		}
	}

	boards := map[string][]messages.Board{
		"user-alice": {
			{ID: "board-1", Name: "Launch", CreatedAt: at, Role: messages.RoleOwner},
			{ID: "board-2", Name: "Side project", CreatedAt: at, Role: messages.RoleEditor},
		},
		"user-bob": {{ID: "board-1", Name: "Launch", CreatedAt: at, Role: messages.RoleEditor}},
		"user-carol": {
			{ID: "board-1", Name: "Launch", CreatedAt: at, Role: messages.RoleViewer},
			{ID: "board-2", Name: "Side project", CreatedAt: at, Role: messages.RoleOwner},
		},
		"user-nobody": nil,
	}
	for user, w := range boards {
		got, err := db.BoardsOf(ctx, user, "", 100)
		if err != nil {
			t.Fatalf("BoardsOf(%s): %v", user, err)
		}
		if diff := cmp.Diff(w, got, equateEmpty); diff != "" {
			t.Errorf("BoardsOf(%s) mismatch (-want +got):\n%s", user, diff)
		}
	}

	for _, email := range []string{"alice@example.com", "bob@example.com", "carol@example.com"} {
		if _, err := db.Login(ctx, email, persistence.DemoPassword); err != nil {
			t.Errorf("Login(%s, DemoPassword): %v", email, err)
		}
	}
	var events int
	if err := db.Bun().QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&events); err != nil || events != 0 {
		t.Errorf("events after seeding: %d (%v), want 0", events, err)
	}

	seeded, err := db.SeedDemo(ctx)
	if err != nil || seeded {
		t.Fatalf("second SeedDemo = %v, %v, want false, nil", seeded, err)
	}
}

func TestSeedDemoLeavesNonEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	if _, err := db.Register(ctx, "dave@example.com", "Dave", "password-1"); err != nil {
		t.Fatal(err)
	}
	seeded, err := db.SeedDemo(ctx)
	if err != nil || seeded {
		t.Fatalf("SeedDemo on a database with a user = %v, %v, want false, nil", seeded, err)
	}
	if _, err := db.LoadBoard(ctx, "board-1", 0); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("LoadBoard(board-1) error = %v, want not_found", err)
	}
}

// Nodes started together with --demo seed the shared database once, and none fails.
func TestSeedDemoFromSeveralNodesAtOnce(t *testing.T) {
	postgresOnly(t)
	first, _ := openTemp(t)
	nodes := []*persistence.DB{first, openAt(t, first.URL(), newClock()), openAt(t, first.URL(), newClock())}
	seeded := make(chan bool, len(nodes))
	errs := make(chan error, len(nodes))
	for _, db := range nodes {
		go func() {
			ok, err := db.SeedDemo(context.Background())
			seeded <- ok
			errs <- err
		}()
	}
	n := 0
	for range nodes {
		if <-seeded {
			n++
		}
		if err := <-errs; err != nil {
			t.Errorf("SeedDemo: %v", err)
		}
	}
	if n != 1 {
		t.Fatalf("%d nodes seeded, want 1", n)
	}
}
