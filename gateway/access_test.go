package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// fixture is a fresh demo server with one client per kind of caller of the access matrix.
// On board-1 alice is owner, bob editor, carol viewer; dave is on no board.
type fixture struct {
	e                               *env
	owner, editor, viewer, stranger *client
	callers                         map[string]*client
}

// The callers of the access matrix, in the order each endpoint is tried.
var callers = []string{"none", "expired", "revoked", "stranger", "viewer", "editor", "owner", "read-only"}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := newServer(t)
	expired := e.as(t, "alice")
	e.clock.Advance(persistence.DefaultSessionTTL + time.Minute)
	f := &fixture{e: e, owner: e.as(t, "alice"), editor: e.as(t, "bob"), viewer: e.as(t, "carol")}
	f.stranger, _ = e.register(t, "Dave")
	revoked, id := f.owner.apiToken(t, messages.ScopeReadWrite)
	f.owner.do(t, "DELETE", "/me/tokens/"+id, nil).want(t, http.StatusNoContent)
	readOnly, _ := f.owner.apiToken(t, messages.ScopeReadOnly)
	f.callers = map[string]*client{
		"none": e.anon(), "expired": expired, "revoked": revoked, "stranger": f.stranger,
		"viewer": f.viewer, "editor": f.editor, "owner": f.owner, "read-only": readOnly,
	}
	return f
}

var fresh atomic.Int64

// newUser registers a user who is on no board.
func (f *fixture) newUser(t *testing.T) messages.User {
	t.Helper()
	_, u := f.e.register(t, fmt.Sprintf("User%d", fresh.Add(1)))
	return u
}

// newMember registers a user and makes them a viewer of board-1.
func (f *fixture) newMember(t *testing.T) messages.User {
	t.Helper()
	u := f.newUser(t)
	f.owner.do(t, "POST", "/boards/board-1/members", map[string]any{"userId": u.ID, "role": "viewer"}).want(t, http.StatusCreated)
	return u
}

// probe sends a request and returns its status and body; an event stream is not read, only
// opened and closed.
func (c *client) probe(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	resp, err := c.e.srv.Client().Do(c.request(t, ctx, method, path, body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return resp.StatusCode, nil
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// perRole holds the expected statuses for the callers with valid credentials. Callers
// without (none, expired, revoked) always get 401.
type perRole struct{ stranger, viewer, editor, owner, readOnly int }

func (p perRole) of(caller string) int {
	switch caller {
	case "stranger":
		return p.stranger
	case "viewer":
		return p.viewer
	case "editor":
		return p.editor
	case "owner":
		return p.owner
	case "read-only":
		return p.readOnly
	}
	return http.StatusUnauthorized
}

const (
	ok       = http.StatusOK
	created  = http.StatusCreated
	gone     = http.StatusNoContent
	invalid  = http.StatusBadRequest
	denied   = http.StatusForbidden
	notFound = http.StatusNotFound
)

// TestAccessMatrix tries every authenticated endpoint as every kind of caller against a real
// server. Each endpoint gets a fresh server; an endpoint that consumes its target makes a
// new one before each caller. The read-only API token is the owner's: only its scope stops it.
func TestAccessMatrix(t *testing.T) {
	type setup func(t *testing.T, f *fixture) (path string, body any)
	tests := []struct {
		method, path string
		body         any
		// setup, when set, gives the path (path is then only its name) and body for each caller.
		setup setup
		want  perRole
	}{
		{"GET", "/me", nil, nil, perRole{ok, ok, ok, ok, ok}},
		{"POST", "/auth/logout", nil, nil, perRole{gone, gone, gone, gone, gone}},
		{"POST", "/me/password", map[string]string{"currentPassword": persistence.DemoPassword, "newPassword": "another password"}, nil,
			perRole{gone, gone, gone, gone, denied}},
		{"GET", "/me/tokens", nil, nil, perRole{ok, ok, ok, ok, ok}},
		{"POST", "/me/tokens", map[string]string{"name": "ci"}, nil, perRole{created, created, created, created, denied}},
		{"DELETE", "/me/tokens/{tokenId}", nil, func(t *testing.T, f *fixture) (string, any) {
			_, id := f.owner.apiToken(t, messages.ScopeReadWrite)
			return "/me/tokens/" + id, nil
		}, perRole{notFound, notFound, notFound, gone, denied}},
		{"GET", "/boards", nil, nil, perRole{ok, ok, ok, ok, ok}},
		{"POST", "/boards", map[string]string{"name": "New"}, nil, perRole{created, created, created, created, denied}},
		{"GET", "/boards/board-1", nil, nil, perRole{notFound, ok, ok, ok, ok}},
		{"PATCH", "/boards/board-1", map[string]string{"name": "Renamed"}, nil, perRole{notFound, denied, denied, ok, denied}},
		{"DELETE", "/boards/{boardId}", nil, func(t *testing.T, f *fixture) (string, any) {
			res := f.owner.do(t, "POST", "/boards", map[string]string{"name": "Doomed"})
			res.want(t, http.StatusCreated)
			var b messages.Board
			res.decode(t, &b)
			for user, role := range map[string]string{"user-bob": "editor", "user-carol": "viewer"} {
				f.owner.do(t, "POST", "/boards/"+b.ID+"/members", map[string]string{"userId": user, "role": role}).want(t, http.StatusCreated)
			}
			return "/boards/" + b.ID, nil
		}, perRole{notFound, denied, denied, gone, denied}},
		{"GET", "/boards/board-1/tasks", nil, nil, perRole{notFound, ok, ok, ok, ok}},
		{"GET", "/boards/board-1/members", nil, nil, perRole{notFound, ok, ok, ok, ok}},
		{"POST", "/boards/board-1/members", nil, func(t *testing.T, f *fixture) (string, any) {
			return "/boards/board-1/members", map[string]string{"email": f.newUser(t).Email, "role": "editor"}
		}, perRole{notFound, denied, denied, created, denied}},
		{"PATCH", "/boards/board-1/members/{userId}", nil, func(t *testing.T, f *fixture) (string, any) {
			return "/boards/board-1/members/" + f.newMember(t).ID, map[string]string{"role": "editor"}
		}, perRole{notFound, denied, denied, ok, denied}},
		{"DELETE", "/boards/board-1/members/{userId}", nil, func(t *testing.T, f *fixture) (string, any) {
			return "/boards/board-1/members/" + f.newMember(t).ID, nil
		}, perRole{notFound, denied, denied, gone, denied}},
		{"POST", "/boards/board-1/lists", map[string]string{"name": "Later"}, nil, perRole{notFound, denied, created, created, denied}},
		{"GET", "/lists/list-todo", nil, nil, perRole{notFound, ok, ok, ok, ok}},
		{"PATCH", "/lists/list-todo", map[string]string{"name": "Backlog"}, nil, perRole{notFound, denied, ok, ok, denied}},
		{"DELETE", "/lists/{listId}", nil, func(t *testing.T, f *fixture) (string, any) {
			res := f.owner.do(t, "POST", "/boards/board-1/lists", map[string]string{"name": "Doomed"})
			res.want(t, http.StatusCreated)
			var l messages.List
			res.decode(t, &l)
			return "/lists/" + l.ID, nil
		}, perRole{notFound, denied, gone, gone, denied}},
		// A stranger's listId is body input naming no list they can see: the same 400 as an
		// unknown list (TestForeignBoardLooksAbsent).
		{"POST", "/tasks", map[string]string{"listId": "list-todo", "title": "New"}, nil, perRole{invalid, denied, created, created, denied}},
		{"GET", "/tasks/task-1", nil, nil, perRole{notFound, ok, ok, ok, ok}},
		{"PATCH", "/tasks/task-1", map[string]string{"title": "Changed"}, nil, perRole{notFound, denied, ok, ok, denied}},
		{"PATCH", "/tasks/task-1/move", map[string]any{"listId": "list-done", "position": 0}, nil, perRole{notFound, denied, ok, ok, denied}},
		{"DELETE", "/tasks/{taskId}", nil, func(t *testing.T, f *fixture) (string, any) {
			return "/tasks/" + f.owner.createTask(t, "list-todo", "Doomed").ID, nil
		}, perRole{notFound, denied, gone, gone, denied}},
		{"GET", "/boards/board-1/events", nil, nil, perRole{notFound, ok, ok, ok, ok}},
		{"GET", "/boards/board-1/poll", nil, func(t *testing.T, f *fixture) (string, any) {
			// An event after since, so that the poll answers at once.
			f.owner.createTask(t, "list-todo", "Polled")
			return "/boards/board-1/poll?since=0&timeout=5", nil
		}, perRole{notFound, ok, ok, ok, ok}},
		{"GET", "/boards/board-1/updates?since=0", nil, nil, perRole{notFound, ok, ok, ok, ok}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			f := newFixture(t)
			for _, caller := range callers {
				path, body := tt.path, tt.body
				if tt.setup != nil {
					path, body = tt.setup(t, f)
				}
				status, got := f.callers[caller].probe(t, tt.method, path, body)
				want := tt.want.of(caller)
				if status != want {
					t.Errorf("%s %s as %s: status %d, want %d; body %s", tt.method, path, caller, status, want, got)
					continue
				}
				if status >= 400 {
					var e errorBody
					if err := json.Unmarshal(got, &e); err != nil || gateway.StatusOf(e.Error.Code) != status {
						t.Errorf("%s %s as %s: error body %s does not match status %d", tt.method, path, caller, got, status)
					}
				}
			}
		})
	}
}
