package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

// labelsOf returns a board's labels in the order they were made.
func labelsOf(ctx context.Context, q bun.IDB, boardID string) ([]messages.Label, error) {
	var rows []struct {
		ID    string `bun:"id"`
		Name  string `bun:"name"`
		Color string `bun:"color"`
	}
	err := q.NewRaw("SELECT id, name, color FROM labels WHERE board_id = ? ORDER BY created_at, id", boardID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	labels := make([]messages.Label, len(rows))
	for i, r := range rows {
		labels[i] = messages.Label{ID: r.ID, BoardID: boardID, Name: r.Name, Color: r.Color}
	}
	return labels, nil
}

// putLabels inserts labels, or renames and recolours those that exist on the same board.
func putLabels(ctx context.Context, tx rawTx, boardID string, labels []messages.Label, now time.Time) error {
	for _, l := range labels {
		what := "put label " + l.ID
		err := tx.runN(ctx, 1, what, fmt.Errorf("%s: %w", what, errOtherBoard),
			`INSERT INTO labels (id, board_id, name, color, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, color = excluded.color
			WHERE labels.board_id = excluded.board_id`, l.ID, boardID, l.Name, l.Color, millis(now))
		if err != nil {
			return err
		}
	}
	return nil
}

var deleteLabelsSQL = batchSQL(func(n int) string {
	return "DELETE FROM labels WHERE board_id = ? AND id IN (" + placeholders(n) + ")"
})

// BoardOfLabel returns the board holding a label, or messages.NotFound("label").
func (db *DB) BoardOfLabel(ctx context.Context, labelID string) (_ string, err error) {
	defer classify(&err)
	if !messages.ValidID(labelID) {
		return "", messages.NotFound("label")
	}
	return db.boardOf(ctx, "labels", "label", labelID)
}
