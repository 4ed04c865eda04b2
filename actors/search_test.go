package actors_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
)

func idsOf(tasks []messages.Task) []string {
	ids := make([]string, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	return ids
}

// Words given to a board's ListTasks are matched by the store's index, best first, and the
// board's filters apply to what they find.
func TestListTasksWithWordsBestFirst(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})

	comment := createTask(t, b, "list-todo", "Traffic lights")
	if _, err := b.Do(ctx, messages.AddComment{Meta: meta(bob), TaskID: comment.ID, Body: "the kestrel nests here"}); err != nil {
		t.Fatal(err)
	}
	check := createTask(t, b, "list-in-progress", "Road works")
	if _, err := b.Do(ctx, messages.AddChecklistItem{Meta: meta(alice), TaskID: check.ID, Text: "count every kestrel"}); err != nil {
		t.Fatal(err)
	}
	desc := createTask(t, b, "list-done", "Birds")
	if _, err := b.Do(ctx, messages.UpdateTask{Meta: meta(alice), TaskID: desc.ID, Description: messages.Set("a kestrel, hovering")}); err != nil {
		t.Fatal(err)
	}
	title := createTask(t, b, "list-todo", "Kestrel survey")

	list := func(f messages.TaskFilter) []string {
		t.Helper()
		res, err := b.Do(ctx, messages.ListTasks{Meta: meta(carol), BoardID: "board-1", Filter: f})
		if err != nil {
			t.Fatalf("ListTasks %+v: %v", f, err)
		}
		return idsOf(res.Tasks)
	}
	if diff := cmp.Diff([]string{title.ID, desc.ID, check.ID, comment.ID}, list(messages.TaskFilter{Q: "kest"})); diff != "" {
		t.Errorf("ListTasks kest mismatch (-want +got):\n%s", diff)
	}
	if _, err := b.Do(ctx, messages.ArchiveTask{Meta: meta(alice), TaskID: desc.ID}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{title.ID, check.ID, comment.ID}, list(messages.TaskFilter{Q: "kestrel"})); diff != "" {
		t.Errorf("ListTasks kestrel after archiving mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{desc.ID}, list(messages.TaskFilter{Q: "kestrel", Archived: true})); diff != "" {
		t.Errorf("ListTasks kestrel archived mismatch (-want +got):\n%s", diff)
	}
	if got := list(messages.TaskFilter{Q: `kestrel" OR *`}); len(got) != 0 {
		t.Errorf("ListTasks with operators as words = %v, want none", got)
	}
}

// Search has no board: Boards answers it from the store, across the caller's boards.
func TestSearchAcrossBoards(t *testing.T) {
	ctx := context.Background()
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	one := createTask(t, b, "list-todo", "Kestrel survey")
	res, err := b.Do(ctx, messages.CreateTask{Meta: meta(carol), BoardID: "board-2", ListID: "list-b2-todo", Title: "Kestrel box"})
	if err != nil {
		t.Fatal(err)
	}
	two := *res.Task

	search := func(user string, c messages.Search) []messages.SearchHit {
		t.Helper()
		c.Meta = meta(user)
		res, err := b.Do(ctx, c)
		if err != nil {
			t.Fatalf("Search %+v: %v", c, err)
		}
		return res.Hits
	}
	hits := search(alice, messages.Search{Filter: messages.TaskFilter{Q: "kestrel"}})
	got := map[string]string{}
	for _, h := range hits {
		got[h.Task.ID] = h.Board.Name
	}
	if diff := cmp.Diff(map[string]string{one.ID: "Launch", two.ID: "Side project"}, got); diff != "" {
		t.Errorf("alice's hits mismatch (-want +got):\n%s", diff)
	}
	if hits := search(bob, messages.Search{Filter: messages.TaskFilter{Q: "kestrel"}}); len(hits) != 1 || hits[0].Task.ID != one.ID {
		t.Errorf("bob's hits = %+v, want %s alone", hits, one.ID)
	}
	if hits := search(alice, messages.Search{Filter: messages.TaskFilter{Q: "kestrel"}, Limit: 1}); len(hits) != 1 {
		t.Errorf("hits with limit 1 = %d", len(hits))
	}
	if _, err := b.Do(ctx, messages.Search{Meta: meta(alice)}); messages.ErrorCode(err) != messages.CodeValidation {
		t.Errorf("Search without q or filter: %v, want validation", err)
	}
}
