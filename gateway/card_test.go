package gateway_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
)

// Every card change over REST reaches an SSE stream, a WebSocket room and a long poll once
// each, in the same order, and a stream resumed in the middle gets the rest.
func TestCardChangesOnEveryTransport(t *testing.T) {
	e := newServer(t)
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	s := alice.stream(t, "/boards/board-1/events")
	start := s.connected(t, "board-1")
	ws := alice.joined(t, gwsLib, "board-1")

	var label messages.Label
	res := bob.do(t, "POST", "/boards/board-1/labels", map[string]any{"name": "Bug", "color": "red"})
	res.want(t, http.StatusCreated)
	res.decode(t, &label)
	if res.Header.Get("Location") != "/labels/"+label.ID {
		t.Fatalf("Location %q", res.Header.Get("Location"))
	}
	bob.do(t, "PATCH", "/labels/"+label.ID, map[string]any{"color": "purple"}).want(t, http.StatusOK)
	res = bob.do(t, "PATCH", "/tasks/task-1", map[string]any{"labelIds": []string{label.ID},
		"assigneeIds": []string{"user-bob", "user-alice"}, "dueAt": "2026-12-24T16:00:00Z"})
	res.want(t, http.StatusOK)
	task := decodeTask(t, res)
	if !cmp.Equal(task.LabelIDs, []string{label.ID}) || *task.AssigneeID != "user-bob" || task.DueAt == nil {
		t.Fatalf("patched task %+v", task)
	}
	var item messages.ChecklistItem
	res = bob.do(t, "POST", "/tasks/task-1/checklist", map[string]any{"text": "write it"})
	res.want(t, http.StatusCreated)
	res.decode(t, &item)
	bob.do(t, "PATCH", "/checklist/"+item.ID, map[string]any{"done": true}, "If-Match", `"3"`).want(t, http.StatusOK)
	var comment messages.Comment
	res = bob.do(t, "POST", "/tasks/task-1/comments", map[string]any{"body": "Looks *good*"})
	res.want(t, http.StatusCreated)
	res.decode(t, &comment)
	bob.do(t, "PATCH", "/comments/"+comment.ID, map[string]any{"body": "Looks *great*"}).want(t, http.StatusOK)
	bob.do(t, "DELETE", "/comments/"+comment.ID, nil).want(t, http.StatusNoContent)
	bob.do(t, "POST", "/tasks/task-1/archive", nil).want(t, http.StatusOK)
	bob.do(t, "POST", "/tasks/task-1/restore", nil).want(t, http.StatusOK)
	bob.do(t, "DELETE", "/checklist/"+item.ID, nil).want(t, http.StatusNoContent)
	bob.do(t, "DELETE", "/labels/"+label.ID, nil).want(t, http.StatusNoContent)

	want := []messages.EventType{messages.LabelCreated, messages.LabelUpdated, messages.TaskUpdated, messages.TaskUpdated,
		messages.TaskUpdated, messages.CommentAdded, messages.CommentUpdated, messages.CommentDeleted,
		messages.TaskArchived, messages.TaskRestored, messages.TaskUpdated, messages.LabelDeleted}
	var fromSSE []json.RawMessage
	for i, typ := range want {
		ev := s.event(t)
		if ev.Type != typ || ev.Seq != start+int64(i)+1 {
			t.Fatalf("SSE event %d: %s seq %d, want %s seq %d", i, ev.Type, ev.Seq, typ, start+int64(i)+1)
		}
		m := expect(t, ws, string(typ))
		if m.Seq != ev.Seq {
			t.Fatalf("WebSocket %s seq %d, want %d", typ, m.Seq, ev.Seq)
		}
		fromSSE = append(fromSSE, m.Raw)
	}
	poll, _ := alice.poll(t, "/boards/board-1/poll?since="+itoa(start))
	if len(poll.Data) != len(want) {
		t.Fatalf("long poll got %d events, want %d", len(poll.Data), len(want))
	}
	for i, ev := range poll.Data {
		if ev.Type != want[i] || ev.Seq != start+int64(i)+1 {
			t.Fatalf("long poll event %d: %s seq %d", i, ev.Type, ev.Seq)
		}
	}
	if ev := decodeEvent(t, fromSSE[len(fromSSE)-1]); !cmp.Equal(ev.TaskIDs, []string{"task-1"}) {
		t.Fatalf("label_deleted taskIds %v, want [task-1]", ev.TaskIDs)
	}

	// Resumed after the comment's addition: the rest, in order.
	resumed := alice.stream(t, "/boards/board-1/events", "Last-Event-ID", itoa(start+6))
	resumed.connected(t, "board-1")
	for _, typ := range want[6:] {
		if ev := resumed.event(t); ev.Type != typ {
			t.Fatalf("resumed stream: %s, want %s", ev.Type, typ)
		}
	}
}

func TestCardErrors(t *testing.T) {
	e := newServer(t)
	alice, bob, carol := e.as(t, "alice"), e.as(t, "bob"), e.as(t, "carol")
	var label messages.Label
	res := carol.do(t, "POST", "/boards/board-2/labels", map[string]any{"name": "Theirs", "color": "gray"})
	res.want(t, http.StatusCreated)
	res.decode(t, &label)

	for _, tc := range []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		status int
		code   messages.Code
	}{
		{"a label of another board", bob, "PATCH", "/tasks/task-1", map[string]any{"labelIds": []string{label.ID}}, 400, messages.CodeValidation},
		{"an unknown label", bob, "PATCH", "/tasks/task-1", map[string]any{"labelIds": []string{"label_nope"}}, 400, messages.CodeValidation},
		{"a non-member assignee", bob, "PATCH", "/tasks/task-1", map[string]any{"assigneeIds": []string{"user-nobody"}}, 400, messages.CodeValidation},
		{"a due date that is no time", bob, "PATCH", "/tasks/task-1", map[string]any{"dueAt": "soon"}, 400, messages.CodeValidation},
		{"a colour not in the list", bob, "POST", "/boards/board-1/labels", map[string]any{"color": "brown"}, 400, messages.CodeValidation},
		{"an over-long comment", bob, "POST", "/tasks/task-1/comments", map[string]any{"body": strings.Repeat("x", messages.MaxComment+1)}, 400, messages.CodeValidation},
		{"an empty checklist item", bob, "POST", "/tasks/task-1/checklist", map[string]any{"text": ""}, 400, messages.CodeValidation},
		{"a viewer's comment", carol, "POST", "/tasks/task-1/comments", map[string]any{"body": "hi"}, 403, messages.CodeForbidden},
		{"a label on a board one cannot see", bob, "PATCH", "/labels/" + label.ID, map[string]any{"name": "x"}, 404, messages.CodeNotFound},
		{"restoring a live task", bob, "POST", "/tasks/task-1/restore", nil, 409, messages.CodeConflict},
		{"an unknown checklist item", bob, "PATCH", "/checklist/task-1.nope", map[string]any{"done": true}, 404, messages.CodeNotFound},
		{"a bad filter", bob, "GET", "/boards/board-1/tasks?due=someday", nil, 400, messages.CodeValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.do(t, tc.method, tc.path, tc.body).wantError(t, tc.status, tc.code)
		})
	}

	var comment messages.Comment
	res = bob.do(t, "POST", "/tasks/task-1/comments", map[string]any{"body": "bob's"})
	res.want(t, http.StatusCreated)
	res.decode(t, &comment)
	alice.do(t, "PATCH", "/comments/"+comment.ID, map[string]any{"body": "alice's now"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	alice.do(t, "DELETE", "/comments/"+comment.ID, nil).want(t, http.StatusNoContent) // an owner may

	// Restoring into a deleted list is a conflict; into another list it works.
	bob.do(t, "POST", "/tasks/task-2/archive", nil).want(t, http.StatusOK)
	alice.do(t, "DELETE", "/lists/list-todo", nil).want(t, http.StatusNoContent)
	bob.do(t, "POST", "/tasks/task-2/restore", nil).wantError(t, http.StatusConflict, messages.CodeConflict)
	res = bob.do(t, "POST", "/tasks/task-2/restore", map[string]any{"listId": "list-done", "position": 0})
	res.want(t, http.StatusOK)
	if task := decodeTask(t, res); task.ListID != "list-done" || task.Position != 0 || task.ArchivedAt != nil {
		t.Fatalf("restored %+v", task)
	}
}

func TestCardReads(t *testing.T) {
	e := newServer(t)
	alice, carol := e.as(t, "alice"), e.as(t, "carol")
	var label messages.Label
	res := alice.do(t, "POST", "/boards/board-1/labels", map[string]any{"name": "Bug", "color": "red"})
	res.want(t, http.StatusCreated)
	res.decode(t, &label)
	alice.do(t, "PATCH", "/tasks/task-2", map[string]any{"labelIds": []string{label.ID}, "assigneeIds": []string{"user-carol"}}).want(t, http.StatusOK)
	alice.do(t, "POST", "/tasks/task-3/archive", nil).want(t, http.StatusOK)

	var snap struct {
		Labels []messages.Label `json:"labels"`
		Tasks  []messages.Task  `json:"tasks"`
	}
	carol.do(t, "GET", "/boards/board-1", nil).decode(t, &snap)
	if len(snap.Labels) != 1 || snap.Labels[0].ID != label.ID {
		t.Fatalf("snapshot labels %+v", snap.Labels)
	}
	for _, task := range snap.Tasks {
		if task.ID == "task-3" {
			t.Fatal("the archived task is in the snapshot")
		}
	}
	ids := func(path string) []string {
		t.Helper()
		var body struct {
			Data []messages.Task `json:"data"`
		}
		res := carol.do(t, "GET", path, nil)
		res.want(t, http.StatusOK)
		res.decode(t, &body)
		out := []string{}
		for _, task := range body.Data {
			out = append(out, task.ID)
		}
		return out
	}
	for path, want := range map[string][]string{
		"/boards/board-1/tasks?label=" + label.ID:         {"task-2"},
		"/boards/board-1/tasks?assignee=me":               {"task-2"},
		"/boards/board-1/tasks?assignee=me&label=nothere": {},
		"/boards/board-1/tasks?archived=true":             {"task-3"},
		"/boards/board-1/tasks?q=logi":                    {"task-1"}, // the last word is a prefix
		"/boards/board-1/tasks?q=login&label=" + label.ID: {},
	} {
		if got := ids(path); !cmp.Equal(got, want) {
			t.Errorf("GET %s: %v, want %v", path, got, want)
		}
	}

	var found struct {
		Data []messages.SearchHit `json:"data"`
	}
	res = alice.do(t, "GET", "/search?q=offsite", nil) // task-5, on board-2
	res.want(t, http.StatusOK)
	res.decode(t, &found)
	if len(found.Data) != 1 || found.Data[0].Task.ID != "task-5" || found.Data[0].Board.ID != "board-2" || found.Data[0].Board.Name == "" {
		t.Fatalf("search across boards %+v, want task-5 on board-2", found.Data)
	}
	res = alice.do(t, "GET", "/search?q=nothinglikethis", nil)
	res.want(t, http.StatusOK)
	if !strings.Contains(string(res.Body), `"data":[]`) {
		t.Fatalf("an empty search answered %s, want data: []", res.Body)
	}
	alice.do(t, "GET", "/search", nil).wantError(t, http.StatusBadRequest, messages.CodeValidation)

	var page struct {
		Data []messages.Event `json:"data"`
		Next *int64           `json:"next"`
	}
	carol.do(t, "GET", "/boards/board-1/activity?limit=2", nil).decode(t, &page)
	if len(page.Data) != 2 || page.Data[0].Type != messages.TaskArchived || page.Next == nil || *page.Next != 2 {
		t.Fatalf("activity %+v next %v, want the archive first and next 2", page.Data, page.Next)
	}
	carol.do(t, "GET", "/tasks/task-2/activity", nil).decode(t, &page)
	if len(page.Data) != 1 || page.Data[0].Type != messages.TaskUpdated || page.Next != nil {
		t.Fatalf("task-2's activity %+v next %v, want its one update", page.Data, page.Next)
	}
	dave, _ := e.register(t, "Dave")
	dave.do(t, "GET", "/tasks/task-2/activity", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
}

func TestWebSocketArchiveAndRestore(t *testing.T) {
	e := newServer(t)
	p := e.as(t, "bob").joined(t, coderLib, "board-1")
	p.send(t, map[string]any{"type": "archive_task", "requestId": "a-1", "taskId": "task-1", "ifMatch": 1})
	expect(t, p, "task_archived")
	if ack := expect(t, p, "ack"); ack.RequestID != "a-1" || ack.Task == nil || ack.Task.ArchivedAt == nil {
		t.Fatalf("archive ack %s", ack.Raw)
	}
	p.send(t, map[string]any{"type": "restore_task", "requestId": "a-2", "taskId": "task-1", "listId": "list-done", "position": 0})
	expect(t, p, "task_restored")
	if ack := expect(t, p, "ack"); ack.Task == nil || ack.Task.ListID != "list-done" || ack.Task.ArchivedAt != nil {
		t.Fatalf("restore ack %s", ack.Raw)
	}
	p.send(t, map[string]any{"type": "restore_task", "requestId": "a-3", "taskId": "task-1"})
	if m := expect(t, p, "error"); m.Code != string(messages.CodeConflict) || m.RequestID != "a-3" {
		t.Fatalf("restoring a live task: %s", m.Raw)
	}
}

func decodeEvent(t *testing.T, raw []byte) messages.Event {
	t.Helper()
	var ev messages.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return ev
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
