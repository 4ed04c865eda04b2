package persistence_test

import (
	"bytes"
	"cmp"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/taskboard/taskboard/internal/pgtest"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(pgtest.Runner(m)) }

// backend is the database these tests run against: SQLite, or Postgres when the test binary
// runs them again (TestPostgresBackend).
var backend = cmp.Or(os.Getenv(backendEnv), "sqlite")

const backendEnv = "TASKBOARD_STORE_BACKEND"

// TestPostgresBackend runs every test of the store again on Postgres: one suite, two
// backends. Without PostgreSQL installed those tests skip (and fail under CI=true).
func TestPostgresBackend(t *testing.T) {
	if backend != "sqlite" {
		t.Skip("this run is the Postgres one")
	}
	args := []string{"-test.count=1", "-test.timeout=10m"}
	if testing.Verbose() {
		args = append(args, "-test.v")
	}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), backendEnv+"=postgres")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the store's tests on Postgres failed: %v\n%s", err, out)
	}
	if testing.Verbose() || bytes.Contains(out, []byte("SKIP")) {
		t.Logf("on Postgres:\n%s", out)
	}
}

// cheapHash keeps password hashing fast in tests.
var cheapHash = persistence.HashParams{Time: 1, Memory: 64, Threads: 1}

// t0 is the fake clock's start.
var t0 = time.Date(2026, 11, 27, 15, 4, 5, 123_000_000, time.UTC)

// clock is a settable time source for Options.Clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openAt opens the database at path with test options and closes it when the test ends.
func openAt(t testing.TB, path string, c *clock) *persistence.DB {
	t.Helper()
	db, err := persistence.Open(context.Background(), path, persistence.Options{Clock: c.Now, HashParams: cheapHash})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// openTemp opens a fresh database in a directory that does not exist yet.
func openTemp(t testing.TB) (*persistence.DB, *clock) {
	t.Helper()
	c := newClock()
	if backend == "postgres" {
		return openAt(t, pgtest.Shared(t).NewDatabase(t), c), c
	}
	return openAt(t, filepath.Join(t.TempDir(), "data", "taskboard.db"), c), c
}

// openSeeded opens a fresh database holding the demo data.
func openSeeded(t testing.TB) (*persistence.DB, *clock) {
	t.Helper()
	db, c := openTemp(t)
	seeded, err := db.SeedDemo(context.Background())
	if err != nil || !seeded {
		t.Fatalf("SeedDemo = %v, %v, want true, nil", seeded, err)
	}
	return db, c
}

// change builds a Change with its encoded event, as a board actor does.
func change(t testing.TB, boardID string, seq int64, e messages.Event) messages.Change {
	t.Helper()
	e.BoardID, e.Seq = boardID, seq
	if e.ActorID == "" {
		e.ActorID = "user-alice"
	}
	if e.At.IsZero() {
		e.At = messages.NewTime(t0)
	}
	enc, err := messages.Encode(e)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return messages.Change{BoardID: boardID, Event: e, Encoded: enc}
}

// taskCreated is the change of a board actor that creates task at seq.
func taskCreated(t testing.TB, seq int64, task messages.Task) messages.Change {
	t.Helper()
	c := change(t, task.BoardID, seq, messages.Event{Type: messages.TaskCreated, Task: &task, RequestID: "req-1"})
	c.PutTasks = []messages.Task{task}
	return c
}

func newTask(boardID, listID, id string, pos int) messages.Task {
	return messages.Task{
		ID: id, BoardID: boardID, ListID: listID, Title: "Task " + id, Position: pos, Version: 1,
		CreatedAt: messages.NewTime(t0), UpdatedAt: messages.NewTime(t0),
	}
}

func ptr[T any](v T) *T { return &v }

// sqliteOnly skips a test of what only the SQLite backend has (a file, its pragmas, its
// single writer connection).
func sqliteOnly(t *testing.T) {
	t.Helper()
	if backend != "sqlite" {
		t.Skip("SQLite only")
	}
}
