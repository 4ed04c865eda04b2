package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

type listRow struct {
	bun.BaseModel `bun:"table:lists"`

	ID        string `bun:"id,pk"`
	BoardID   string `bun:"board_id"`
	Name      string `bun:"name"`
	Position  int    `bun:"position"`
	CreatedAt int64  `bun:"created_at"`
}

func (r listRow) list() messages.List {
	return messages.List{
		ID: r.ID, BoardID: r.BoardID, Name: r.Name, Position: r.Position,
		CreatedAt: fromMillis(r.CreatedAt),
	}
}

func newListRow(l messages.List, boardID string, now time.Time) listRow {
	return listRow{
		ID: l.ID, BoardID: boardID, Name: l.Name, Position: l.Position,
		CreatedAt: millisOr(l.CreatedAt, now),
	}
}

// listsOf returns a board's lists ordered by position.
func listsOf(ctx context.Context, q bun.IDB, boardID string) ([]messages.List, error) {
	var rows []listRow
	if err := q.NewSelect().Model(&rows).Where("board_id = ?", boardID).
		OrderExpr("position, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("lists: %w", err)
	}
	lists := make([]messages.List, len(rows))
	for i, r := range rows {
		lists[i] = r.list()
	}
	return lists, nil
}

const listColumns = 5

var upsertListsSQL = batchSQL(buildUpsertLists)

// buildUpsertLists returns the statement that inserts n lists, or renames and moves those
// that exist on the same board. A list id taken by another board is left alone, which the
// caller detects by the count of changed rows.
func buildUpsertLists(n int) string {
	return "INSERT INTO lists (id, board_id, name, position, created_at) VALUES " +
		rowsOfPlaceholders(n, listColumns) +
		" ON CONFLICT (id) DO UPDATE SET name = excluded.name, position = excluded.position" +
		" WHERE lists.board_id = excluded.board_id"
}

// putLists upserts lists in batches, one statement per batch.
func putLists(ctx context.Context, tx rawTx, boardID string, lists []messages.List, now time.Time) error {
	return upsertBatches(ctx, tx, "put lists", lists, listColumns, upsertListsSQL, func(args []any, l messages.List) []any {
		r := newListRow(l, boardID, now)
		return append(args, r.ID, r.BoardID, r.Name, r.Position, r.CreatedAt)
	})
}
