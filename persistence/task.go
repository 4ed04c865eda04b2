package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

type taskRow struct {
	bun.BaseModel `bun:"table:tasks,alias:t"`

	ID          string  `bun:"id,pk"`
	BoardID     string  `bun:"board_id"`
	ListID      string  `bun:"list_id"`
	Title       string  `bun:"title"`
	Description *string `bun:"description"`
	AssigneeID  *string `bun:"assignee_id"`
	Position    int     `bun:"position"`
	Version     int     `bun:"version"`
	CreatedAt   int64   `bun:"created_at"`
	UpdatedAt   int64   `bun:"updated_at"`
}

func (r taskRow) task() messages.Task {
	return messages.Task{
		ID: r.ID, BoardID: r.BoardID, ListID: r.ListID, Title: r.Title,
		Description: r.Description, AssigneeID: r.AssigneeID,
		Position: r.Position, Version: r.Version,
		CreatedAt: fromMillis(r.CreatedAt), UpdatedAt: fromMillis(r.UpdatedAt),
	}
}

func newTaskRow(t messages.Task, boardID string, now time.Time) taskRow {
	return taskRow{
		ID: t.ID, BoardID: boardID, ListID: t.ListID, Title: t.Title,
		Description: t.Description, AssigneeID: t.AssigneeID,
		Position: t.Position, Version: t.Version,
		CreatedAt: millisOr(t.CreatedAt, now), UpdatedAt: millisOr(t.UpdatedAt, now),
	}
}

// tasksOf returns a board's tasks ordered by list position, then task position.
func tasksOf(ctx context.Context, q bun.IDB, boardID string) ([]messages.Task, error) {
	var rows []taskRow
	if err := q.NewSelect().Model(&rows).
		Join("JOIN lists AS l ON l.id = t.list_id").
		Where("t.board_id = ?", boardID).
		OrderExpr("l.position, l.id, t.position, t.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	tasks := make([]messages.Task, len(rows))
	for i, r := range rows {
		tasks[i] = r.task()
	}
	return tasks, nil
}

const taskColumns = 10

var upsertTasksSQL = batchSQL(buildUpsertTasks)

// buildUpsertTasks returns the statement that inserts n tasks, or updates every column but
// created_at of those that exist on the same board. A task id taken by another board is left
// alone, which the caller detects by the count of changed rows.
func buildUpsertTasks(n int) string {
	return "INSERT INTO tasks (id, board_id, list_id, title, description, assignee_id," +
		" position, version, created_at, updated_at) VALUES " +
		rowsOfPlaceholders(n, taskColumns) +
		" ON CONFLICT (id) DO UPDATE SET list_id = excluded.list_id, title = excluded.title," +
		" description = excluded.description, assignee_id = excluded.assignee_id," +
		" position = excluded.position, version = excluded.version, updated_at = excluded.updated_at" +
		" WHERE tasks.board_id = excluded.board_id"
}

// putTasks upserts tasks in batches, one statement per batch.
func putTasks(ctx context.Context, tx rawTx, boardID string, tasks []messages.Task, now time.Time) error {
	err := upsertBatches(ctx, tx, tasks, taskColumns, upsertTasksSQL, func(args []any, t messages.Task) []any {
		r := newTaskRow(t, boardID, now)
		return append(args, r.ID, r.BoardID, r.ListID, r.Title, r.Description, r.AssigneeID,
			r.Position, r.Version, r.CreatedAt, r.UpdatedAt)
	})
	if err != nil {
		return fmt.Errorf("put tasks: %w", err)
	}
	return nil
}
