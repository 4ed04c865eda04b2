package persistence

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

type taskRow struct {
	bun.BaseModel `bun:"table:tasks,alias:t"`

	ID            string  `bun:"id,pk"`
	BoardID       string  `bun:"board_id"`
	ListID        string  `bun:"list_id"`
	Title         string  `bun:"title"`
	Description   *string `bun:"description"`
	AssigneeIDs   string  `bun:"assignee_ids"`
	LabelIDs      string  `bun:"label_ids"`
	DueAt         *int64  `bun:"due_at"`
	Checklist     string  `bun:"checklist"`
	ChecklistText string  `bun:"checklist_text"`
	CommentCount  int     `bun:"comment_count"`
	ArchivedAt    *int64  `bun:"archived_at"`
	Position      int     `bun:"position"`
	Version       int     `bun:"version"`
	CreatedAt     int64   `bun:"created_at"`
	UpdatedAt     int64   `bun:"updated_at"`
}

func (r taskRow) task() (messages.Task, error) {
	t := messages.Task{
		ID: r.ID, BoardID: r.BoardID, ListID: r.ListID, Title: r.Title,
		Description: r.Description, DueAt: optionalTime(r.DueAt), CommentCount: r.CommentCount,
		ArchivedAt: optionalTime(r.ArchivedAt), Position: r.Position, Version: r.Version,
		CreatedAt: fromMillis(r.CreatedAt), UpdatedAt: fromMillis(r.UpdatedAt),
	}
	assignees, err := decodeIDs(r.AssigneeIDs)
	if err != nil {
		return t, fmt.Errorf("task %s assignees: %w", r.ID, err)
	}
	t.SetAssignees(assignees)
	if t.LabelIDs, err = decodeIDs(r.LabelIDs); err != nil {
		return t, fmt.Errorf("task %s labels: %w", r.ID, err)
	}
	if t.Checklist, err = decodeChecklist(r.Checklist); err != nil {
		return t, fmt.Errorf("task %s checklist: %w", r.ID, err)
	}
	return t, nil
}

// decodeChecklist reads a checklist column. A board of 5,000 cards loads 5,000 of them, so
// the form jsonList writes is read by hand when no string in it has an escape; anything else
// by encoding/json.
func decodeChecklist(s string) ([]messages.ChecklistItem, error) {
	if s == "[]" {
		return []messages.ChecklistItem{}, nil
	}
	if items, ok := plainChecklist(s); ok {
		return items, nil
	}
	items := []messages.ChecklistItem{}
	err := json.Unmarshal([]byte(s), &items)
	return items, err
}

// plainChecklist reads `[{"id":"…","text":"…","done":false,"position":0},…]` exactly, strings
// without a backslash; ok is false for anything else.
func plainChecklist(s string) (items []messages.ChecklistItem, ok bool) {
	if strings.IndexByte(s, '\\') >= 0 || !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, false
	}
	rest := s[1 : len(s)-1]
	str := func(key string) (string, bool) {
		if !strings.HasPrefix(rest, key) {
			return "", false
		}
		rest = rest[len(key):]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			return "", false
		}
		v := rest[:end]
		rest = rest[end+1:]
		return v, true
	}
	items = make([]messages.ChecklistItem, 0, strings.Count(s, `{"id":`))
	for {
		var it messages.ChecklistItem
		var ok1, ok2 bool
		it.ID, ok1 = str(`{"id":"`)
		it.Text, ok2 = str(`,"text":"`)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch {
		case strings.HasPrefix(rest, `,"done":true,"position":`):
			it.Done, rest = true, rest[len(`,"done":true,"position":`):]
		case strings.HasPrefix(rest, `,"done":false,"position":`):
			rest = rest[len(`,"done":false,"position":`):]
		default:
			return nil, false
		}
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return nil, false
		}
		pos, err := strconv.Atoi(rest[:end])
		if err != nil || !utf8.ValidString(it.Text) || !utf8.ValidString(it.ID) {
			return nil, false
		}
		it.Position = pos
		items = append(items, it)
		rest = rest[end+1:]
		if rest == "" {
			return items, true
		}
		if rest[0] != ',' {
			return nil, false
		}
		rest = rest[1:]
	}
}

// decodeIDs reads a JSON array of ids, as jsonList writes it. Loading a board reads two per
// task, so the common forms are read without encoding/json: an empty array, and strings
// without escapes.
func decodeIDs(s string) ([]string, error) {
	if s == "[]" {
		return []string{}, nil
	}
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' || strings.IndexByte(s, '\\') >= 0 {
		return slowIDs(s)
	}
	ids := make([]string, 0, strings.Count(s, ",")+1)
	rest := s[1 : len(s)-1]
	for {
		if len(rest) < 2 || rest[0] != '"' {
			return slowIDs(s)
		}
		end := strings.IndexByte(rest[1:], '"') + 1
		if end == 0 {
			return slowIDs(s)
		}
		ids = append(ids, rest[1:end])
		rest = rest[end+1:]
		if rest == "" {
			return ids, nil
		}
		if rest[0] != ',' {
			return slowIDs(s)
		}
		rest = rest[1:]
	}
}

func slowIDs(s string) ([]string, error) {
	ids := []string{}
	err := json.Unmarshal([]byte(s), &ids)
	return ids, err
}

func newTaskRow(t messages.Task, boardID string, now time.Time) taskRow {
	if len(t.AssigneeIDs) == 0 && t.AssigneeID != nil { // a task made with the v1 field only
		t.AssigneeIDs = []string{*t.AssigneeID}
	}
	r := taskRow{
		ID: t.ID, BoardID: boardID, ListID: t.ListID, Title: t.Title,
		Description: t.Description, AssigneeIDs: jsonList(t.AssigneeIDs), LabelIDs: jsonList(t.LabelIDs),
		DueAt: optionalMillis(t.DueAt), Checklist: "[]", CommentCount: t.CommentCount,
		ArchivedAt: optionalMillis(t.ArchivedAt), Position: t.Position, Version: t.Version,
		CreatedAt: millisOr(t.CreatedAt, now), UpdatedAt: millisOr(t.UpdatedAt, now),
	}
	if len(t.Checklist) > 0 {
		r.Checklist = jsonList(t.Checklist)
		texts := make([]string, len(t.Checklist))
		for i, it := range t.Checklist {
			texts[i] = it.Text
		}
		r.ChecklistText = strings.Join(texts, "\n")
	}
	return r
}

// jsonList encodes a list column: "[]" when empty.
func jsonList[T any](items []T) string {
	if len(items) == 0 {
		return "[]"
	}
	b, err := json.Marshal(items)
	if err != nil { // strings and checklist items always encode
		panic(err)
	}
	return string(b)
}

func optionalTime(ms *int64) *messages.Time {
	if ms == nil {
		return nil
	}
	t := fromMillis(*ms)
	return &t
}

func optionalMillis(t *messages.Time) *int64 {
	if t == nil {
		return nil
	}
	ms := millis(t.Time)
	return &ms
}

// tasksOf returns a board's tasks: the live ones ordered as their lists are in lists, then by
// position; then the archived ones, whose list may be gone, newest archived first. Rows are
// scanned without bun's reflection and sorted here rather than by SQLite, whose sorter
// copies every row: a board's load reads thousands.
func tasksOf(ctx context.Context, q bun.IDB, boardID string, lists []messages.List) ([]messages.Task, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, list_id, title, description, assignee_ids, label_ids, due_at,
		checklist, comment_count, archived_at, position, version, created_at, updated_at
		FROM tasks WHERE board_id = ?`, boardID)
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	defer rows.Close()
	var tasks []messages.Task
	for rows.Next() {
		r := taskRow{BoardID: boardID}
		if err := rows.Scan(&r.ID, &r.ListID, &r.Title, &r.Description, &r.AssigneeIDs, &r.LabelIDs, &r.DueAt,
			&r.Checklist, &r.CommentCount, &r.ArchivedAt, &r.Position, &r.Version, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("tasks: %w", err)
		}
		t, err := r.task()
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	listAt := make(map[string]int, len(lists))
	for i, l := range lists {
		listAt[l.ID] = i
	}
	slices.SortFunc(tasks, func(a, b messages.Task) int {
		if a.Archived() != b.Archived() {
			return cmpBool(a.Archived(), b.Archived())
		}
		if a.Archived() {
			return cmp.Or(b.ArchivedAt.Compare(a.ArchivedAt.Time), strings.Compare(a.ID, b.ID))
		}
		return cmp.Or(cmp.Compare(listAt[a.ListID], listAt[b.ListID]), strings.Compare(a.ListID, b.ListID),
			cmp.Compare(a.Position, b.Position), strings.Compare(a.ID, b.ID))
	})
	return tasks, nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

const taskColumns = 16

var upsertTasksSQL = batchSQL(buildUpsertTasks)

// buildUpsertTasks returns the statement that inserts n tasks, or updates every column but
// created_at of those that exist on the same board. A task id taken by another board is left
// alone, which the caller detects by the count of changed rows.
func buildUpsertTasks(n int) string {
	return "INSERT INTO tasks (id, board_id, list_id, title, description, assignee_ids, label_ids, due_at," +
		" checklist, checklist_text, comment_count, archived_at, position, version, created_at, updated_at) VALUES " +
		rowsOfPlaceholders(n, taskColumns) +
		" ON CONFLICT (id) DO UPDATE SET list_id = excluded.list_id, title = excluded.title," +
		" description = excluded.description, assignee_ids = excluded.assignee_ids," +
		" label_ids = excluded.label_ids, due_at = excluded.due_at, checklist = excluded.checklist," +
		" checklist_text = excluded.checklist_text, comment_count = excluded.comment_count," +
		" archived_at = excluded.archived_at," +
		" position = excluded.position, version = excluded.version, updated_at = excluded.updated_at" +
		" WHERE tasks.board_id = excluded.board_id"
}

// putTasks upserts tasks in batches, one statement per batch.
func putTasks(ctx context.Context, tx rawTx, boardID string, tasks []messages.Task, now time.Time) error {
	return upsertBatches(ctx, tx, "put tasks", tasks, taskColumns, upsertTasksSQL, func(args []any, t messages.Task) []any {
		r := newTaskRow(t, boardID, now)
		return append(args, r.ID, r.BoardID, r.ListID, r.Title, r.Description, r.AssigneeIDs, r.LabelIDs, r.DueAt,
			r.Checklist, r.ChecklistText, r.CommentCount, r.ArchivedAt, r.Position, r.Version, r.CreatedAt, r.UpdatedAt)
	})
}
