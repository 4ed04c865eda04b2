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
	dsn := oldDatabase(t, 3,
		`INSERT INTO tasks (id, board_id, list_id, title, assignee_id, position, version, created_at, updated_at)
			VALUES ('task-a', 'board-old', 'list-old', 'Assigned', 'user-a', 0, 3, 0, 0),
			       ('task-b', 'board-old', 'list-old', 'Nobody''s', NULL, 1, 1, 0, 0)`)

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

// oldDatabase makes a database of schema version (its migrations, run as files), holding
// user-a, owner of board-old with its list list-old, and then rows, and returns its address
// for Open, which migrates it on.
func oldDatabase(t *testing.T, version int, rows ...string) string {
	t.Helper()
	ctx := context.Background()
	driver, dsn, setVersion := "sqlite3", filepath.Join(t.TempDir(), "old.db"), fmt.Sprintf("PRAGMA user_version = %d", version)
	if backend == "postgres" {
		driver, dsn = "pgx", pgtest.Shared(t).NewDatabase(t)
		setVersion = fmt.Sprintf("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (%d)", version)
	}
	old, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	names, err := filepath.Glob(filepath.Join("migrations", backend, "*.sql")) // sorted
	if err != nil || len(names) < version {
		t.Fatalf("migrations: %v, %v", names, err)
	}
	for _, name := range names[:version] {
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, stmt := range append([]string{setVersion,
		`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('user-a', 'a@example.com', 'A', 'x', 0)`,
		`INSERT INTO boards (id, name, seq, created_at) VALUES ('board-old', 'Old', 0, 0)`,
		`INSERT INTO board_members (board_id, user_id, role, created_at) VALUES ('board-old', 'user-a', 'owner', 0)`,
		`INSERT INTO lists (id, board_id, name, position, created_at) VALUES ('list-old', 'board-old', 'L', 0, 0)`,
	}, rows...) {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return dsn
}
