package persistence_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/internal/pgtest"
)

// A database made by an older version keeps its tasks when the cards' schema arrives: the v1
// assignee becomes the first of assigneeIds, and the rest starts empty.
func TestMigrationToCardsKeepsTasks(t *testing.T) {
	ctx := context.Background()
	driver, dsn, version := "sqlite3", filepath.Join(t.TempDir(), "old.db"), "PRAGMA user_version = 3"
	if backend == "postgres" {
		driver, dsn = "pgx", pgtest.Shared(t).NewDatabase(t)
		version = "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (3)"
	}
	old, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"0001_init.sql", "0002_api_tokens.sql", "0003_revocations.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", backend, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	for _, stmt := range []string{
		version,
		`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('user-a', 'a@example.com', 'A', 'x', 0)`,
		`INSERT INTO boards (id, name, seq, created_at) VALUES ('board-old', 'Old', 0, 0)`,
		`INSERT INTO board_members (board_id, user_id, role, created_at) VALUES ('board-old', 'user-a', 'owner', 0)`,
		`INSERT INTO lists (id, board_id, name, position, created_at) VALUES ('list-old', 'board-old', 'L', 0, 0)`,
		`INSERT INTO tasks (id, board_id, list_id, title, assignee_id, position, version, created_at, updated_at)
			VALUES ('task-a', 'board-old', 'list-old', 'Assigned', 'user-a', 0, 3, 0, 0),
			       ('task-b', 'board-old', 'list-old', 'Nobody''s', NULL, 1, 1, 0, 0)`,
	} {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	old.Close()

	db := openAt(t, dsn, newClock())
	s, err := db.LoadBoard(ctx, "board-old", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range s.Tasks {
		got = append(got, fmt.Sprintf("%s %v %v labels=%v checklist=%v comments=%d archived=%v version=%d",
			task.ID, task.AssigneeIDs, deref(task.AssigneeID), task.LabelIDs, task.Checklist, task.CommentCount, task.ArchivedAt, task.Version))
	}
	want := []string{
		"task-a [user-a] user-a labels=[] checklist=[] comments=0 archived=<nil> version=3",
		"task-b [] <none> labels=[] checklist=[] comments=0 archived=<nil> version=1",
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Fatalf("tasks after the migration (-want +got):\n%s", diff)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}
