package persistence

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// DemoPassword is the password of every demo user SeedDemo creates.
const DemoPassword = "taskboard-demo"

// The demo data of PROTOCOL.md, "Seed data (demo mode)".
var (
	demoUsers = []messages.User{
		{ID: "user-alice", Name: "Alice", Email: "alice@example.com"},
		{ID: "user-bob", Name: "Bob", Email: "bob@example.com"},
		{ID: "user-carol", Name: "Carol", Email: "carol@example.com"},
	}
	demoBoards = []messages.Board{
		{ID: "board-1", Name: "Launch"},
		{ID: "board-2", Name: "Side project"},
	}
	demoMembers = []memberRow{
		{BoardID: "board-1", UserID: "user-alice", Role: string(messages.RoleOwner)},
		{BoardID: "board-1", UserID: "user-bob", Role: string(messages.RoleEditor)},
		{BoardID: "board-1", UserID: "user-carol", Role: string(messages.RoleViewer)},
		{BoardID: "board-2", UserID: "user-carol", Role: string(messages.RoleOwner)},
		{BoardID: "board-2", UserID: "user-alice", Role: string(messages.RoleEditor)},
	}
	demoLists = []messages.List{
		{ID: "list-todo", BoardID: "board-1", Name: "To Do", Position: 0},
		{ID: "list-in-progress", BoardID: "board-1", Name: "In Progress", Position: 1},
		{ID: "list-done", BoardID: "board-1", Name: "Done", Position: 2},
		{ID: "list-b2-todo", BoardID: "board-2", Name: "To Do", Position: 0},
		{ID: "list-b2-done", BoardID: "board-2", Name: "Done", Position: 1},
	}
	demoTasks = []messages.Task{
		{ID: "task-1", BoardID: "board-1", ListID: "list-todo", Title: "Design login page", Position: 0},
		{ID: "task-2", BoardID: "board-1", ListID: "list-todo", Title: "Write API docs", Position: 1},
		{ID: "task-3", BoardID: "board-1", ListID: "list-in-progress", Title: "Set up CI", Position: 0},
		{ID: "task-4", BoardID: "board-1", ListID: "list-done", Title: "Pick a logo", Position: 0},
		{ID: "task-5", BoardID: "board-2", ListID: "list-b2-todo", Title: "Plan the offsite", Position: 0},
	}
)

// SeedDemo fills an empty database (no users, no boards) with the protocol's demo data in
// one transaction and reports true; on any other database it does nothing and reports false.
// Every demo user's password is DemoPassword; boards start at seq 0 with no events.
func (db *DB) SeedDemo(ctx context.Context) (seeded bool, err error) {
	if empty, err := isEmpty(ctx, db.bun); err != nil || !empty {
		if err != nil {
			return false, fmt.Errorf("seed demo: %w", err)
		}
		return false, nil
	}
	now := db.now()
	at := millis(now)
	users := make([]userRow, len(demoUsers))
	for i, u := range demoUsers {
		hash, err := db.hasher.hash(ctx, DemoPassword) // one salt per user
		if err != nil {
			return false, fmt.Errorf("seed demo: %w", err)
		}
		users[i] = userRow{ID: u.ID, Email: u.Email, Name: u.Name, PasswordHash: hash, CreatedAt: at}
	}
	boards := make([]boardRow, len(demoBoards))
	for i, b := range demoBoards {
		boards[i] = boardRow{ID: b.ID, Name: b.Name, CreatedAt: at}
	}
	members := make([]memberRow, len(demoMembers))
	for i, m := range demoMembers {
		members[i] = m
		members[i].CreatedAt = at
	}
	lists := make([]listRow, len(demoLists))
	for i, l := range demoLists {
		lists[i] = newListRow(l, l.BoardID, now)
	}
	tasks := make([]taskRow, len(demoTasks))
	for i, t := range demoTasks {
		t.Version = 1
		tasks[i] = newTaskRow(t, t.BoardID, now)
	}

	err = db.write(ctx, func(tx bun.Tx) error {
		// Checked again under the write lock: another process may have seeded meanwhile. On
		// Postgres, nodes started together take turns on an advisory lock.
		if db.pg {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7216354291)"); err != nil {
				return err
			}
		}
		if empty, err := isEmpty(ctx, tx); err != nil || !empty {
			return err
		}
		for _, model := range []any{&users, &boards, &members, &lists, &tasks} {
			if _, err := tx.NewInsert().Model(model).Exec(ctx); err != nil {
				return err
			}
		}
		seeded = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("seed demo: %w", err)
	}
	if seeded {
		db.log.Info().Int("users", len(users)).Int("boards", len(boards)).Msg("seeded demo data")
	}
	return seeded, nil
}

// isEmpty reports whether the database has neither users nor boards.
func isEmpty(ctx context.Context, q bun.IDB) (bool, error) {
	var found bool
	if err := q.QueryRowContext(ctx,
		"SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM boards)").Scan(&found); err != nil {
		return false, fmt.Errorf("check empty database: %w", err)
	}
	return !found, nil
}
