package persistence_test

import (
	"context"
	"testing"

	"github.com/taskboard/taskboard/messages"
)

// TestHostileValuesNeverReachTheQueries: bun writes values into the SQL it sends and refuses a
// NUL there by making the statement invalid. The store answers such a value as nothing found,
// before any query, so that no caller sees an internal error for it.
func TestHostileValuesNeverReachTheQueries(t *testing.T) {
	db, _ := openSeeded(t)
	ctx := context.Background()
	nul := "user-\x00alice"
	if _, err := db.LoadBoard(ctx, "board-\x001", 10); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("LoadBoard: %v, want not_found", err)
	}
	if _, err := db.BoardOfTask(ctx, "task-\x001"); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("BoardOfTask: %v, want not_found", err)
	}
	if _, err := db.BoardOfList(ctx, "list\x00"); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("BoardOfList: %v, want not_found", err)
	}
	if _, err := db.FindUser(ctx, nul, ""); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("FindUser by id: %v, want not_found", err)
	}
	if _, err := db.FindUser(ctx, "", "a\x00@example.com"); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("FindUser by email: %v, want not_found", err)
	}
	if b, err := db.BoardsOf(ctx, nul, "", 10); err != nil || len(b) != 0 {
		t.Errorf("BoardsOf: %v, %v, want none", b, err)
	}
	if n, err := db.OwnedBoards(ctx, nul); err != nil || n != 0 {
		t.Errorf("OwnedBoards: %d, %v, want 0", n, err)
	}
	if e, err := db.Events(ctx, "board-\x001", 0, 10); err != nil || len(e) != 0 {
		t.Errorf("Events: %v, %v, want none", e, err)
	}
	if tok, err := db.Tokens(ctx, nul); err != nil || len(tok) != 0 {
		t.Errorf("Tokens: %v, %v, want none", tok, err)
	}
	if err := db.RevokeToken(ctx, "user-alice", "tok\x00"); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Errorf("RevokeToken: %v, want not_found", err)
	}
	if _, err := db.Login(ctx, "alice@example.com\x00", "x"); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Errorf("Login: %v, want unauthorized", err)
	}
	if _, err := db.Authenticate(ctx, "tok\x00"); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Errorf("Authenticate: %v, want unauthorized", err)
	}
}
