package actors_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
)

// do runs c and fails the test on an error.
func do(t *testing.T, b *actors.Boards, c messages.Command) messages.Result {
	t.Helper()
	res, err := b.Do(context.Background(), c)
	if err != nil {
		t.Fatalf("%T: %v", c, err)
	}
	return res
}

// refused runs c and fails the test unless it is refused with code, and the board's seq
// stays where it was.
func refused(t *testing.T, b *actors.Boards, c messages.Command, code messages.Code) {
	t.Helper()
	before := snapshot(t, b, alice, "board-1").Seq
	_, err := b.Do(context.Background(), c)
	if messages.ErrorCode(err) != code {
		t.Fatalf("%T: error %v, want %s", c, err, code)
	}
	if after := snapshot(t, b, alice, "board-1").Seq; after != before {
		t.Fatalf("%T refused, but the board moved from seq %d to %d", c, before, after)
	}
}

func createLabel(t *testing.T, b *actors.Boards, name, color string) messages.Label {
	t.Helper()
	return *do(t, b, messages.CreateLabel{Meta: meta(alice), BoardID: "board-1", Name: name, Color: color}).Label
}

func findTask(t *testing.T, b *actors.Boards, id string) messages.Task {
	t.Helper()
	return *do(t, b, messages.GetTask{Meta: meta(alice), BoardID: "board-1", TaskID: id}).Task
}

func TestLabelsOnTasks(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sub := subscribe(t, b, nil, 0)

	bug := createLabel(t, b, " Bug ", "red")
	if bug.Name != "Bug" || bug.Color != "red" || bug.BoardID != "board-1" {
		t.Fatalf("label %+v, want trimmed name Bug, red, on board-1", bug)
	}
	ui := createLabel(t, b, "", "sky") // colour only
	if ev := decode(t, next(t, sub)); ev.Type != messages.LabelCreated || ev.Label.ID != bug.ID {
		t.Fatalf("first event %s %+v, want label_created of %s", ev.Type, ev.Label, bug.ID)
	}
	next(t, sub)

	refused(t, b, messages.CreateLabel{Meta: meta(alice), BoardID: "board-1", Name: "x", Color: "brown"}, messages.CodeValidation)
	refused(t, b, messages.CreateLabel{Meta: meta(carol), BoardID: "board-1", Name: "x", Color: "red"}, messages.CodeForbidden)
	other := *do(t, b, messages.CreateLabel{Meta: meta(alice), BoardID: "board-2", Name: "Elsewhere", Color: "gray"}).Label
	refused(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", LabelIDs: &[]string{other.ID}}, messages.CodeValidation)
	refused(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", LabelIDs: &[]string{"label_nope"}}, messages.CodeValidation)

	task := *do(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1",
		LabelIDs: &[]string{bug.ID, ui.ID, bug.ID}}).Task
	if !cmp.Equal(task.LabelIDs, []string{bug.ID, ui.ID}) || task.Version != 2 {
		t.Fatalf("labels %v version %d, want [bug ui] without the duplicate, version 2", task.LabelIDs, task.Version)
	}
	if ev := decode(t, next(t, sub)); ev.Type != messages.TaskUpdated || !cmp.Equal(ev.Task.LabelIDs, task.LabelIDs) {
		t.Fatalf("event %s %+v, want task_updated with the labels", ev.Type, ev.Task)
	}
	renamed := *do(t, b, messages.UpdateLabel{Meta: meta(bob), BoardID: "board-1", LabelID: bug.ID, Color: ptr("orange")}).Label
	if renamed.Name != "Bug" || renamed.Color != "orange" {
		t.Fatalf("recoloured label %+v, want Bug in orange", renamed)
	}
	next(t, sub)

	// Deleting a label takes it off every task in the same change: one event, one seq.
	do(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-2", LabelIDs: &[]string{bug.ID}})
	do(t, b, messages.ArchiveTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-2"})
	next(t, sub)
	next(t, sub)
	before := snapshot(t, b, alice, "board-1").Seq
	do(t, b, messages.DeleteLabel{Meta: meta(alice), BoardID: "board-1", LabelID: bug.ID})
	ev := decode(t, next(t, sub))
	if ev.Type != messages.LabelDeleted || ev.LabelID != bug.ID || !cmp.Equal(ev.TaskIDs, []string{"task-1", "task-2"}) || ev.Seq != before+1 {
		t.Fatalf("event %s label %s tasks %v seq %d, want label_deleted of bug from task-1 and the archived task-2 at %d",
			ev.Type, ev.LabelID, ev.TaskIDs, ev.Seq, before+1)
	}
	for _, id := range []string{"task-1", "task-2"} {
		if got := findTask(t, b, id); len(got.LabelIDs) > 0 && got.LabelIDs[0] == bug.ID {
			t.Fatalf("%s still has the deleted label: %v", id, got.LabelIDs)
		}
	}
	if got := findTask(t, b, "task-1"); !cmp.Equal(got.LabelIDs, []string{ui.ID}) || got.Version != 3 {
		t.Fatalf("task-1 labels %v version %d, want [ui] at version 3", got.LabelIDs, got.Version)
	}
	if s := snapshot(t, b, alice, "board-1"); len(s.Labels) != 1 || s.Labels[0].ID != ui.ID {
		t.Fatalf("snapshot labels %+v, want ui only", s.Labels)
	}
	refused(t, b, messages.DeleteLabel{Meta: meta(alice), BoardID: "board-1", LabelID: bug.ID}, messages.CodeNotFound)
}

func TestLabelQuota(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	for range messages.MaxLabels {
		createLabel(t, b, "", "green")
	}
	refused(t, b, messages.CreateLabel{Meta: meta(alice), BoardID: "board-1", Color: "green"}, messages.CodeConflict)
}

func TestAssigneesAndDueDate(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})

	task := *do(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1",
		AssigneeIDs: &[]string{bob, alice, bob}, DueAt: messages.Set("2026-12-24T17:00:00+01:00")}).Task
	if !cmp.Equal(task.AssigneeIDs, []string{bob, alice}) || task.AssigneeID == nil || *task.AssigneeID != bob {
		t.Fatalf("assignees %v (v1 %v), want [bob alice] with bob first", task.AssigneeIDs, task.AssigneeID)
	}
	if task.DueAt == nil || !task.DueAt.Equal(time.Date(2026, 12, 24, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("dueAt %v, want 2026-12-24T16:00Z", task.DueAt)
	}
	refused(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", AssigneeIDs: &[]string{"user-nobody"}}, messages.CodeValidation)
	refused(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", DueAt: messages.Set("tomorrow")}, messages.CodeValidation)
	refused(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1",
		AssigneeID: messages.Set(bob), AssigneeIDs: &[]string{alice}}, messages.CodeValidation)

	// The v1 field replaces the whole set with one user, or none.
	task = *do(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", AssigneeID: messages.Set(carol)}).Task
	if !cmp.Equal(task.AssigneeIDs, []string{carol}) {
		t.Fatalf("assignees after assigneeId %v, want [carol]", task.AssigneeIDs)
	}
	task = *do(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", AssigneeID: messages.Null(), DueAt: messages.Null()}).Task
	if len(task.AssigneeIDs) != 0 || task.AssigneeID != nil || task.DueAt != nil {
		t.Fatalf("after clearing: assignees %v (v1 %v) due %v, want none", task.AssigneeIDs, task.AssigneeID, task.DueAt)
	}
	// The same content again changes nothing.
	again := *do(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", AssigneeIDs: &[]string{}}).Task
	if again.Version != task.Version {
		t.Fatalf("an update to the same content moved the version from %d to %d", task.Version, again.Version)
	}
}

func TestChecklist(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sub := subscribe(t, b, nil, 0)
	add := func(text string, pos *int) messages.ChecklistItem {
		t.Helper()
		return *do(t, b, messages.AddChecklistItem{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", Text: text, Position: pos}).Item
	}
	a := add("write", nil)
	c := add("ship", nil)
	bItem := add(" review ", ptr(1))
	if bItem.Text != "review" || bItem.Position != 1 {
		t.Fatalf("inserted item %+v, want trimmed text at position 1", bItem)
	}
	for range 3 {
		if ev := decode(t, next(t, sub)); ev.Type != messages.TaskUpdated {
			t.Fatalf("event %s, want task_updated", ev.Type)
		}
	}
	texts := func() []string {
		var out []string
		for i, it := range findTask(t, b, "task-1").Checklist {
			if it.Position != i {
				t.Fatalf("item %s at index %d has position %d", it.ID, i, it.Position)
			}
			out = append(out, it.Text)
		}
		return out
	}
	if got := texts(); !cmp.Equal(got, []string{"write", "review", "ship"}) {
		t.Fatalf("checklist %v", got)
	}
	do(t, b, messages.UpdateChecklistItem{Meta: meta(bob), BoardID: "board-1", ItemID: c.ID, Position: ptr(0), Done: ptr(true)})
	do(t, b, messages.UpdateChecklistItem{Meta: meta(bob), BoardID: "board-1", ItemID: a.ID, Text: ptr("write it")})
	if got := texts(); !cmp.Equal(got, []string{"ship", "write it", "review"}) {
		t.Fatalf("checklist after reorder and rename %v", got)
	}
	task := findTask(t, b, "task-1")
	if !task.Checklist[0].Done || task.Version != 6 {
		t.Fatalf("ship done %v, version %d: want done, version 6 (five changes)", task.Checklist[0].Done, task.Version)
	}
	refused(t, b, messages.UpdateChecklistItem{Meta: meta(bob), BoardID: "board-1", ItemID: a.ID, Done: ptr(true), IfMatch: ptr(5)}, messages.CodePreconditionFailed)
	refused(t, b, messages.AddChecklistItem{Meta: meta(carol), BoardID: "board-1", TaskID: "task-1", Text: "no"}, messages.CodeForbidden)
	refused(t, b, messages.AddChecklistItem{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", Text: "   "}, messages.CodeValidation)
	refused(t, b, messages.DeleteChecklistItem{Meta: meta(bob), BoardID: "board-1", ItemID: "task-1.nope"}, messages.CodeNotFound)
	do(t, b, messages.DeleteChecklistItem{Meta: meta(bob), BoardID: "board-1", ItemID: bItem.ID, IfMatch: ptr(6)})
	if got := texts(); !cmp.Equal(got, []string{"ship", "write it"}) {
		t.Fatalf("checklist after delete %v", got)
	}
	for len(findTask(t, b, "task-1").Checklist) < messages.MaxChecklist {
		add("more", nil)
	}
	refused(t, b, messages.AddChecklistItem{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", Text: "one too many"}, messages.CodeConflict)
}

func TestArchiveAndRestore(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sub := subscribe(t, b, nil, 0)
	extra := createTask(t, b, "list-todo", "third") // list-todo: task-1, task-2, third
	next(t, sub)

	archived := *do(t, b, messages.ArchiveTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1"}).Task
	ev := decode(t, next(t, sub))
	if ev.Type != messages.TaskArchived || ev.FromListID != "list-todo" || ev.FromPosition == nil || *ev.FromPosition != 0 ||
		ev.Task.ArchivedAt == nil || archived.ArchivedAt == nil {
		t.Fatalf("event %s from %s/%v task %+v, want task_archived from list-todo/0 with archivedAt", ev.Type, ev.FromListID, ev.FromPosition, ev.Task)
	}
	s := snapshot(t, b, alice, "board-1")
	checkPositions(t, s)
	for _, task := range s.Tasks {
		if task.ID == "task-1" {
			t.Fatal("the archived task is still in the snapshot")
		}
	}
	if got := findTask(t, b, "task-2"); got.Position != 0 {
		t.Fatalf("task-2 at %d after its predecessor was archived, want 0", got.Position)
	}
	list := do(t, b, messages.ListTasks{Meta: meta(carol), BoardID: "board-1", Filter: messages.TaskFilter{Archived: true}}).Tasks
	if len(list) != 1 || list[0].ID != "task-1" {
		t.Fatalf("archived tasks %v, want task-1", list)
	}
	refused(t, b, messages.MoveTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", ListID: "list-done", Position: ptr(0)}, messages.CodeConflict)
	refused(t, b, messages.ArchiveTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1"}, messages.CodeConflict)
	refused(t, b, messages.RestoreTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-2"}, messages.CodeConflict)
	refused(t, b, messages.ArchiveTask{Meta: meta(carol), BoardID: "board-1", TaskID: "task-2"}, messages.CodeForbidden)

	// Restored at the end of the list it left.
	restored := *do(t, b, messages.RestoreTask{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1"}).Task
	if restored.ArchivedAt != nil || restored.ListID != "list-todo" || restored.Position != 2 || restored.Version != archived.Version+1 {
		t.Fatalf("restored %+v, want live at list-todo/2, version %d", restored, archived.Version+1)
	}
	if ev := decode(t, next(t, sub)); ev.Type != messages.TaskRestored || ev.Task.Position != 2 {
		t.Fatalf("event %s %+v, want task_restored at 2", ev.Type, ev.Task)
	}
	checkPositions(t, snapshot(t, b, alice, "board-1"))

	// Its list deleted meanwhile: a conflict, unless another list is named.
	do(t, b, messages.ArchiveTask{Meta: meta(bob), BoardID: "board-1", TaskID: extra.ID})
	do(t, b, messages.DeleteList{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo"})
	refused(t, b, messages.RestoreTask{Meta: meta(bob), BoardID: "board-1", TaskID: extra.ID}, messages.CodeConflict)
	refused(t, b, messages.RestoreTask{Meta: meta(bob), BoardID: "board-1", TaskID: extra.ID, ListID: ptr("list-b2-todo")}, messages.CodeValidation)
	back := *do(t, b, messages.RestoreTask{Meta: meta(bob), BoardID: "board-1", TaskID: extra.ID, ListID: ptr("list-done"), Position: ptr(0)}).Task
	if back.ListID != "list-done" || back.Position != 0 {
		t.Fatalf("restored into list-done at %s/%d", back.ListID, back.Position)
	}
	checkPositions(t, snapshot(t, b, alice, "board-1"))

	// An archived task is deleted for good.
	do(t, b, messages.ArchiveTask{Meta: meta(bob), BoardID: "board-1", TaskID: extra.ID})
	do(t, b, messages.DeleteTask{Meta: meta(bob), BoardID: "board-1", TaskID: extra.ID})
	refused(t, b, messages.GetTask{Meta: meta(bob), BoardID: "board-1", TaskID: extra.ID}, messages.CodeNotFound)
}

func TestComments(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sub := subscribe(t, b, nil, 0)

	mine := *do(t, b, messages.AddComment{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", Body: "**first**"}).Comment
	ev := decode(t, next(t, sub))
	if ev.Type != messages.CommentAdded || ev.Comment.ID != mine.ID || ev.Task == nil || ev.Task.CommentCount != 1 || ev.Task.Version != 2 {
		t.Fatalf("event %s %+v task %+v, want comment_added with the task at count 1, version 2", ev.Type, ev.Comment, ev.Task)
	}
	theirs := *do(t, b, messages.AddComment{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", Body: "second"}).Comment
	next(t, sub)
	refused(t, b, messages.AddComment{Meta: meta(carol), BoardID: "board-1", TaskID: "task-1", Body: "viewer"}, messages.CodeForbidden)
	refused(t, b, messages.AddComment{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", Body: " \n "}, messages.CodeValidation)
	long := make([]byte, messages.MaxComment+1)
	for i := range long {
		long[i] = 'a'
	}
	refused(t, b, messages.AddComment{Meta: meta(bob), BoardID: "board-1", TaskID: "task-1", Body: string(long)}, messages.CodeValidation)

	// Only the author edits; the author or an owner deletes.
	refused(t, b, messages.UpdateComment{Meta: meta(alice), BoardID: "board-1", CommentID: mine.ID, Body: "owner's edit"}, messages.CodeForbidden)
	edited := *do(t, b, messages.UpdateComment{Meta: meta(bob), BoardID: "board-1", CommentID: mine.ID, Body: "first, edited"}).Comment
	if edited.Body != "first, edited" || !edited.UpdatedAt.After(mine.CreatedAt.Time) && !edited.UpdatedAt.Equal(mine.CreatedAt.Time) {
		t.Fatalf("edited %+v", edited)
	}
	if ev := decode(t, next(t, sub)); ev.Type != messages.CommentUpdated || ev.Comment.Body != "first, edited" {
		t.Fatalf("event %s %+v, want comment_updated", ev.Type, ev.Comment)
	}
	refused(t, b, messages.DeleteComment{Meta: meta(bob), BoardID: "board-1", CommentID: theirs.ID}, messages.CodeForbidden)
	do(t, b, messages.DeleteComment{Meta: meta(alice), BoardID: "board-1", CommentID: mine.ID})
	ev = decode(t, next(t, sub))
	if ev.Type != messages.CommentDeleted || ev.CommentID != mine.ID || ev.TaskID != "task-1" || ev.Task.CommentCount != 1 {
		t.Fatalf("event %s %s/%s %+v, want comment_deleted of bob's comment, count 1", ev.Type, ev.CommentID, ev.TaskID, ev.Task)
	}
	list := do(t, b, messages.ListComments{Meta: meta(carol), BoardID: "board-1", TaskID: "task-1"})
	if len(list.Comments) != 1 || list.Comments[0].ID != theirs.ID || list.Next != "" {
		t.Fatalf("comments %+v next %q, want alice's only", list.Comments, list.Next)
	}

	// Pages: the newest first, oldest first within a page.
	for i := range 5 {
		do(t, b, messages.AddComment{Meta: meta(bob), BoardID: "board-1", TaskID: "task-2", Body: string(rune('a' + i))})
	}
	var bodies []string
	before := ""
	for {
		page := do(t, b, messages.ListComments{Meta: meta(bob), BoardID: "board-1", TaskID: "task-2", Before: before, Limit: 2})
		var p []string
		for _, c := range page.Comments {
			p = append(p, c.Body)
		}
		bodies = append(p, bodies...)
		if page.Next == "" {
			break
		}
		before = page.Next
	}
	if !cmp.Equal(bodies, []string{"a", "b", "c", "d", "e"}) {
		t.Fatalf("comments read by pages %v, want a..e", bodies)
	}
}

func TestCardsSurviveARestart(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	l := createLabel(t, b, "Bug", "red")
	do(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", LabelIDs: &[]string{l.ID},
		AssigneeIDs: &[]string{bob, alice}, DueAt: messages.Set("2026-12-24T16:00:00Z")})
	do(t, b, messages.AddChecklistItem{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", Text: "one"})
	do(t, b, messages.AddComment{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", Body: "hello"})
	do(t, b, messages.ArchiveTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-2"})
	want := snapshot(t, b, alice, "board-1")
	wantArchived := do(t, b, messages.ListTasks{Meta: meta(alice), BoardID: "board-1", Filter: messages.TaskFilter{Archived: true}}).Tasks

	fresh := startBoards(t, db, actors.Options{}) // another set of board actors, loading from the store
	if diff := cmp.Diff(want, snapshot(t, fresh, alice, "board-1")); diff != "" {
		t.Fatalf("snapshot after a reload differs (-before +after):\n%s", diff)
	}
	gotArchived := do(t, fresh, messages.ListTasks{Meta: meta(alice), BoardID: "board-1", Filter: messages.TaskFilter{Archived: true}}).Tasks
	if diff := cmp.Diff(wantArchived, gotArchived); diff != "" {
		t.Fatalf("archived tasks after a reload differ (-before +after):\n%s", diff)
	}
}

func TestCardCommandsAreIdempotent(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sub := subscribe(t, b, nil, 0)
	m := meta(bob)
	m.MutationID = "comment-once"
	first := do(t, b, messages.AddComment{Meta: m, BoardID: "board-1", TaskID: "task-1", Body: "once"})
	again := do(t, b, messages.AddComment{Meta: m, BoardID: "board-1", TaskID: "task-1", Body: "once"})
	if first.Comment == nil || again.Comment == nil || first.Comment.ID != again.Comment.ID {
		t.Fatalf("retry answered %+v, want the first comment %+v", again.Comment, first.Comment)
	}
	next(t, sub)
	if got := findTask(t, b, "task-1").CommentCount; got != 1 {
		t.Fatalf("comment count %d after a retry, want 1", got)
	}
	m.MutationID = "archive-once"
	do(t, b, messages.ArchiveTask{Meta: m, BoardID: "board-1", TaskID: "task-1"})
	if res := do(t, b, messages.ArchiveTask{Meta: m, BoardID: "board-1", TaskID: "task-1"}); res.Task == nil || res.Task.ArchivedAt == nil {
		t.Fatalf("archive retry answered %+v, want the archived task", res.Task)
	}
}

func TestActivity(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	do(t, b, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", Title: messages.Set("one")})
	do(t, b, messages.AddComment{Meta: meta(alice), BoardID: "board-1", TaskID: "task-2", Body: "about two"})
	do(t, b, messages.ArchiveTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1"})
	do(t, b, messages.CreateLabel{Meta: meta(alice), BoardID: "board-1", Color: "red"})

	type head struct {
		Seq  int64              `json:"seq"`
		Type messages.EventType `json:"type"`
	}
	read := func(c messages.GetActivity) ([]head, int64) {
		t.Helper()
		page := do(t, b, c).Activity
		var out []head
		for _, raw := range page.Events {
			var h head
			if err := json.Unmarshal(raw, &h); err != nil {
				t.Fatal(err)
			}
			out = append(out, h)
		}
		return out, page.Next
	}
	all, nextBefore := read(messages.GetActivity{Meta: meta(carol), BoardID: "board-1", Limit: 3})
	want := []head{{4, messages.LabelCreated}, {3, messages.TaskArchived}, {2, messages.CommentAdded}}
	if !cmp.Equal(all, want) || nextBefore != 2 {
		t.Fatalf("first page %v next %d, want %v next 2", all, nextBefore, want)
	}
	rest, last := read(messages.GetActivity{Meta: meta(carol), BoardID: "board-1", Before: nextBefore, Limit: 3})
	if !cmp.Equal(rest, []head{{1, messages.TaskUpdated}}) || last != 0 {
		t.Fatalf("second page %v next %d, want task_updated 1 and no next", rest, last)
	}
	one, _ := read(messages.GetActivity{Meta: meta(carol), BoardID: "board-1", TaskID: "task-1"})
	if !cmp.Equal(one, []head{{3, messages.TaskArchived}, {1, messages.TaskUpdated}}) {
		t.Fatalf("task-1's activity %v, want its archive and update", one)
	}
	two, _ := read(messages.GetActivity{Meta: meta(carol), BoardID: "board-1", TaskID: "task-2"})
	if !cmp.Equal(two, []head{{2, messages.CommentAdded}}) {
		t.Fatalf("task-2's activity %v, want its comment", two)
	}
	refused(t, b, messages.GetActivity{Meta: meta("user-nobody"), BoardID: "board-1"}, messages.CodeNotFound)
}
