package gateway_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
)

// listOrder returns the board's lists as "id:position", in position order.
func listOrder(t *testing.T, c *client, boardID string) []string {
	t.Helper()
	var snap messages.Snapshot
	res := c.do(t, "GET", "/boards/"+boardID, nil)
	res.want(t, http.StatusOK)
	res.decode(t, &snap)
	var out []string
	for _, l := range snap.Lists {
		out = append(out, l.ID+":"+strconv.Itoa(l.Position))
	}
	return out
}

func TestLists(t *testing.T) {
	e := newServer(t)
	bob := e.as(t, "bob")
	s := bob.stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")

	res := bob.do(t, "POST", "/boards/board-1/lists", map[string]any{"name": "Review", "position": 1})
	res.want(t, http.StatusCreated)
	var list messages.List
	res.decode(t, &list)
	if list.Name != "Review" || list.Position != 1 || list.BoardID != "board-1" {
		t.Fatalf("created %+v", list)
	}
	if loc := res.Header.Get("Location"); loc != "/lists/"+list.ID {
		t.Fatalf("Location %q", loc)
	}
	if ev := s.event(t); ev.Type != messages.ListCreated || ev.List == nil || ev.List.ID != list.ID {
		t.Fatalf("event %+v, want list_created", ev)
	}
	want := []string{"list-todo:0", list.ID + ":1", "list-in-progress:2", "list-done:3"}
	if diff := cmp.Diff(want, listOrder(t, bob, "board-1")); diff != "" {
		t.Fatalf("lists (-want +got):\n%s", diff)
	}

	res = bob.do(t, "PATCH", "/lists/"+list.ID, map[string]any{"name": "Review!", "position": 99})
	res.want(t, http.StatusOK)
	res.decode(t, &list)
	if list.Name != "Review!" || list.Position != 3 {
		t.Fatalf("updated %+v, want clamped to the end", list)
	}
	if ev := s.event(t); ev.Type != messages.ListUpdated {
		t.Fatalf("event %+v, want list_updated", ev)
	}
	want = []string{"list-todo:0", "list-in-progress:1", "list-done:2", list.ID + ":3"}
	if diff := cmp.Diff(want, listOrder(t, bob, "board-1")); diff != "" {
		t.Fatalf("lists (-want +got):\n%s", diff)
	}

	bob.do(t, "DELETE", "/lists/list-todo", nil).want(t, http.StatusNoContent)
	if ev := s.event(t); ev.Type != messages.ListDeleted || ev.ListID != "list-todo" {
		t.Fatalf("event %+v, want list_deleted", ev)
	}
	want = []string{"list-in-progress:0", "list-done:1", list.ID + ":2"}
	if diff := cmp.Diff(want, listOrder(t, bob, "board-1")); diff != "" {
		t.Fatalf("lists (-want +got):\n%s", diff)
	}
	// Its tasks went with it.
	bob.do(t, "GET", "/tasks/task-1", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	bob.do(t, "PATCH", "/lists/list-todo", map[string]any{"name": "x"}).wantError(t, http.StatusNotFound, messages.CodeNotFound)
}

func TestListAccess(t *testing.T) {
	e := newServer(t)
	carol, bob := e.as(t, "carol"), e.as(t, "bob")
	carol.do(t, "POST", "/boards/board-1/lists", map[string]any{"name": "Nope"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	carol.do(t, "DELETE", "/lists/list-done", nil).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	// A list on a board bob cannot see looks like no list at all.
	notMember := bob.do(t, "PATCH", "/lists/list-b2-done", map[string]any{"name": "x"}).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	missing := bob.do(t, "PATCH", "/lists/list-nope", map[string]any{"name": "x"}).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	if diff := cmp.Diff(missing, notMember); diff != "" {
		t.Fatalf("not a member vs missing (-missing +member):\n%s", diff)
	}
	body := bob.do(t, "POST", "/boards/board-1/lists", map[string]any{"name": "x", "position": -1}).wantError(t, http.StatusBadRequest, messages.CodeValidation)
	if body.Error.Fields["position"] == "" {
		t.Fatalf("fields %v, want position", body.Error.Fields)
	}
}
