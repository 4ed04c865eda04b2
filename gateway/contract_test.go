package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/taskboard/taskboard/messages"
)

// TestContractEdges: HEAD on a stream, tokens in URLs, a read-only token ending itself, error
// fields in wire names, and the headers of JSON answers.
func TestContractEdges(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")

	t.Run("HEAD on the SSE route answers headers and ends", func(t *testing.T) {
		res := alice.do(t, "HEAD", "/boards/board-1/events", nil)
		res.want(t, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" || len(res.Body) != 0 {
			t.Fatalf("HEAD: %q with %d bytes, want the stream's headers and no body", ct, len(res.Body))
		}
		e.as(t, "bob").do(t, "HEAD", "/boards/board-2/events", nil).want(t, http.StatusNotFound)
	})

	t.Run("?token= is not taken outside the WebSocket routes", func(t *testing.T) {
		upgrade := []string{"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}
		e.anon().do(t, "GET", "/boards/board-1?token="+alice.token, nil, upgrade...).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
		e.anon().do(t, "GET", "/boards/board-1?token="+alice.token, nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	})

	t.Run("a read-only token can log itself out", func(t *testing.T) {
		ro, _ := alice.apiToken(t, messages.ScopeReadOnly)
		ro.do(t, "POST", "/tasks", map[string]string{"listId": "list-todo", "title": "x"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)
		ro.do(t, "POST", "/auth/logout", nil).want(t, http.StatusNoContent)
		ro.do(t, "GET", "/me", nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	})

	t.Run("error fields are the wire's names", func(t *testing.T) {
		body := alice.do(t, "POST", "/tasks", `{"listId":"list-todo","title":"x","clientMutationId":5}`).
			wantError(t, http.StatusBadRequest, messages.CodeBadRequest)
		if _, ok := body.Error.Fields["clientMutationId"]; !ok {
			t.Fatalf("fields %v, want clientMutationId", body.Error.Fields)
		}
	})

	t.Run("answers with a secret are not stored; JSON is not sniffed", func(t *testing.T) {
		res := e.anon().do(t, "POST", "/auth/login", map[string]string{"email": "bob@example.com", "password": "taskboard-demo"})
		res.want(t, http.StatusOK)
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Fatalf("login answered Cache-Control %q, want no-store", cc)
		}
		tok := alice.do(t, "POST", "/me/tokens", map[string]any{"name": "ci", "scope": messages.ScopeReadOnly})
		if cc := tok.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Fatalf("a new token answered Cache-Control %q, want no-store", cc)
		}
		for _, r := range []*response{res, tok, alice.do(t, "GET", "/boards", nil), alice.do(t, "GET", "/tasks/nope", nil)} {
			if r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("a JSON answer (%d) without nosniff: %v", r.Status, r.Header)
			}
		}
	})
}

// TestRoomMessagesFollowTheRules: a read-only token's typing and cursor are refused like its
// other writes, and a cursor off the board is a validation error.
func TestRoomMessagesFollowTheRules(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	ro, _ := alice.apiToken(t, messages.ScopeReadOnly)
	p := ro.joined(t, gwsLib, "board-1")
	for _, msg := range []map[string]any{
		{"type": "typing", "boardId": "board-1", "taskId": "task-1"},
		{"type": "cursor", "boardId": "board-1", "x": 10, "y": 10},
	} {
		p.send(t, msg)
		if m := expect(t, p, "error"); m.Code != "forbidden" {
			t.Fatalf("read-only %s: %q, want forbidden", msg["type"], m.Code)
		}
	}
	w := alice.joined(t, gwsLib, "board-1")
	for _, xy := range [][2]float64{{-2e6, 5}, {5, 2e6}} {
		w.send(t, map[string]any{"type": "cursor", "boardId": "board-1", "x": xy[0], "y": xy[1]})
		if m := expect(t, w, "error"); m.Code != "validation" {
			t.Fatalf("cursor at %v: %q, want validation", xy, m.Code)
		}
	}
}
