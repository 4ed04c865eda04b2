package gateway_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/taskboard/taskboard/messages"
)

// TestIdempotencyOnEveryMutation retries every kind of mutation with its Idempotency-Key:
// the retry gets the first answer, byte for byte, and the board emits one event, not two,
// even when the first answer deleted what the path names.
func TestIdempotencyOnEveryMutation(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	seq := func() int64 {
		var snap messages.Snapshot
		alice.do(t, "GET", "/boards/board-1", nil).decode(t, &snap)
		return snap.Seq
	}
	boards := func() int {
		var page struct{ Data []messages.Board }
		alice.do(t, "GET", "/boards", nil).decode(t, &page)
		return len(page.Data)
	}
	var created messages.Board
	steps := []struct {
		method, path string
		body         any
		status       int
		events       int64
	}{
		{"POST", "/boards/board-1/lists", map[string]any{"name": "Later"}, http.StatusCreated, 1},
		{"PATCH", "/lists/list-done", map[string]any{"name": "Shipped"}, http.StatusOK, 1},
		{"POST", "/tasks", map[string]any{"listId": "list-todo", "title": "Once"}, http.StatusCreated, 1},
		{"PATCH", "/tasks/task-2", map[string]any{"title": "Write the API docs"}, http.StatusOK, 1},
		{"PATCH", "/tasks/task-2/move", map[string]any{"listId": "list-done", "position": 0}, http.StatusOK, 1},
		{"DELETE", "/tasks/task-3", nil, http.StatusNoContent, 1},
		{"DELETE", "/lists/list-in-progress", nil, http.StatusNoContent, 1},
		{"PATCH", "/boards/board-1", map[string]any{"name": "Launch day"}, http.StatusOK, 1},
	}
	for i, s := range steps {
		key := "key-" + string(rune('a'+i))
		before := seq()
		first := alice.do(t, s.method, s.path, s.body, "Idempotency-Key", key)
		retry := alice.do(t, s.method, s.path, s.body, "Idempotency-Key", key)
		if first.Status != s.status || retry.Status != s.status || !bytes.Equal(first.Body, retry.Body) {
			t.Fatalf("%s %s: first %d %s, retry %d %s; want %d twice with the same body",
				s.method, s.path, first.Status, first.Body, retry.Status, retry.Body, s.status)
		}
		if got := seq() - before; got != s.events {
			t.Fatalf("%s %s twice emitted %d events, want %d", s.method, s.path, got, s.events)
		}
	}

	n := boards()
	first := alice.do(t, "POST", "/boards", map[string]any{"name": "Retried"}, "Idempotency-Key", "key-board")
	retry := alice.do(t, "POST", "/boards", map[string]any{"name": "Retried"}, "Idempotency-Key", "key-board")
	if first.Status != http.StatusCreated || !bytes.Equal(first.Body, retry.Body) || boards() != n+1 {
		t.Fatalf("POST /boards retried: %d %s then %d %s, %d boards, want one new board", first.Status, first.Body, retry.Status, retry.Body, boards())
	}
	first.decode(t, &created)
	for range 2 {
		alice.do(t, "DELETE", "/boards/"+created.ID, nil, "Idempotency-Key", "key-board-delete").want(t, http.StatusNoContent)
	}

	// The same key for another request is a conflict, not someone else's answer.
	alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "Other"}, "Idempotency-Key", "key-a").
		wantError(t, http.StatusConflict, messages.CodeConflict)
}
