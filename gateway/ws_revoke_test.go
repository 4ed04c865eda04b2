package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
)

// TestRevokedRoomCloses4003 checks the revocation hook's last step: a board ending a room's
// subscription with EndRevoked closes the connection with 4003.
func TestRevokedRoomCloses4003(t *testing.T) {
	e := newServer(t)
	p := e.as(t, "bob").joined(t, gwsLib, "board-1")
	gateway.EndRooms(e.gw, "board-1", messages.EndRevoked)
	if code := p.awaitClose(t); code != 4003 {
		t.Fatalf("closed with %d, want 4003", code)
	}
}

// A removed member's WebSocket is closed with 4003 within a second, after member_removed;
// joining the board again then finds no board.
func TestRemovedMemberWebSocketIsClosed(t *testing.T) {
	for _, l := range []lib{gwsLib, coderLib} {
		t.Run(l.String(), func(t *testing.T) {
			e := newServer(t)
			alice, carol := e.as(t, "alice"), e.as(t, "carol")
			p := carol.joined(t, l, "board-1")
			start := time.Now()
			alice.do(t, "DELETE", "/boards/board-1/members/user-carol", nil).want(t, http.StatusNoContent)
			if m := p.next(t); m.Type != string(messages.MemberRemoved) || m.UserID != "user-carol" {
				t.Fatalf("carol got %s, want her member_removed", m.Raw)
			}
			if code := p.awaitClose(t); code != 4003 {
				t.Fatalf("closed with %d, want 4003", code)
			}
			if took := time.Since(start); took > cutOff {
				t.Fatalf("closed after %s, want within %s", took, cutOff)
			}
			again := carol.ws(t, l)
			again.send(t, map[string]any{"type": "join", "boardId": "board-1"})
			if m := again.next(t); m.Type != "error" || m.Code != string(messages.CodeNotFound) {
				t.Fatalf("join after removal: %s, want error not_found", m.Raw)
			}
		})
	}
}

// Revoking a credential (logout, API token revocation, a password change elsewhere) closes
// the WebSockets opened with it with 4001 within a second, and it no longer opens one; the
// user's other sessions keep theirs.
func TestRevokedCredentialClosesWebSocket(t *testing.T) {
	tests := revocations
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, cut, other, tokenID := tt.setUp(t)
			p := cut.joined(t, gwsLib, "board-1")
			kept := other.joined(t, coderLib, "board-1")
			start := time.Now()
			tt.revoke(t, cut, other, tokenID)
			if code := p.awaitClose(t); code != 4001 {
				t.Fatalf("closed with %d, want 4001", code)
			}
			if took := time.Since(start); took > cutOff {
				t.Fatalf("closed after %s, want within %s", took, cutOff)
			}
			if _, resp, err := dialGWS(e.wsURL("/ws"), http.Header{"Authorization": {"Bearer " + cut.token}}); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("upgrade with a revoked token: %v %v, want 401", err, resp)
			}
			quiet(t, kept)
		})
	}
}

// A read-only API token may watch a board over WebSocket but not change it.
func TestReadOnlyTokenCannotChangeOverWebSocket(t *testing.T) {
	e := newServer(t)
	readOnly, _ := e.as(t, "alice").apiToken(t, messages.ScopeReadOnly)
	p := readOnly.joined(t, coderLib, "board-1")
	p.send(t, map[string]any{"type": "create_task", "requestId": "r1", "listId": "list-todo", "title": "nope"})
	if m := p.next(t); m.Type != "error" || m.Code != string(messages.CodeForbidden) || m.RequestID != "r1" {
		t.Fatalf("create_task with a read-only token: %s, want error forbidden for r1", m.Raw)
	}
	quiet(t, p)
}

// Removal from one board ends that room only when the connection has joined others: an error
// frame names the board, and the other boards keep streaming.
func TestRemovalFromOneOfSeveralBoards(t *testing.T) {
	e := newServer(t)
	alice, carol := e.as(t, "alice"), e.as(t, "carol")
	p := alice.joined(t, gwsLib, "board-1")
	p.send(t, map[string]any{"type": "join", "boardId": "board-2"})
	expect(t, p, "presence")
	carol.do(t, "DELETE", "/boards/board-2/members/user-alice", nil).want(t, http.StatusNoContent)
	if m := p.next(t); m.Type != string(messages.MemberRemoved) || m.BoardID != "board-2" {
		t.Fatalf("got %s, want board-2's member_removed", m.Raw)
	}
	if m := p.next(t); m.Type != "error" || m.Code != string(messages.CodeNotFound) || m.BoardID != "board-2" {
		t.Fatalf("got %s, want an error not_found for board-2", m.Raw)
	}
	alice.createTask(t, "list-todo", "still here")
	if m := p.next(t); m.Type != string(messages.TaskCreated) || m.BoardID != "board-1" {
		t.Fatalf("got %s, want board-1 to go on", m.Raw)
	}
}
