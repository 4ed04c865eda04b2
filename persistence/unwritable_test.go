package persistence_test

import (
	"context"
	"testing"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// TestUnwritableDatabase: while the database cannot be written, every call that writes is
// unavailable (a 503, never a 500), readiness says so, a logout still ends its session, and
// everything comes back once writes succeed again, without a restart.
func TestUnwritableDatabase(t *testing.T) {
	sqliteOnly(t)
	db, _ := openSeeded(t)
	ctx := context.Background()
	sess, err := db.Login(ctx, "alice@example.com", persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := persistence.SetReadOnly(db, true); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"register": func() error { _, err := db.Register(ctx, "eve@example.com", "Eve", "eve-password"); return err },
		"login":    func() error { _, err := db.Login(ctx, "bob@example.com", persistence.DemoPassword); return err },
		"token": func() error {
			_, err := db.CreateToken(ctx, "user-alice", messages.CreateToken{Name: "ci", Scope: messages.ScopeReadOnly, ExpiresAt: nil})
			return err
		},
		"create board": func() error {
			return db.CreateBoard(ctx, messages.NewBoard{Board: messages.Board{ID: "board-x", Name: "X"}, OwnerID: "user-alice"})
		},
		"commit": func() error {
			ev := messages.Event{Type: messages.TaskDeleted, BoardID: "board-1", Seq: 1, TaskID: "task-4", ListID: "list-done"}
			enc, err := messages.Encode(ev)
			if err != nil {
				return err
			}
			return db.Commit(ctx, messages.Change{BoardID: "board-1", Event: ev, Encoded: enc, DeleteTasks: []string{"task-4"}})
		},
		"logout": func() error { return db.Logout(ctx, sess.Token) },
	}
	for name, call := range calls {
		if code := messages.ErrorCode(call()); code != messages.CodeUnavailable {
			t.Errorf("%s on an unwritable database: %q, want unavailable", name, code)
		}
	}
	if err := db.Ping(ctx); messages.ErrorCode(err) != messages.CodeUnavailable {
		t.Fatalf("readiness of an unwritable database: %v, want unavailable", err)
	}
	// The failed logout ended the session all the same.
	if _, err := db.Authenticate(ctx, sess.Token); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("a session whose logout failed: %v, want unauthorized", err)
	}

	if err := persistence.SetReadOnly(db, false); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("readiness once writable again: %v", err)
	}
	if _, err := db.Prune(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.Bun().QueryRowContext(ctx, "SELECT count(*) FROM sessions").Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d sessions after the pending logout was written (%v), want 0", left, err)
	}
	if _, err := db.Authenticate(ctx, sess.Token); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("the logged-out session after recovery: %v, want unauthorized", err)
	}
	if _, err := db.Register(ctx, "eve@example.com", "Eve", "eve-password"); err != nil {
		t.Fatalf("register once writable again: %v", err)
	}
}
