package actors_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
)

func decode(t *testing.T, e messages.Encoded) messages.Event {
	t.Helper()
	var ev messages.Event
	if err := json.Unmarshal(e.JSON, &ev); err != nil {
		t.Fatalf("decode %s: %v", e.JSON, err)
	}
	return ev
}

func TestMutationsEmitConsecutiveEvents(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	sub := subscribe(t, b, nil, 0)

	task := createTask(t, b, "list-todo", "  Write tests  ")
	if task.Title != "Write tests" || task.Position != 2 || task.Version != 1 {
		t.Fatalf("created %+v, want trimmed title at position 2, version 1", task)
	}
	steps := []messages.Command{
		messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: task.ID, Title: messages.Set("Write more tests"), Description: messages.Set("all of them")},
		messages.MoveTask{Meta: meta(alice), BoardID: "board-1", TaskID: task.ID, ListID: "list-done", Position: ptr(0)},
		messages.DeleteTask{Meta: meta(alice), BoardID: "board-1", TaskID: task.ID},
	}
	for _, c := range steps {
		if _, err := b.Do(ctx, c); err != nil {
			t.Fatalf("%T: %v", c, err)
		}
	}
	want := []messages.EventType{messages.TaskCreated, messages.TaskUpdated, messages.TaskMoved, messages.TaskDeleted}
	for i, typ := range want {
		e := next(t, sub)
		ev := decode(t, e)
		if e.Seq != int64(i+1) || ev.Seq != e.Seq || ev.Type != typ || e.Type != typ {
			t.Fatalf("event %d: got seq %d type %s (json seq %d), want seq %d type %s", i, e.Seq, e.Type, ev.Seq, i+1, typ)
		}
		if ev.BoardID != "board-1" || ev.ActorID != alice || ev.RequestID != "req-test" {
			t.Fatalf("event %d envelope: %+v", i, ev)
		}
	}
	if s := snapshot(t, b, alice, "board-1"); s.Seq != 4 {
		t.Fatalf("snapshot seq %d, want 4", s.Seq)
	}
}

func TestEventPayloads(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sub := subscribe(t, b, nil, 0)
	ctx := context.Background()

	res, err := b.Do(ctx, messages.MoveTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", ListID: "list-done", Position: ptr(99)})
	if err != nil {
		t.Fatal(err)
	}
	ev := decode(t, next(t, sub))
	if ev.FromListID != "list-todo" || ev.FromPosition == nil || *ev.FromPosition != 0 {
		t.Fatalf("task_moved from %q/%v, want list-todo/0", ev.FromListID, ev.FromPosition)
	}
	if diff := cmp.Diff(*res.Task, *ev.Task); diff != "" {
		t.Fatalf("event task differs from reply (-reply +event):\n%s", diff)
	}
	if ev.Task.ListID != "list-done" || ev.Task.Position != 1 || ev.Task.Version != 2 {
		t.Fatalf("moved task %+v, want list-done position 1 (clamped) version 2", ev.Task)
	}

	if _, err := b.Do(ctx, messages.DeleteTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-2"}); err != nil {
		t.Fatal(err)
	}
	if ev := decode(t, next(t, sub)); ev.TaskID != "task-2" || ev.ListID != "list-todo" || ev.Task != nil {
		t.Fatalf("task_deleted payload %+v", ev)
	}
	if _, err := b.Do(ctx, messages.DeleteList{Meta: meta(alice), BoardID: "board-1", ListID: "list-in-progress"}); err != nil {
		t.Fatal(err)
	}
	if ev := decode(t, next(t, sub)); ev.Type != messages.ListDeleted || ev.ListID != "list-in-progress" {
		t.Fatalf("list_deleted payload %+v", ev)
	}
	s := snapshot(t, b, alice, "board-1")
	checkPositions(t, s)
	for _, task := range s.Tasks {
		if task.ID == "task-3" {
			t.Fatal("task-3 survived the deletion of its list")
		}
	}
}

// TestPositionsStayDense moves tasks at random within and across lists, and checks after each
// move, and after a reload from the database, that positions are 0..n-1.
func TestPositionsStayDense(t *testing.T) {
	db, _ := openStore(t)
	hooks := make(lifecycle, 16)
	b := startBoards(t, db, actors.Options{OnLifecycle: hooks.hook})
	ctx := context.Background()
	lists := []string{"list-todo", "list-in-progress", "list-done"}
	for i := range 9 {
		createTask(t, b, lists[i%3], "task")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	s := snapshot(t, b, alice, "board-1")
	for range 60 {
		task := s.Tasks[rng.IntN(len(s.Tasks))]
		to := lists[rng.IntN(3)]
		pos := rng.IntN(8)
		if _, err := b.Do(ctx, messages.MoveTask{Meta: meta(bob), BoardID: "board-1", TaskID: task.ID, ListID: to, Position: &pos}); err != nil {
			t.Fatalf("move: %v", err)
		}
		s = snapshot(t, b, alice, "board-1")
		checkPositions(t, s)
		if got := position(s, task.ID); got.ListID != to || got.Position != min(pos, count(s, to)-1) {
			t.Fatalf("task moved to %s/%d, want %s/%d", got.ListID, got.Position, to, pos)
		}
	}
	// Lists reorder too.
	if _, err := b.Do(ctx, messages.UpdateList{Meta: meta(bob), BoardID: "board-1", ListID: "list-done", Position: ptr(0)}); err != nil {
		t.Fatal(err)
	}
	s = snapshot(t, b, alice, "board-1")
	checkPositions(t, s)
	if s.Lists[0].ID != "list-done" {
		t.Fatalf("lists %v, want list-done first", s.Lists)
	}
	reloaded := reload(t, db, "board-1")
	if diff := cmp.Diff(s, reloaded); diff != "" {
		t.Fatalf("state in the database differs from memory (-memory +db):\n%s", diff)
	}
}

// reload reads a board's snapshot through a fresh actor system on the same store.
func reload(t *testing.T, store actors.Store, boardID string) messages.Snapshot {
	t.Helper()
	fresh := actors.NewBoards(store, actors.Options{})
	defer fresh.Shutdown(context.Background())
	res, err := fresh.Do(context.Background(), messages.GetSnapshot{Meta: meta(alice), BoardID: boardID})
	if err != nil {
		t.Fatal(err)
	}
	return *res.Snapshot
}

func position(s messages.Snapshot, id string) messages.Task {
	for _, t := range s.Tasks {
		if t.ID == id {
			return t
		}
	}
	return messages.Task{}
}

func count(s messages.Snapshot, listID string) int {
	n := 0
	for _, t := range s.Tasks {
		if t.ListID == listID {
			n++
		}
	}
	return n
}

func TestAccessAndValidation(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	tests := []struct {
		name string
		cmd  messages.Command
		want messages.Code
	}{
		{"viewer cannot create", messages.CreateTask{Meta: meta(carol), BoardID: "board-1", ListID: "list-todo", Title: "x"}, messages.CodeForbidden},
		{"non-member sees nothing", messages.GetSnapshot{Meta: meta(bob), BoardID: "board-2"}, messages.CodeNotFound},
		{"editor cannot rename board", messages.UpdateBoard{Meta: meta(bob), BoardID: "board-1", Name: "x"}, messages.CodeForbidden},
		{"unknown board", messages.GetSnapshot{Meta: meta(alice), BoardID: "board-404"}, messages.CodeNotFound},
		{"empty title", messages.CreateTask{Meta: meta(bob), BoardID: "board-1", ListID: "list-todo", Title: "  "}, messages.CodeValidation},
		{"move to a list of another board", messages.MoveTask{Meta: meta(alice), TaskID: "task-1", ListID: "list-b2-todo", Position: ptr(0)}, messages.CodeValidation},
		{"list of a board not one's own", messages.CreateTask{Meta: meta(bob), ListID: "list-b2-todo", Title: "x"}, messages.CodeNotFound},
		{"assignee not a member", messages.CreateTask{Meta: meta(alice), BoardID: "board-2", ListID: "list-b2-todo", Title: "x", AssigneeID: ptr(bob)}, messages.CodeValidation},
		{"negative position", messages.MoveTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", ListID: "list-todo", Position: ptr(-1)}, messages.CodeValidation},
		{"stale version", messages.UpdateTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", Title: messages.Set("x"), IfMatch: ptr(7)}, messages.CodePreconditionFailed},
		{"task of a board not one's own", messages.DeleteTask{Meta: meta(bob), TaskID: "task-5"}, messages.CodeNotFound},
		{"a board id that does not hold the task", messages.DeleteTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-5"}, messages.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.Do(ctx, tt.cmd)
			if got := messages.ErrorCode(err); got != tt.want {
				t.Fatalf("got %v (%v), want %s", got, err, tt.want)
			}
		})
	}
	if s := snapshot(t, b, alice, "board-1"); s.Seq != 0 || len(s.Tasks) != 4 {
		t.Fatalf("rejected commands changed the board: seq %d, %d tasks", s.Seq, len(s.Tasks))
	}
	_, err := b.Do(ctx, messages.UpdateTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", Title: messages.Set("x"), IfMatch: ptr(7)})
	if cur := messages.AsError(err).Current; cur == nil || cur.ID != "task-1" || cur.Version != 1 {
		t.Fatalf("precondition failure carries %+v, want task-1 at version 1", cur)
	}
}

func TestIdempotentRetryEmitsOneEvent(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	sub := subscribe(t, b, nil, 0)
	cmd := messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "once"}
	cmd.MutationID = "c-7f3a"
	first, err := b.Do(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Do(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Fatalf("retry answered differently (-first +retry):\n%s", diff)
	}
	if ev := decode(t, next(t, sub)); ev.ClientMutationID != "c-7f3a" {
		t.Fatalf("event clientMutationId %q", ev.ClientMutationID)
	}
	// The next event is the marker, not a duplicate.
	createTask(t, b, "list-todo", "marker")
	if ev := decode(t, next(t, sub)); ev.Task.Title != "marker" || ev.Seq != 2 {
		t.Fatalf("after the retry got %s seq %d, want the marker at seq 2", ev.Type, ev.Seq)
	}
	if n := count(snapshot(t, b, alice, "board-1"), "list-todo"); n != 4 {
		t.Fatalf("list-todo has %d tasks, want 4", n)
	}
}

// TestRetryAfterItsTargetIsGone: a retried change whose first answer deleted what it names
// (a task, the caller's own membership, the board) still gets that first answer, and the same
// key reused for another change is a conflict.
func TestRetryAfterItsTargetIsGone(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	keyed := func(user, key string) messages.Meta { m := meta(user); m.MutationID = key; return m }
	for _, cmd := range []messages.Command{
		messages.DeleteTask{Meta: keyed(bob, "k-task"), TaskID: "task-2"},
		messages.DeleteList{Meta: keyed(bob, "k-list"), ListID: "list-done"},
		messages.RemoveMember{Meta: keyed(carol, "k-leave"), BoardID: "board-1", UserID: carol},
		messages.DeleteBoard{Meta: keyed(carol, "k-board"), BoardID: "board-2"},
	} {
		for attempt := range 2 {
			if _, err := b.Do(ctx, cmd); err != nil {
				t.Fatalf("%T, attempt %d: %v", cmd, attempt+1, err)
			}
		}
	}
	other := messages.DeleteTask{Meta: keyed(bob, "k-task"), TaskID: "task-1"}
	if _, err := b.Do(ctx, other); messages.ErrorCode(err) != messages.CodeConflict {
		t.Fatalf("a key reused for another task: %v, want conflict", err)
	}
	gone := messages.DeleteTask{Meta: keyed(bob, "k-fresh"), TaskID: "task-2"}
	if _, err := b.Do(ctx, gone); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("a new key on a deleted task: %v, want not_found", err)
	}
}

func TestSlowSubscriberIsDropped(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	slow := subscribe(t, b, nil, 2)
	fast := subscribe(t, b, nil, 64)
	for range 5 {
		createTask(t, b, "list-todo", "burst")
	}
	for i := range 5 {
		if e := next(t, fast); e.Seq != int64(i+1) {
			t.Fatalf("fast subscriber got seq %d, want %d", e.Seq, i+1)
		}
	}
	got := drain(t, slow.Events, "slow subscription")
	if got != 2 || slow.Err() != messages.EndSlow {
		t.Fatalf("slow subscriber got %d events and ended with %q, want 2 and %q", got, slow.Err(), messages.EndSlow)
	}
}

// TestConcurrentWritersOnOneBoard sends many changes at once, which the board commits in
// batches: every one is acknowledged, numbered without a gap, published in order and kept.
func TestConcurrentWritersOnOneBoard(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sub := subscribe(t, b, nil, 512)
	const writers, each = 8, 25
	acked := make(chan messages.Task, writers*each)
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				res, err := b.Do(context.Background(), messages.CreateTask{Meta: meta(alice), BoardID: "board-1",
					ListID: []string{"list-todo", "list-done"}[w%2], Title: "concurrent", Position: ptr(i % 3)})
				if err != nil {
					errs <- err
					return
				}
				acked <- *res.Task
			}
			errs <- nil
		}()
	}
	for range writers {
		if err, _ := recv(t, errs, "writer's end"); err != nil {
			t.Fatal(err)
		}
	}
	close(acked)
	for i := range writers * each {
		if e := next(t, sub); e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i+1, e.Seq)
		}
	}
	s := snapshot(t, b, alice, "board-1")
	checkPositions(t, s)
	for task := range acked {
		if position(s, task.ID).ID == "" {
			t.Fatalf("acknowledged task %s is missing", task.ID)
		}
	}
	if s.Seq != writers*each || len(s.Tasks) != 4+writers*each {
		t.Fatalf("seq %d with %d tasks, want %d and %d", s.Seq, len(s.Tasks), writers*each, 4+writers*each)
	}
}

// TestQuotas: each quota lets a board or a user reach it and refuses the change past it with a
// conflict that says which limit, leaving nothing half-written.
func TestQuotas(t *testing.T) {
	db, _ := openStore(t)
	// The demo board-1 has 4 tasks, 3 lists and 3 members; Alice owns one board.
	b := startBoards(t, db, actors.Options{MaxTasks: 5, MaxLists: 3, MaxMembers: 3, MaxBoards: 2})
	ctx := context.Background()
	if _, err := db.Register(ctx, "dave@example.com", "Dave", "dave-password"); err != nil {
		t.Fatal(err)
	}
	createTask(t, b, "list-todo", "the fifth")
	for _, tc := range []struct {
		name string
		cmd  messages.Command
		want string
	}{
		{"tasks", messages.CreateTask{Meta: meta(alice), ListID: "list-todo", Title: "the sixth"}, "limit of 5 tasks"},
		{"lists", messages.CreateList{Meta: meta(alice), BoardID: "board-1", Name: "Later"}, "limit of 3 lists"},
		{"members", messages.AddMember{Meta: meta(carol), BoardID: "board-2", Email: "bob@example.com", Role: messages.RoleViewer}, ""},
		{"members", messages.AddMember{Meta: meta(alice), BoardID: "board-1", Email: "dave@example.com", Role: messages.RoleViewer}, "limit of 3 members"},
		{"boards", messages.CreateBoard{Meta: meta(alice), Name: "Second"}, ""},
		{"boards", messages.CreateBoard{Meta: meta(alice), Name: "Third"}, "limit of 2 boards"},
	} {
		_, err := b.Do(ctx, tc.cmd)
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%s below the quota: %v", tc.name, err)
			}
			continue
		}
		if e := messages.AsError(err); e == nil || e.Code != messages.CodeConflict || !strings.Contains(e.Message, tc.want) {
			t.Fatalf("%s past the quota: %v, want a conflict saying %q", tc.name, err, tc.want)
		}
	}
	s := snapshot(t, b, alice, "board-1")
	if len(s.Tasks) != 5 || len(s.Lists) != 3 || s.Seq != 1 {
		t.Fatalf("board-1 after the refusals: %d tasks, %d lists, seq %d; want 5, 3 and 1", len(s.Tasks), len(s.Lists), s.Seq)
	}
}
