package gateway_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
)

func TestMemberEndpoints(t *testing.T) {
	e := newServer(t)
	alice, bob, carol := e.as(t, "alice"), e.as(t, "bob"), e.as(t, "carol")
	dave, daveUser := e.register(t, "Dave")
	watch := bob.stream(t, "/boards/board-1/events")
	watch.connected(t, "board-1")

	var list struct {
		Data []messages.Member `json:"data"`
	}
	carol.do(t, "GET", "/boards/board-1/members", nil).decode(t, &list)
	want := []messages.Member{
		{UserID: "user-alice", Name: "Alice", Email: "alice@example.com", Role: messages.RoleOwner},
		{UserID: "user-bob", Name: "Bob", Email: "bob@example.com", Role: messages.RoleEditor},
		{UserID: "user-carol", Name: "Carol", Email: "carol@example.com", Role: messages.RoleViewer},
	}
	if diff := cmp.Diff(want, list.Data); diff != "" {
		t.Fatalf("members (-want +got):\n%s", diff)
	}

	// Add Dave by email.
	res := alice.do(t, "POST", "/boards/board-1/members", map[string]string{"email": "DAVE@example.com", "role": "editor"})
	res.want(t, http.StatusCreated)
	var m messages.Member
	res.decode(t, &m)
	if wantM := (messages.Member{UserID: daveUser.ID, Name: "Dave", Email: "dave@example.com", Role: messages.RoleEditor}); m != wantM {
		t.Fatalf("added %+v, want %+v", m, wantM)
	}
	if loc := res.Header.Get("Location"); loc != "/boards/board-1/members/"+daveUser.ID {
		t.Fatalf("Location %q", loc)
	}
	if ev := watch.event(t); ev.Type != messages.MemberAdded || ev.Member == nil || *ev.Member != m || ev.ActorID != "user-alice" {
		t.Fatalf("event %+v, want member_added of dave", ev)
	}
	dave.do(t, "POST", "/tasks", map[string]string{"listId": "list-todo", "title": "Dave's"}).want(t, http.StatusCreated)
	watch.event(t)

	// What cannot be done.
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		code         messages.Code
	}{
		{"POST", "/boards/board-1/members", map[string]string{"email": "dave@example.com", "role": "viewer"}, 409, messages.CodeConflict},
		{"POST", "/boards/board-1/members", map[string]string{"email": "nobody@example.com", "role": "viewer"}, 400, messages.CodeValidation},
		{"POST", "/boards/board-1/members", map[string]string{"userId": "user-nobody", "role": "viewer"}, 400, messages.CodeValidation},
		{"POST", "/boards/board-1/members", map[string]string{"userId": daveUser.ID, "role": "admin"}, 400, messages.CodeValidation},
		{"POST", "/boards/board-1/members", "{", 400, messages.CodeBadRequest},
		{"PATCH", "/boards/board-1/members/user-nobody", map[string]string{"role": "viewer"}, 404, messages.CodeNotFound},
		{"PATCH", "/boards/board-1/members/user-alice", map[string]string{"role": "editor"}, 409, messages.CodeConflict},
		{"DELETE", "/boards/board-1/members/user-alice", nil, 409, messages.CodeConflict},
		{"DELETE", "/boards/board-1/members/user-nobody", nil, 404, messages.CodeNotFound},
	} {
		alice.do(t, tc.method, tc.path, tc.body).wantError(t, tc.status, tc.code)
	}

	// A role change is a member_added carrying the new role.
	res = alice.do(t, "PATCH", "/boards/board-1/members/"+daveUser.ID, map[string]string{"role": "viewer"})
	res.want(t, http.StatusOK)
	res.decode(t, &m)
	if m.Role != messages.RoleViewer {
		t.Fatalf("after the change %+v", m)
	}
	if ev := watch.event(t); ev.Type != messages.MemberAdded || ev.Member.Role != messages.RoleViewer {
		t.Fatalf("event %+v, want member_added of dave as viewer", ev)
	}
	dave.do(t, "POST", "/tasks", map[string]string{"listId": "list-todo", "title": "No"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)

	// Carol leaves on her own; then the board is gone for her.
	carol.do(t, "DELETE", "/boards/board-1/members/user-carol", nil).want(t, http.StatusNoContent)
	if ev := watch.event(t); ev.Type != messages.MemberRemoved || ev.UserID != "user-carol" || ev.ActorID != "user-carol" {
		t.Fatalf("event %+v, want member_removed of carol", ev)
	}
	carol.do(t, "GET", "/boards/board-1", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	var boards struct {
		Data []messages.Board `json:"data"`
	}
	carol.do(t, "GET", "/boards", nil).decode(t, &boards)
	if len(boards.Data) != 1 || boards.Data[0].ID != "board-2" {
		t.Fatalf("carol's boards %+v, want board-2 only", boards.Data)
	}
}

// A board the caller is not a member of answers exactly like one that does not exist, on every
// route, streams and polls included: nothing about it leaks.
func TestForeignBoardLooksAbsent(t *testing.T) {
	e := newServer(t)
	bob := e.as(t, "bob") // not a member of board-2
	for _, tc := range []struct {
		method, foreign, absent string
		body                    any
	}{
		{"GET", "/boards/board-2", "/boards/board-x", nil},
		{"GET", "/boards/board-2/tasks", "/boards/board-x/tasks", nil},
		{"GET", "/boards/board-2/members", "/boards/board-x/members", nil},
		{"GET", "/boards/board-2/events", "/boards/board-x/events", nil},
		{"GET", "/boards/board-2/poll?since=0", "/boards/board-x/poll?since=0", nil},
		{"GET", "/boards/board-2/poll", "/boards/board-x/poll", nil},
		{"GET", "/boards/board-2/updates?since=0", "/boards/board-x/updates?since=0", nil},
		{"PATCH", "/boards/board-2", "/boards/board-x", map[string]string{"name": "Mine"}},
		{"DELETE", "/boards/board-2", "/boards/board-x", nil},
		{"POST", "/boards/board-2/lists", "/boards/board-x/lists", map[string]string{"name": "Mine"}},
		{"POST", "/boards/board-2/members", "/boards/board-x/members", map[string]string{"userId": "user-bob", "role": "owner"}},
		{"PATCH", "/boards/board-2/members/user-bob", "/boards/board-x/members/user-bob", map[string]string{"role": "owner"}},
		{"DELETE", "/boards/board-2/members/user-carol", "/boards/board-x/members/user-carol", nil},
		{"GET", "/tasks/task-5", "/tasks/task-x", nil},
		{"PATCH", "/tasks/task-5", "/tasks/task-x", map[string]string{"title": "Mine"}},
		{"PATCH", "/tasks/task-5/move", "/tasks/task-x/move", map[string]any{"listId": "list-b2-done", "position": 0}},
		{"DELETE", "/tasks/task-5", "/tasks/task-x", nil},
		{"PATCH", "/lists/list-b2-todo", "/lists/list-x", map[string]string{"name": "Mine"}},
		{"DELETE", "/lists/list-b2-todo", "/lists/list-x", nil},
	} {
		fs, fb := bob.probe(t, tc.method, tc.foreign, tc.body)
		as, ab := bob.probe(t, tc.method, tc.absent, tc.body)
		if fs != http.StatusNotFound || fs != as || string(fb) != string(ab) {
			t.Errorf("%s %s: %d %s; %s: %d %s; want the same 404", tc.method, tc.foreign, fs, fb, tc.absent, as, ab)
		}
	}
	// A task on a foreign list is refused like one on a list that does not exist.
	fs, fb := bob.probe(t, "POST", "/tasks", map[string]string{"listId": "list-b2-todo", "title": "Mine"})
	as, ab := bob.probe(t, "POST", "/tasks", map[string]string{"listId": "list-x", "title": "Mine"})
	if fs != http.StatusBadRequest || fs != as || string(fb) != string(ab) {
		t.Errorf("POST /tasks on a foreign list: %d %s; on no list: %d %s", fs, fb, as, ab)
	}
	// Nothing happened to board-2.
	if a, _ := e.as(t, "carol").poll(t, "/boards/board-2/updates?since=0"); len(a.Data) != 0 {
		t.Fatalf("board-2 changed: %+v", a.Data)
	}
}
