package persistence_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// boardWriter commits changes to one board of a seeded database, seq after seq, as its
// actor does.
type boardWriter struct {
	t     *testing.T
	db    *persistence.DB
	board string
	seq   int64
}

func newBoardWriter(t *testing.T, db *persistence.DB, board string) *boardWriter {
	t.Helper()
	s, err := db.LoadBoard(context.Background(), board, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &boardWriter{t: t, db: db, board: board, seq: s.Seq}
}

// commit commits one change, made by fill, about task.
func (w *boardWriter) commit(task messages.Task, fill func(c *messages.Change)) {
	w.t.Helper()
	w.seq++
	c := change(w.t, w.board, w.seq, messages.Event{Type: messages.TaskUpdated, Task: &task})
	fill(&c)
	if err := w.db.Commit(context.Background(), c); err != nil {
		w.t.Fatalf("Commit: %v", err)
	}
}

func (w *boardWriter) put(tasks ...messages.Task) {
	w.t.Helper()
	w.commit(tasks[0], func(c *messages.Change) { c.PutTasks = tasks })
}

func (w *boardWriter) comment(task messages.Task, id, body string) {
	w.t.Helper()
	w.commit(task, func(c *messages.Change) {
		c.PutComments = []messages.Comment{{ID: id, BoardID: w.board, TaskID: task.ID, AuthorID: "user-alice", Body: body}}
	})
}

// searchTask is a task of the seeded board-1's first list.
func searchTask(id, title string, pos int) messages.Task {
	t := newTask("board-1", "list-todo", id, pos+10)
	t.Title = title
	return t
}

func matchTasks(t *testing.T, db *persistence.DB, q string, boards ...string) []string {
	t.Helper()
	if len(boards) == 0 {
		boards = []string{"board-1"}
	}
	ids, err := db.MatchTasks(context.Background(), boards, q, messages.MaxTasksMatched)
	if err != nil {
		t.Fatalf("MatchTasks(%q): %v", q, err)
	}
	return ids
}

func wantMatches(t *testing.T, db *persistence.DB, q string, want []string, boards ...string) {
	t.Helper()
	if diff := cmp.Diff(want, matchTasks(t, db, q, boards...), equateEmpty); diff != "" {
		t.Errorf("MatchTasks(%q) mismatch (-want +got):\n%s", q, diff)
	}
}

// wantMatchSet checks the tasks board-1 matches for q in any order: those that rank alike
// (two comments of one word each) may rank differently on each backend.
func wantMatchSet(t *testing.T, db *persistence.DB, q string, want ...string) {
	t.Helper()
	got := matchTasks(t, db, q)
	slices.Sort(got)
	if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
		t.Errorf("MatchTasks(%q) mismatch (-want +got):\n%s", q, diff)
	}
}

// zebras seeds board-1 with a task holding "zebra" in its title, one in its description,
// one in its checklist and one in a comment alone, and one without.
func zebras(t *testing.T) (*persistence.DB, *boardWriter, map[string]messages.Task) {
	t.Helper()
	db, _ := openSeeded(t)
	w := newBoardWriter(t, db, "board-1")
	title := searchTask("t-title", "Zebra crossing repaint", 0)
	desc := searchTask("t-desc", "Repaint the road", 1)
	desc.Description = ptr("Where the zebra crossing was")
	check := searchTask("t-check", "Road works", 2)
	check.Checklist = []messages.ChecklistItem{{ID: "t-check~1", Text: "order paint"}, {ID: "t-check~2", Text: "count every zebra"}}
	comment := searchTask("t-comment", "Traffic lights", 3)
	other := searchTask("t-other", "Unrelated chore", 4)
	w.put(title, desc, check, comment, other)
	w.comment(comment, "c-1", "a **zebra** was seen here")
	w.comment(other, "c-2", "nothing to see")
	return db, w, map[string]messages.Task{"title": title, "desc": desc, "check": check, "comment": comment, "other": other}
}

func TestMatchTasksRanksTitleThenDescriptionThenChecklistThenComments(t *testing.T) {
	db, _, _ := zebras(t)
	wantMatches(t, db, "zebra", []string{"t-title", "t-desc", "t-check", "t-comment"})
	wantMatches(t, db, "ZEBRA", []string{"t-title", "t-desc", "t-check", "t-comment"})
	// Every word is needed, in the task's own text or in one comment.
	wantMatches(t, db, "zebra crossing", []string{"t-title", "t-desc"})
	wantMatches(t, db, "zebra seen", []string{"t-comment"})
	wantMatches(t, db, "paint", []string{"t-check"})
	wantMatches(t, db, "zebra giraffe", nil)
}

// A task whose title holds the words comes before one whose description holds them, however
// many times.
func TestMatchTasksTitlesFirst(t *testing.T) {
	db, _ := openSeeded(t)
	w := newBoardWriter(t, db, "board-1")
	many := searchTask("t-many", "Birds", 0)
	many.Description = ptr("osprey osprey osprey, an osprey: osprey")
	once := searchTask("t-once", "A long title that names the osprey once among many other words", 1)
	w.put(many, once)
	wantMatches(t, db, "osprey", []string{"t-once", "t-many"})
}

func TestMatchTasksLastWordIsAPrefix(t *testing.T) {
	db, _, _ := zebras(t)
	wantMatches(t, db, "zeb", []string{"t-title", "t-desc", "t-check", "t-comment"})
	wantMatches(t, db, "zebra cross", []string{"t-title", "t-desc"})
	// Only the last word: "cross" is not "crossing".
	wantMatches(t, db, "cross zebra", nil)
	wantMatches(t, db, "repaint th", []string{"t-desc"})
	wantMatchSet(t, db, "see", "t-comment", "t-other") // "seen", "see"
}

func TestMatchTasksFollowsChanges(t *testing.T) {
	db, w, tasks := zebras(t)
	ctx := context.Background()

	renamed := tasks["title"]
	renamed.Title, renamed.Version = "Giraffe enclosure", 2
	w.put(renamed)
	wantMatches(t, db, "zebra", []string{"t-desc", "t-check", "t-comment"})
	wantMatches(t, db, "giraffe", []string{"t-title"})
	wantMatches(t, db, "crossing", []string{"t-desc"})

	// A checklist and a description rewritten, a comment edited.
	check := tasks["check"]
	check.Checklist, check.Version = []messages.ChecklistItem{{ID: "t-check~1", Text: "order paint"}}, 2
	desc := tasks["desc"]
	desc.Description, desc.Version = nil, 2
	w.put(check, desc)
	w.comment(tasks["comment"], "c-1", "an okapi was seen here")
	wantMatches(t, db, "zebra", nil)
	wantMatches(t, db, "okapi", []string{"t-comment"})

	// A deleted comment, and a deleted task whose comment goes with it.
	w.comment(tasks["other"], "c-3", "okapi again")
	wantMatchSet(t, db, "okapi", "t-comment", "t-other")
	w.commit(tasks["comment"], func(c *messages.Change) { c.DeleteComments = []string{"c-1"} })
	wantMatches(t, db, "okapi", []string{"t-other"})
	w.commit(tasks["other"], func(c *messages.Change) { c.DeleteTasks = []string{"t-other"} })
	wantMatches(t, db, "okapi", nil)
	wantMatches(t, db, "unrelated", nil)

	// A deleted list's tasks, and a deleted board's.
	w.commit(tasks["check"], func(c *messages.Change) { c.DeleteLists = []string{"list-todo"} })
	wantMatches(t, db, "paint", nil)
	w.commit(renamed, func(c *messages.Change) { c.DeleteBoard = true })
	if ids, err := db.MatchTasks(ctx, []string{"board-1"}, "giraffe", 10); err != nil || len(ids) > 0 {
		t.Errorf("MatchTasks on a deleted board = %v, %v, want none", ids, err)
	}
	checkSearchIndex(t, db)
}

// checkSearchIndex checks, on SQLite, that the FTS5 indexes hold exactly what their tables
// do: no row the triggers missed, no word left behind.
func checkSearchIndex(t *testing.T, db *persistence.DB) {
	t.Helper()
	if backend != "sqlite" {
		return
	}
	for _, table := range []string{"tasks_fts", "comments_fts"} {
		q := fmt.Sprintf("INSERT INTO %s (%s, rank) VALUES ('integrity-check', 1)", table, table)
		if _, err := db.Bun().ExecContext(context.Background(), q); err != nil {
			t.Errorf("%s integrity-check: %v", table, err)
		}
	}
}

// A move renumbers and rewrites every task after it, whose text did not change: the index
// must not be written for them.
func TestMovesDoNotReindex(t *testing.T) {
	db, w, tasks := zebras(t)
	ctx := context.Background()
	writes := "SELECT count(*) FROM tasks_fts_data"
	if backend == "postgres" {
		writes = "SELECT sum(xmin::text::bigint) FROM task_search" // a rewritten row has a new xmin
	}
	var before, after int64
	if err := db.Bun().QueryRowContext(ctx, writes).Scan(&before); err != nil {
		t.Fatal(err)
	}
	var moved []messages.Task
	for _, k := range []string{"desc", "check", "comment", "other", "title"} {
		task := tasks[k]
		task.Position, task.Version = len(moved), task.Version+1
		moved = append(moved, task)
	}
	w.put(moved...)
	if err := db.Bun().QueryRowContext(ctx, writes).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("the index was written by a move: %d, then %d", before, after)
	}
	wantMatches(t, db, "zebra", []string{"t-title", "t-desc", "t-check", "t-comment"})
	checkSearchIndex(t, db)
}

func TestMatchTasksKeepsToItsBoards(t *testing.T) {
	db, _, _ := zebras(t)
	w2 := newBoardWriter(t, db, "board-2")
	elsewhere := newTask("board-2", "list-b2-todo", "t-b2", 5)
	elsewhere.Title = "Zebra on the other board"
	w2.put(elsewhere)
	wantMatches(t, db, "zebra", []string{"t-title", "t-desc", "t-check", "t-comment"})
	wantMatches(t, db, "zebra", []string{"t-b2"}, "board-2")
	got := matchTasks(t, db, "zebra", "board-1", "board-2")
	if len(got) != 5 || got[0] != "t-title" && got[0] != "t-b2" {
		t.Errorf("MatchTasks on both boards = %v, want 5 with a title match first", got)
	}
	wantMatches(t, db, "zebra", nil, "board-nope")
	if ids, err := db.MatchTasks(context.Background(), []string{"board-1"}, "zebra", 2); err != nil ||
		!cmp.Equal(ids, []string{"t-title", "t-desc"}) {
		t.Errorf("MatchTasks with limit 2 = %v, %v, want [t-title t-desc]", ids, err)
	}
}

// Words are quoted into the index's query: what its syntax would read as operators, columns
// or prefixes is searched for as words, or ignored, never an error.
func TestMatchTasksQuotesTheQuery(t *testing.T) {
	db, w, tasks := zebras(t)
	odd := tasks["other"]
	odd.Title, odd.Version = `Fix "OR" NEAR(the) title:zebra & !not -x * ^y 'q' \z`, 2
	w.put(odd)
	for _, q := range []string{
		`"`, `*`, `OR`, `NEAR(`, `:`, `&`, `!`, `'`, `\`, `(`, `)`, `^`, `-`, `+`, `""`, `''`,
		`zebra OR`, `OR zebra`, `zebra AND`, `NOT zebra`, `zebra NOT`, `NEAR(zebra crossing)`, `title:zebra`,
		`zebra:*`, `zebra*`, `"zebra`, `zebra"`, `-zebra`, `^zebra`, `zebra & !crossing`, `zebra | x`,
		`zebra <-> crossing`, `zebra:A`, `'zebra'`, `\'zebra`, `{title}: zebra`, `zebra) OR (x`,
		"zebra\u00a0crossing", "日本語", "café", "🦓",
	} {
		if _, err := db.MatchTasks(context.Background(), []string{"board-1"}, q, 10); err != nil {
			t.Errorf("MatchTasks(%q): %v", q, err)
		}
		if _, err := db.Search(context.Background(), "user-alice", messages.TaskFilter{Q: q}, 10); err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
	}
	wantMatches(t, db, `title:zebra`, []string{"t-other"}) // "title" is a word here, not a column
	wantMatches(t, db, `NEAR(the`, []string{"t-other"})
	wantMatches(t, db, `"OR"`, []string{"t-other", "t-check"}) // "OR", "order"
	wantMatches(t, db, `*`, nil)
	wantMatches(t, db, `zebra OR`, []string{"t-other", "t-check"})
	// The index holds each row's board as a token: no word finds it.
	wantMatches(t, db, "b"+hex.EncodeToString([]byte("board-1")), nil)
	wantMatches(t, db, "board", nil)
}

func searchIDs(t *testing.T, db *persistence.DB, user string, f messages.TaskFilter, limit int) []string {
	t.Helper()
	hits, err := db.Search(context.Background(), user, f, limit)
	if err != nil {
		t.Fatalf("Search(%s, %+v): %v", user, f, err)
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.Task.ID
		if h.Board.ID != h.Task.BoardID || h.Board.Name == "" {
			t.Errorf("hit %s is on board %+v", h.Task.ID, h.Board)
		}
	}
	return ids
}

func wantSearch(t *testing.T, db *persistence.DB, user string, f messages.TaskFilter, want []string) {
	t.Helper()
	if diff := cmp.Diff(want, searchIDs(t, db, user, f, messages.MaxSearch), equateEmpty); diff != "" {
		t.Errorf("Search(%s, %+v) mismatch (-want +got):\n%s", user, f, diff)
	}
}

func TestSearchAcrossTheUsersBoards(t *testing.T) {
	db, _, _ := zebras(t)
	w2 := newBoardWriter(t, db, "board-2")
	elsewhere := newTask("board-2", "list-b2-todo", "t-b2", 5)
	elsewhere.Title = "Zebra on the other board"
	w2.put(elsewhere)

	hits, err := db.Search(context.Background(), "user-alice", messages.TaskFilter{Q: "zebra"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range hits {
		got[h.Task.ID] = h.Board.Name
	}
	want := map[string]string{"t-title": "Launch", "t-desc": "Launch", "t-check": "Launch", "t-comment": "Launch", "t-b2": "Side project"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alice's search mismatch (-want +got):\n%s", diff)
	}
	if hits[len(hits)-1].Task.ID != "t-comment" {
		t.Errorf("last hit %s, want the comment-only match t-comment", hits[len(hits)-1].Task.ID)
	}
	if hits[0].Task.Title == "" || hits[0].Task.Version == 0 {
		t.Errorf("hit without its task: %+v", hits[0])
	}
	// Bob is not on board-2; nobody is on a deleted board.
	wantSearch(t, db, "user-bob", messages.TaskFilter{Q: "zebra"}, []string{"t-title", "t-desc", "t-check", "t-comment"})
	wantSearch(t, db, "user-nobody", messages.TaskFilter{Q: "zebra"}, nil)
	w2.commit(elsewhere, func(c *messages.Change) { c.DeleteBoard = true })
	wantSearch(t, db, "user-alice", messages.TaskFilter{Q: "zebra"}, []string{"t-title", "t-desc", "t-check", "t-comment"})
	// Removed from a board, its tasks are out of reach.
	w := newBoardWriter(t, db, "board-1")
	w.commit(elsewhere, func(c *messages.Change) { c.DeleteMembers = []string{"user-bob"} })
	wantSearch(t, db, "user-bob", messages.TaskFilter{Q: "zebra"}, nil)
	if ids := searchIDs(t, db, "user-alice", messages.TaskFilter{Q: "zebra"}, 2); !cmp.Equal(ids, []string{"t-title", "t-desc"}) {
		t.Errorf("Search with limit 2 = %v", ids)
	}
}

func TestSearchFilters(t *testing.T) {
	db, w, tasks := zebras(t)
	now := t0 // the DB's clock
	at := func(d time.Duration) *messages.Time { v := messages.NewTime(now.Add(d)); return &v }

	labelled := tasks["title"]
	labelled.LabelIDs, labelled.AssigneeIDs, labelled.DueAt, labelled.Version = []string{"label-red"}, []string{"user-bob"}, at(-time.Hour), 2
	desc := tasks["desc"]
	desc.AssigneeIDs, desc.DueAt, desc.Version = []string{"user-alice", "user-bob"}, at(3*24*time.Hour), 2
	check := tasks["check"]
	check.LabelIDs, check.DueAt, check.Version = []string{"label-blue", "label-red2"}, at(time.Hour), 2
	archived := tasks["comment"]
	archived.ArchivedAt, archived.Version = at(-time.Minute), 2
	w.put(labelled, desc, check, archived)

	zebra := func(f messages.TaskFilter) messages.TaskFilter { f.Q = "zebra"; return f }
	for _, tc := range []struct {
		f    messages.TaskFilter
		want []string
	}{
		{messages.TaskFilter{Q: "zebra"}, []string{"t-title", "t-desc", "t-check"}},
		{zebra(messages.TaskFilter{Archived: true}), []string{"t-comment"}},
		{zebra(messages.TaskFilter{Label: "label-red"}), []string{"t-title"}},
		{zebra(messages.TaskFilter{Label: "label"}), nil},
		{zebra(messages.TaskFilter{Assignee: "user-bob"}), []string{"t-title", "t-desc"}},
		{zebra(messages.TaskFilter{Assignee: "user-alice"}), []string{"t-desc"}},
		{zebra(messages.TaskFilter{Assignee: messages.AssigneeNone}), []string{"t-check"}},
		{zebra(messages.TaskFilter{Due: messages.DueOverdue}), []string{"t-title"}},
		{zebra(messages.TaskFilter{Due: messages.DueToday}), []string{"t-title", "t-check"}},
		{zebra(messages.TaskFilter{Due: messages.DueWeek}), []string{"t-desc", "t-check"}},
		{zebra(messages.TaskFilter{Due: messages.DueNone}), nil},
		{zebra(messages.TaskFilter{Assignee: "user-bob", Due: messages.DueWeek}), []string{"t-desc"}},
		// Without words: the filters alone, the most recently updated first (all at
		// once here: by id).
		{messages.TaskFilter{Label: "label-red"}, []string{"t-title"}},
		{messages.TaskFilter{Assignee: "user-bob"}, []string{"t-desc", "t-title"}},
		{messages.TaskFilter{Archived: true}, []string{"t-comment"}},
		{messages.TaskFilter{Due: messages.DueWeek, Label: "label-blue"}, []string{"t-check"}},
	} {
		wantSearch(t, db, "user-alice", tc.f, tc.want)
	}
	// Restored, a task is found among the live ones again.
	archived.ArchivedAt, archived.Version = nil, 3
	w.put(archived)
	wantSearch(t, db, "user-alice", messages.TaskFilter{Q: "zebra"}, []string{"t-title", "t-desc", "t-check", "t-comment"})
	wantSearch(t, db, "user-alice", messages.TaskFilter{Q: "zebra", Archived: true}, nil)
	// Without words, only as many as asked for.
	if ids := searchIDs(t, db, "user-alice", messages.TaskFilter{Due: messages.DueNone}, 2); len(ids) != 2 {
		t.Errorf("Search of due none with limit 2 = %v", ids)
	}
}

// A database of the cards' schema has its tasks and comments indexed when the search's
// schema arrives.
func TestMigrationToSearchIndexesWhatIsThere(t *testing.T) {
	ctx := context.Background()
	dsn := oldDatabase(t, 4,
		`INSERT INTO tasks (id, board_id, list_id, title, description, checklist_text, position, version, created_at, updated_at)
			VALUES ('task-a', 'board-old', 'list-old', 'Legacy kestrel', NULL, '', 0, 1, 0, 0),
			       ('task-b', 'board-old', 'list-old', 'Other', 'about example.com', 'ring the osprey', 1, 1, 0, 0)`,
		`INSERT INTO comments (id, board_id, task_id, author_id, body, created_at, updated_at)
			VALUES ('comment-a', 'board-old', 'task-a', 'user-a', 'an old heron', 0, 0)`)

	db := openAt(t, dsn, newClock())
	for q, want := range map[string][]string{
		"kestrel": {"task-a"}, "osprey": {"task-b"}, "heron": {"task-a"}, "example": {"task-b"}, "example.com": {"task-b"},
	} {
		if got, err := db.MatchTasks(ctx, []string{"board-old"}, q, 10); err != nil || !cmp.Equal(got, want) {
			t.Errorf("MatchTasks(%q) = %v, %v, want %v", q, got, err, want)
		}
	}
	if ids := searchIDs(t, db, "user-a", messages.TaskFilter{Q: "legacy"}, 10); !cmp.Equal(ids, []string{"task-a"}) {
		t.Errorf("Search legacy = %v", ids)
	}
	checkSearchIndex(t, db)
}
