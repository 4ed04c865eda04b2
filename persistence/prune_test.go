package persistence_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
)

func TestPruneForgetsOldIdempotencyRecordsAndSessions(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openAt(t, filepath.Join(t.TempDir(), "prune.db"), c)
	if _, err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Login(ctx, "alice@example.com", "taskboard-demo"); err != nil {
		t.Fatal(err)
	}
	record := func(key string) *messages.Idempotency {
		return &messages.Idempotency{UserID: "user-alice", Key: key, Result: []byte(`{}`)}
	}
	old := messages.NewBoard{Board: messages.Board{ID: "board-old", Name: "Old"}, OwnerID: "user-alice", Idempotency: record("old")}
	if err := db.CreateBoard(ctx, old); err != nil {
		t.Fatal(err)
	}
	c.Advance(25 * time.Hour)
	fresh := messages.NewBoard{Board: messages.Board{ID: "board-new", Name: "New"}, OwnerID: "user-alice", Idempotency: record("new")}
	if err := db.CreateBoard(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	c.Advance(31 * 24 * time.Hour) // past the session's expiry too
	n, err := db.Prune(ctx, 31*24*time.Hour+time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want the old record and the expired session", n, err)
	}
	for key, want := range map[string]bool{"old": false, "new": true} {
		if _, found, err := db.Idempotent(ctx, "user-alice", key); err != nil || found != want {
			t.Fatalf("record %q found=%v (%v), want %v", key, found, err, want)
		}
	}
}
