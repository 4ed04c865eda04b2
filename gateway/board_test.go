package gateway_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
)

func TestListBoards(t *testing.T) {
	e := newServer(t)
	for who, want := range map[string][]string{
		"alice": {"board-1 Launch owner", "board-2 Side project editor"},
		"bob":   {"board-1 Launch editor"},
		"carol": {"board-1 Launch viewer", "board-2 Side project owner"},
	} {
		var body struct {
			Data []messages.Board `json:"data"`
		}
		res := e.as(t, who).do(t, "GET", "/boards", nil)
		res.want(t, http.StatusOK)
		res.decode(t, &body)
		var got []string
		for _, b := range body.Data {
			got = append(got, b.ID+" "+b.Name+" "+string(b.Role))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s's boards (-want +got):\n%s", who, diff)
		}
	}
}

func TestSnapshot(t *testing.T) {
	e := newServer(t)
	var snap messages.Snapshot
	res := e.as(t, "carol").do(t, "GET", "/boards/board-1", nil)
	res.want(t, http.StatusOK)
	res.decode(t, &snap)
	if snap.Board.ID != "board-1" || snap.Board.Name != "Launch" || snap.Seq != 0 {
		t.Fatalf("snapshot board %+v seq %d", snap.Board, snap.Seq)
	}
	var lists, tasks []string
	for _, l := range snap.Lists {
		lists = append(lists, l.ID)
	}
	for _, task := range snap.Tasks {
		tasks = append(tasks, task.ID)
	}
	if diff := cmp.Diff([]string{"list-todo", "list-in-progress", "list-done"}, lists); diff != "" {
		t.Errorf("lists (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"task-1", "task-2", "task-3", "task-4"}, tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	// Absent optional values are null, not missing.
	var raw struct {
		Tasks []map[string]any `json:"tasks"`
	}
	res.decode(t, &raw)
	if v, ok := raw.Tasks[0]["description"]; !ok || v != nil {
		t.Errorf("description %v (present %v), want null", v, ok)
	}
}

func TestBoardTasks(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	// Move task-4 to the front of To Do: order follows list position, then task position.
	alice.do(t, "PATCH", "/tasks/task-4/move", map[string]any{"listId": "list-todo", "position": 0}).want(t, http.StatusOK)
	var body struct {
		Data []messages.Task `json:"data"`
		Seq  int64           `json:"seq"`
	}
	res := alice.do(t, "GET", "/boards/board-1/tasks", nil)
	res.want(t, http.StatusOK)
	res.decode(t, &body)
	var got []string
	for _, task := range body.Data {
		got = append(got, task.ID)
	}
	if diff := cmp.Diff([]string{"task-4", "task-1", "task-2", "task-3"}, got); diff != "" || body.Seq != 1 {
		t.Fatalf("tasks (-want +got):\n%s; seq %d, want 1", diff, body.Seq)
	}
}

func TestBoardLifecycle(t *testing.T) {
	e := newServer(t)
	bob := e.as(t, "bob")
	res := bob.do(t, "POST", "/boards", map[string]any{"name": "  Bob's board  "})
	res.want(t, http.StatusCreated)
	var board messages.Board
	res.decode(t, &board)
	if board.ID == "" || board.Name != "Bob's board" || board.Role != messages.RoleOwner {
		t.Fatalf("created %+v", board)
	}
	if loc := res.Header.Get("Location"); loc != "/boards/"+board.ID {
		t.Fatalf("Location %q", loc)
	}

	var snap messages.Snapshot
	bob.do(t, "GET", "/boards/"+board.ID, nil).decode(t, &snap)
	var names []string
	for _, l := range snap.Lists {
		names = append(names, l.Name)
	}
	if diff := cmp.Diff([]string{"To Do", "In Progress", "Done"}, names); diff != "" || len(snap.Tasks) != 0 || snap.Seq != 0 {
		t.Fatalf("new board lists (-want +got):\n%s; %d tasks, seq %d", diff, len(snap.Tasks), snap.Seq)
	}

	s := bob.stream(t, "/boards/"+board.ID+"/events")
	s.connected(t, board.ID)
	res = bob.do(t, "PATCH", "/boards/"+board.ID, map[string]any{"name": "Renamed"})
	res.want(t, http.StatusOK)
	res.decode(t, &board)
	if board.Name != "Renamed" {
		t.Fatalf("renamed board %+v", board)
	}
	if ev := s.event(t); ev.Type != messages.BoardUpdated || ev.Seq != 1 {
		t.Fatalf("event %+v, want board_updated 1", ev)
	}

	bob.do(t, "DELETE", "/boards/"+board.ID, nil).want(t, http.StatusNoContent)
	if ev := s.event(t); ev.Type != messages.BoardDeleted || ev.Seq != 2 {
		t.Fatalf("event %+v, want board_deleted 2", ev)
	}
	s.awaitEnd(t)
	bob.do(t, "GET", "/boards/"+board.ID, nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
}

func TestBoardAccess(t *testing.T) {
	e := newServer(t)
	bob := e.as(t, "bob")
	bob.do(t, "GET", "/boards/board-2", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	bob.do(t, "GET", "/boards/board-2/tasks", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	bob.do(t, "DELETE", "/boards/board-1", nil).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	bob.do(t, "PATCH", "/boards/board-1", map[string]any{"name": "Mine"}).wantError(t, http.StatusForbidden, messages.CodeForbidden)
	bob.do(t, "GET", "/boards/board-9", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	body := bob.do(t, "POST", "/boards", map[string]any{"name": " "}).wantError(t, http.StatusBadRequest, messages.CodeValidation)
	if body.Error.Fields["name"] == "" {
		t.Fatalf("fields %v, want name", body.Error.Fields)
	}
}

// TestBoardsArePaged: GET /boards answers pages of at most limit boards, oldest first, and
// next leads from one page to the next until it is null.
func TestBoardsArePaged(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	for i := range 3 {
		alice.do(t, "POST", "/boards", map[string]string{"name": fmt.Sprintf("Board %d", i)}).want(t, http.StatusCreated)
	}
	var all []string
	path := "/boards?limit=2"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatalf("more pages than boards: %v", all)
		}
		var page struct {
			Data []messages.Board
			Next *string
		}
		alice.do(t, "GET", path, nil).decode(t, &page)
		if len(page.Data) > 2 {
			t.Fatalf("a page of %d boards, want at most 2", len(page.Data))
		}
		for _, b := range page.Data {
			all = append(all, b.Name)
		}
		if page.Next == nil {
			break
		}
		path = "/boards?limit=2&after=" + url.QueryEscape(*page.Next)
	}
	want := []string{"Launch", "Side project", "Board 0", "Board 1", "Board 2"}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Fatalf("boards over the pages (-want +got):\n%s", diff)
	}
	var whole struct {
		Data []messages.Board
		Next *string
	}
	alice.do(t, "GET", "/boards", nil).decode(t, &whole)
	if len(whole.Data) != 5 || whole.Next != nil {
		t.Fatalf("the default page: %d boards, next %v; want all 5 and null", len(whole.Data), whole.Next)
	}
	for _, bad := range []string{"/boards?limit=0", "/boards?limit=1001", "/boards?limit=x", "/boards?after=a%00b"} {
		alice.do(t, "GET", bad, nil).wantError(t, http.StatusBadRequest, messages.CodeValidation)
	}
}

// TestLargeAnswersAreStreamed: a snapshot and the task list are written task by task, and read
// back they are exactly the board: every task, in order, with the seq.
func TestLargeAnswersAreStreamed(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	for i := range 300 {
		alice.createTask(t, "list-todo", fmt.Sprintf("task %d \"quoted\" <b>é</b>", i))
	}
	var snap messages.Snapshot
	res := alice.do(t, "GET", "/boards/board-1", nil)
	res.decode(t, &snap)
	if len(snap.Tasks) != 304 || snap.Seq != 300 || snap.Board.ID != "board-1" || len(snap.Lists) != 3 {
		t.Fatalf("snapshot: %d tasks, seq %d, board %q, %d lists", len(snap.Tasks), snap.Seq, snap.Board.ID, len(snap.Lists))
	}
	if snap.Tasks[2].Title != `task 0 "quoted" <b>é</b>` {
		t.Fatalf("the third task is %q", snap.Tasks[2].Title)
	}
	var list struct {
		Data []messages.Task
		Seq  int64
	}
	alice.do(t, "GET", "/boards/board-1/tasks", nil).decode(t, &list)
	if diff := cmp.Diff(snap.Tasks, list.Data); diff != "" || list.Seq != 300 {
		t.Fatalf("the task list differs from the snapshot's tasks (seq %d):\n%s", list.Seq, diff)
	}
	// An empty board is still valid JSON with empty arrays.
	var created messages.Board
	alice.do(t, "POST", "/boards", map[string]string{"name": "Empty"}).decode(t, &created)
	var empty struct {
		Data []messages.Task `json:"data"`
	}
	res = alice.do(t, "GET", "/boards/"+created.ID+"/tasks", nil)
	res.decode(t, &empty)
	if empty.Data == nil || len(empty.Data) != 0 || !strings.Contains(string(res.Body), `"data":[]`) {
		t.Fatalf("an empty board's tasks: %s", res.Body)
	}
}
