package persistence_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/taskboard/taskboard/persistence"
)

func TestOpenTwiceKeepsSchemaAndData(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "taskboard.db")
	c := newClock()

	first, err := persistence.Open(ctx, path, persistence.Options{Clock: c.Now, HashParams: cheapHash})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	if _, err := first.SeedDemo(ctx); err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db := openAt(t, path, c) // migrations already applied: must be a no-op
	var version int
	if err := db.Bun().QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != 5 {
		t.Fatalf("user_version = %d, want 5", version)
	}
	if _, err := db.LoadBoard(ctx, "board-1", 10); err != nil {
		t.Fatalf("LoadBoard after reopening: %v", err)
	}
	if seeded, err := db.SeedDemo(ctx); err != nil || seeded {
		t.Fatalf("SeedDemo after reopening = %v, %v, want false, nil", seeded, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "taskboard.db")
	db, err := persistence.Open(ctx, path, persistence.Options{HashParams: cheapHash})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Bun().ExecContext(ctx, "PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = persistence.Open(ctx, path, persistence.Options{HashParams: cheapHash})
	if err == nil {
		db.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("error %q does not say the schema is newer", err)
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		path string
		opts persistence.Options
	}{
		"memory":      {path: ":memory:"},
		"empty path":  {path: ""},
		"hash params": {path: filepath.Join(t.TempDir(), "x.db"), opts: persistence.Options{HashParams: persistence.HashParams{Time: 1}}},
	} {
		t.Run(name, func(t *testing.T) {
			db, err := persistence.Open(ctx, tc.path, tc.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
		})
	}
}

func TestPathWithURICharacters(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "a?b#c%d", "taskboard.db")
	db := openAt(t, path, newClock())
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

// The pragmas live in the DSN and the driver's connect hook, so every pooled connection has
// them, not only the first.
func TestPragmasOnEveryConnection(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db, _ := openTemp(t)
	const conns = 4 // held at once, so each is a distinct connection
	for i := range conns {
		conn, err := db.Bun().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var fk, busy, sync, checkpoint int
		var journal string
		for _, p := range []struct {
			pragma string
			dest   any
		}{
			{"foreign_keys", &fk}, {"journal_mode", &journal}, {"busy_timeout", &busy}, {"synchronous", &sync},
			{"wal_autocheckpoint", &checkpoint},
		} {
			if err := conn.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.dest); err != nil {
				t.Fatalf("conn %d: PRAGMA %s: %v", i, p.pragma, err)
			}
		}
		if fk != 1 || journal != "wal" || busy != 5000 || sync != 1 || checkpoint != 8192 {
			t.Errorf("conn %d: foreign_keys=%d journal_mode=%s busy_timeout=%d synchronous=%d wal_autocheckpoint=%d, want 1 wal 5000 1 (NORMAL) 8192",
				i, fk, journal, busy, sync, checkpoint)
		}
	}
}

func TestPing(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestOpenRefusesASecondWriter(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "taskboard.db")
	first, err := persistence.Open(ctx, path, persistence.Options{HashParams: cheapHash})
	if err != nil {
		t.Fatal(err)
	}
	if second, err := persistence.Open(ctx, path, persistence.Options{HashParams: cheapHash}); !errors.Is(err, persistence.ErrInUse) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("second Open while the first is open: %v, want ErrInUse", err)
	}
	// Reached by another path, it is the same file, and still in use.
	link := filepath.Join(t.TempDir(), "link.db")
	hard := filepath.Join(filepath.Dir(path), "hard.db")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, hard); err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{link, hard} {
		if second, err := persistence.Open(ctx, other, persistence.Options{HashParams: cheapHash}); !errors.Is(err, persistence.ErrInUse) {
			if second != nil {
				second.Close()
			}
			t.Fatalf("Open through %s while the first is open: %v, want ErrInUse", filepath.Base(other), err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := persistence.Open(ctx, path, persistence.Options{HashParams: cheapHash})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}

// Committed pages reach the database file in the background, while SQLite's own checkpoint
// at commit would wait for thousands of pages.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "taskboard.db")
	db := openAt(t, path, newClock())
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	checkpoints := persistence.Checkpoints(db)
	before := size()
	if seeded, err := db.SeedDemo(context.Background()); err != nil || !seeded {
		t.Fatalf("SeedDemo = %v, %v", seeded, err)
	}
	// A checkpoint that began before the commit leaves the file as it was: wait for the next.
	deadline := time.After(10 * time.Second)
	for size() <= before {
		select {
		case <-checkpoints:
		case <-deadline:
			t.Fatalf("the database file stayed at %d bytes for 10 s after a commit", before)
		}
	}
}
