package gateway_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
)

func decodeTask(t *testing.T, res *response) messages.Task {
	t.Helper()
	var task messages.Task
	res.decode(t, &task)
	if etag := res.Header.Get("ETag"); etag != `"`+strconv.Itoa(task.Version)+`"` {
		t.Fatalf("ETag %q, want the version %d quoted", etag, task.Version)
	}
	return task
}

func TestTaskCRUD(t *testing.T) {
	e := newServer(t)
	bob := e.as(t, "bob")
	s := bob.stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")

	res := bob.do(t, "GET", "/tasks/task-1", nil)
	res.want(t, http.StatusOK)
	if task := decodeTask(t, res); task.Title != "Design login page" || task.Version != 1 || task.ListID != "list-todo" {
		t.Fatalf("task-1 %+v", task)
	}

	res = bob.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "New", "description": "details", "assigneeId": "user-bob"})
	res.want(t, http.StatusCreated)
	created := decodeTask(t, res)
	if created.Position != 2 || created.Version != 1 || *created.Description != "details" || *created.AssigneeID != "user-bob" || created.BoardID != "board-1" {
		t.Fatalf("created %+v, want the end of To Do", created)
	}
	if ev := s.event(t); ev.Type != messages.TaskCreated || ev.Task.ID != created.ID {
		t.Fatalf("event %+v", ev)
	}

	res = bob.do(t, "PATCH", "/tasks/"+created.ID, map[string]any{"title": "Renamed", "description": nil})
	res.want(t, http.StatusOK)
	updated := decodeTask(t, res)
	if updated.Title != "Renamed" || updated.Description != nil || *updated.AssigneeID != "user-bob" || updated.Version != 2 {
		t.Fatalf("updated %+v: want the title changed, description cleared, assignee kept, version 2", updated)
	}
	if ev := s.event(t); ev.Type != messages.TaskUpdated || ev.Task.Version != 2 {
		t.Fatalf("event %+v", ev)
	}

	bob.do(t, "DELETE", "/tasks/"+created.ID, nil).want(t, http.StatusNoContent)
	if ev := s.event(t); ev.Type != messages.TaskDeleted || ev.TaskID != created.ID || ev.ListID != "list-todo" {
		t.Fatalf("event %+v", ev)
	}
	bob.do(t, "GET", "/tasks/"+created.ID, nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
}

// taskLayout returns each list's tasks as "id:position", in order.
func taskLayout(t *testing.T, c *client) map[string][]string {
	t.Helper()
	var body struct {
		Data []messages.Task `json:"data"`
	}
	res := c.do(t, "GET", "/boards/board-1/tasks", nil)
	res.want(t, http.StatusOK)
	res.decode(t, &body)
	out := map[string][]string{}
	for _, task := range body.Data {
		out[task.ListID] = append(out[task.ListID], task.ID+":"+strconv.Itoa(task.Position))
	}
	return out
}

func TestMoveRenumbers(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	created := alice.createTask(t, "list-todo", "new")
	s.event(t)

	move := func(taskID, listID string, pos int) messages.Task {
		t.Helper()
		res := alice.do(t, "PATCH", "/tasks/"+taskID+"/move", map[string]any{"listId": listID, "position": pos})
		res.want(t, http.StatusOK)
		return decodeTask(t, res)
	}
	steps := []struct {
		task, list string
		pos        int
		fromList   string
		fromPos    int
		want       map[string][]string
	}{
		{created.ID, "list-todo", 0, "list-todo", 2, map[string][]string{
			"list-todo":        {created.ID + ":0", "task-1:1", "task-2:2"},
			"list-in-progress": {"task-3:0"},
			"list-done":        {"task-4:0"},
		}},
		{"task-1", "list-in-progress", 0, "list-todo", 1, map[string][]string{
			"list-todo":        {created.ID + ":0", "task-2:1"},
			"list-in-progress": {"task-1:0", "task-3:1"},
			"list-done":        {"task-4:0"},
		}},
		{"task-2", "list-done", 99, "list-todo", 1, map[string][]string{
			"list-todo":        {created.ID + ":0"},
			"list-in-progress": {"task-1:0", "task-3:1"},
			"list-done":        {"task-4:0", "task-2:1"},
		}},
	}
	for _, st := range steps {
		moved := move(st.task, st.list, st.pos)
		if moved.ListID != st.list {
			t.Fatalf("moved %+v, want in %s", moved, st.list)
		}
		ev := s.event(t)
		if ev.Type != messages.TaskMoved || ev.Task.ID != st.task || ev.FromListID != st.fromList || ev.FromPosition == nil || *ev.FromPosition != st.fromPos {
			t.Fatalf("event %+v, want task_moved of %s from %s:%d", ev, st.task, st.fromList, st.fromPos)
		}
		if diff := cmp.Diff(st.want, taskLayout(t, alice)); diff != "" {
			t.Fatalf("after moving %s (-want +got):\n%s", st.task, diff)
		}
	}
}

func TestIfMatch(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	patch := func(ifMatch, title string) *response {
		return alice.do(t, "PATCH", "/tasks/task-1", map[string]any{"title": title}, "If-Match", ifMatch)
	}
	patch(`"1"`, "v2").want(t, http.StatusOK)
	body := patch(`"1"`, "stale").wantError(t, http.StatusPreconditionFailed, messages.CodePreconditionFailed)
	if body.Task == nil || body.Task.ID != "task-1" || body.Task.Version != 2 || body.Task.Title != "v2" {
		t.Fatalf("412 task %+v, want the current task-1 at version 2", body.Task)
	}
	patch(`W/"2"`, "v3").want(t, http.StatusOK)
	patch(`3`, "v4").want(t, http.StatusOK)
	for _, bad := range []string{`"abc"`, `"-1"`, `"0"`, `"1", "2"`, `"4`} {
		body := patch(bad, "bad").wantError(t, http.StatusBadRequest, messages.CodeValidation)
		if body.Error.Fields["If-Match"] == "" {
			t.Fatalf("If-Match %s: fields %v", bad, body.Error.Fields)
		}
	}
	alice.do(t, "PATCH", "/tasks/task-1/move", map[string]any{"listId": "list-done", "position": 0}, "If-Match", `"1"`).
		wantError(t, http.StatusPreconditionFailed, messages.CodePreconditionFailed)
	alice.do(t, "DELETE", "/tasks/task-1", nil, "If-Match", `"3"`).wantError(t, http.StatusPreconditionFailed, messages.CodePreconditionFailed)
	alice.do(t, "DELETE", "/tasks/task-1", nil, "If-Match", `"4"`).want(t, http.StatusNoContent)
}

func TestIdempotencyKey(t *testing.T) {
	e := newServer(t)
	bob := e.as(t, "bob")
	for _, retry := range []struct {
		name   string
		body   map[string]any
		header []string
	}{
		{"header", map[string]any{"listId": "list-todo", "title": "once"}, []string{"Idempotency-Key", "key-1"}},
		{"body", map[string]any{"listId": "list-todo", "title": "once too", "clientMutationId": "key-2"}, nil},
	} {
		first := bob.do(t, "POST", "/tasks", retry.body, retry.header...)
		first.want(t, http.StatusCreated)
		again := bob.do(t, "POST", "/tasks", retry.body, retry.header...)
		again.want(t, http.StatusCreated)
		if diff := cmp.Diff(decodeTask(t, first), decodeTask(t, again)); diff != "" {
			t.Fatalf("%s: retry answered differently (-first +retry):\n%s", retry.name, diff)
		}
	}
	a, _ := bob.poll(t, "/boards/board-1/updates?since=0")
	if len(a.Data) != 2 || a.Data[0].ClientMutationID != "key-1" || a.Data[1].ClientMutationID != "key-2" {
		t.Fatalf("events %+v, want one task_created per key", a.Data)
	}
	// The header wins over the body.
	bob.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "x", "clientMutationId": "body-key"}, "Idempotency-Key", "header-key").want(t, http.StatusCreated)
	a, _ = bob.poll(t, "/boards/board-1/updates?since=2")
	if len(a.Data) != 1 || a.Data[0].ClientMutationID != "header-key" {
		t.Fatalf("events %+v, want clientMutationId header-key", a.Data)
	}
}

func TestTaskValidation(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	long := strings.Repeat("é", messages.MaxTitle+1)
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               messages.Error // Message "" checks code and fields only
	}{
		{"empty title", "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "   "},
			messages.Error{Code: "validation", Message: "title is required", Fields: map[string]string{"title": "required"}}},
		{"title too long", "POST", "/tasks", map[string]any{"listId": "list-todo", "title": long},
			messages.Error{Code: "validation", Message: "title must be at most 200 characters", Fields: map[string]string{"title": "length"}}},
		{"negative position", "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "x", "position": -1},
			messages.Error{Code: "validation", Message: "position must be 0 or more", Fields: map[string]string{"position": "min"}}},
		{"missing listId", "POST", "/tasks", map[string]any{"title": "x"},
			messages.Error{Code: "validation", Message: "listId is required", Fields: map[string]string{"listId": "required"}}},
		{"unknown listId", "POST", "/tasks", map[string]any{"listId": "list-nope", "title": "x"},
			messages.Error{Code: "validation", Message: "listId names no list you can see", Fields: map[string]string{"listId": "not_found"}}},
		{"move to another board", "PATCH", "/tasks/task-1/move", map[string]any{"listId": "list-b2-todo", "position": 0},
			messages.Error{Code: "validation", Fields: map[string]string{"listId": ""}}},
		{"move without position", "PATCH", "/tasks/task-1/move", map[string]any{"listId": "list-done"},
			messages.Error{Code: "validation", Message: "position is required", Fields: map[string]string{"position": "required"}}},
		{"rename to nothing", "PATCH", "/tasks/task-1", map[string]any{"title": ""},
			messages.Error{Code: "validation", Message: "title is required", Fields: map[string]string{"title": "required"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := alice.do(t, tc.method, tc.path, tc.body)
			res.want(t, http.StatusBadRequest)
			if tc.want.Message != "" {
				var raw map[string]any
				res.decode(t, &raw)
				want := map[string]any{"error": map[string]any{"code": string(tc.want.Code), "message": tc.want.Message, "fields": toAny(tc.want.Fields)}}
				if diff := cmp.Diff(want, raw); diff != "" {
					t.Fatalf("error body (-want +got):\n%s", diff)
				}
				return
			}
			body := res.wantError(t, http.StatusBadRequest, tc.want.Code)
			for field := range tc.want.Fields {
				if body.Error.Fields[field] == "" {
					t.Fatalf("fields %v, want %s", body.Error.Fields, field)
				}
			}
		})
	}
	// Nothing was changed.
	if a, _ := alice.poll(t, "/boards/board-1/updates?since=0"); len(a.Data) != 0 {
		t.Fatalf("events %+v after invalid requests", a.Data)
	}
}

func toAny(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestTaskAccess(t *testing.T) {
	e := newServer(t)
	carol, bob := e.as(t, "carol"), e.as(t, "bob")
	carol.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "x"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	carol.do(t, "PATCH", "/tasks/task-1", map[string]any{"title": "x"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	carol.do(t, "DELETE", "/tasks/task-1", nil).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	carol.do(t, "GET", "/tasks/task-1", nil).want(t, http.StatusOK)

	// A task on a board bob cannot see looks exactly like no task at all.
	notMember := bob.do(t, "GET", "/tasks/task-5", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	missing := bob.do(t, "GET", "/tasks/task-nope", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	if diff := cmp.Diff(missing, notMember); diff != "" {
		t.Fatalf("not a member vs missing (-missing +member):\n%s", diff)
	}
	bob.do(t, "PATCH", "/tasks/task-5/move", map[string]any{"listId": "list-b2-done", "position": 0}).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	bob.do(t, "DELETE", "/tasks/task-5", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	// The same holds for a list named in a body.
	notMember = bob.do(t, "POST", "/tasks", map[string]any{"listId": "list-b2-todo", "title": "x"}).wantError(t, http.StatusBadRequest, messages.CodeValidation)
	missing = bob.do(t, "POST", "/tasks", map[string]any{"listId": "list-nope", "title": "x"}).wantError(t, http.StatusBadRequest, messages.CodeValidation)
	if diff := cmp.Diff(missing, notMember); diff != "" {
		t.Fatalf("not a member vs missing (-missing +member):\n%s", diff)
	}
}
