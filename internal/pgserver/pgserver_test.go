package pgserver_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/taskboard/taskboard/internal/pgserver"
)

// newServer is pgserver.New for a test: it skips without PostgreSQL, unless CI=true.
func newServer(t *testing.T, root string) *pgserver.Server {
	t.Helper()
	s, err := pgserver.New(root, pgserver.Options{Detach: true})
	if errors.Is(err, pgserver.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// A server in a directory of the caller's keeps its data for the next server in that
// directory, and Remove leaves that directory alone.
func TestDataOutlivesTheServer(t *testing.T) {
	parent, err := os.MkdirTemp("", "pgserver-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil { // the user postgres runs as passes through
		t.Fatal(err)
	}
	root := filepath.Join(parent, "pg")

	first := newServer(t, root)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	if err := first.CreateDatabase("kept", true); err != nil {
		t.Fatal(err)
	}
	if err := first.Exec("CREATE ROLE marker"); err != nil {
		t.Fatal(err)
	}
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}

	again := newServer(t, root)
	if err := again.Start(); err != nil {
		t.Fatal(err)
	}
	if err := again.CreateDatabase("kept", true); err != nil {
		t.Fatalf("CreateDatabase of an existing database, if missing: %v", err)
	}
	if err := again.CreateDatabase("kept", false); err == nil {
		t.Fatal("the database kept is gone: created again")
	}
	if err := again.Exec("CREATE ROLE marker"); err == nil {
		t.Fatal("the role made by the first server is gone: created again")
	}
	if err := again.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "data", "PG_VERSION")); err != nil {
		t.Fatalf("Remove removed a directory it did not make: %v", err)
	}
}
