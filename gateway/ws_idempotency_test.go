package gateway_test

import (
	"net/http"
	"testing"

	"github.com/taskboard/taskboard/messages"
)

// A clientMutationId makes WebSocket changes idempotent as Idempotency-Key does on REST: a
// retry gets the first ack (a delete's too), over either transport, with one event; the same
// id on another change is a conflict.
func TestWebSocketMutationsAreIdempotent(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	p := alice.ws(t, coderLib)
	ack := func(msg map[string]any) wsMsg {
		t.Helper()
		p.send(t, msg)
		m := p.next(t)
		if m.Type != "ack" {
			t.Fatalf("%v: got %s, want an ack", msg, m.Raw)
		}
		return m
	}
	create := map[string]any{"type": "create_task", "requestId": "r1", "listId": "list-todo", "title": "Once", "clientMutationId": "k-create"}
	first, retry := ack(create), ack(create)
	if first.Task == nil || retry.Task == nil || first.Task.ID != retry.Task.ID {
		t.Fatalf("retried create acked %s then %s, want the same task", first.Raw, retry.Raw)
	}
	res := alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "Once"}, "Idempotency-Key", "k-create")
	res.want(t, http.StatusCreated)
	var task messages.Task
	res.decode(t, &task)
	if task.ID != first.Task.ID {
		t.Fatalf("the same change over REST created %s, want %s", task.ID, first.Task.ID)
	}

	del := map[string]any{"type": "delete_task", "requestId": "r2", "taskId": first.Task.ID, "clientMutationId": "k-delete"}
	ack(del)
	ack(del)

	p.send(t, map[string]any{"type": "update_task", "requestId": "r3", "taskId": "task-2", "title": "x", "clientMutationId": "k-create"})
	if m := p.next(t); m.Type != "error" || m.Code != string(messages.CodeConflict) {
		t.Fatalf("a used id on another change: %s, want error conflict", m.Raw)
	}
	var snap messages.Snapshot
	alice.do(t, "GET", "/boards/board-1", nil).decode(t, &snap)
	if snap.Seq != 2 {
		t.Fatalf("seq %d, want 2: one creation and one deletion", snap.Seq)
	}
}
