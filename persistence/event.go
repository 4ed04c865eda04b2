package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/taskboard/taskboard/messages"
)

type eventRow struct {
	bun.BaseModel `bun:"table:events"`

	Seq       int64  `bun:"seq"`
	Type      string `bun:"type"`
	Payload   string `bun:"payload"`
	RequestID string `bun:"request_id"`
}

func (r eventRow) encoded() messages.Encoded {
	return messages.NewEncoded(r.Seq, messages.EventType(r.Type), r.RequestID, []byte(r.Payload))
}

func encodedAll(rows []eventRow) []messages.Encoded {
	out := make([]messages.Encoded, len(rows))
	for i, r := range rows {
		out[i] = r.encoded()
	}
	return out
}

// Events returns a board's kept events with after < seq <= upTo, oldest first, as stored.
// A board without such events gives an empty slice.
func (db *DB) Events(ctx context.Context, boardID string, after, upTo int64) (_ []messages.Encoded, err error) {
	defer classify(&err)
	if !messages.ValidID(boardID) {
		return nil, nil
	}
	var rows []eventRow
	if err := db.bun.NewSelect().Model(&rows).
		Where("board_id = ? AND seq > ? AND seq <= ?", boardID, after, upTo).
		OrderExpr("seq").Scan(ctx); err != nil {
		return nil, fmt.Errorf("events of board %s after %d: %w", boardID, after, err)
	}
	return encodedAll(rows), nil
}

// recentEvents returns up to n of a board's newest events, oldest first.
func recentEvents(ctx context.Context, q bun.IDB, boardID string, n int) ([]messages.Encoded, error) {
	if n <= 0 {
		return []messages.Encoded{}, nil
	}
	var rows []eventRow
	if err := q.NewSelect().Model(&rows).Where("board_id = ?", boardID).
		OrderExpr("seq DESC").Limit(int64(n)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	slices.Reverse(rows)
	return encodedAll(rows), nil
}

// firstSeq returns the oldest kept event's seq, or seq+1 when the board has none.
func firstSeq(ctx context.Context, q bun.IDB, boardID string, seq int64) (int64, error) {
	var first sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT min(seq) FROM events WHERE board_id = ?", boardID).
		Scan(&first); err != nil {
		return 0, fmt.Errorf("first seq: %w", err)
	}
	if !first.Valid {
		return seq + 1, nil
	}
	return first.Int64, nil
}

// Idempotent returns the stored result of a user's mutation id, if there is one.
func (db *DB) Idempotent(ctx context.Context, userID, key string) (_ []byte, _ bool, err error) {
	defer classify(&err)
	var result string
	err = rawDB{db.bun.DB, db.pg}.QueryRowContext(ctx, // the driver binds the arguments: see boardOf
		`SELECT result FROM idempotency_keys WHERE user_id = ? AND "key" = ?`, userID, key).Scan(&result)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("idempotency record of %s: %w", userID, err)
	}
	return []byte(result), true, nil
}

// Activity returns up to limit of a board's events with seq below before, newest first; only
// those about taskID when it is set.
func (db *DB) Activity(ctx context.Context, boardID, taskID string, before int64, limit int) (_ []messages.Encoded, err error) {
	defer classify(&err)
	q := "SELECT seq, type, request_id, payload FROM events WHERE board_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
	args := []any{boardID, before, limit}
	if taskID != "" {
		q = "SELECT seq, type, request_id, payload FROM events WHERE task_id = ? AND board_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
		args = []any{taskID, boardID, before, limit}
	}
	rows, err := rawDB{db.bun.DB, db.pg}.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("activity of %s: %w", boardID, err)
	}
	defer rows.Close()
	var out []messages.Encoded
	for rows.Next() {
		var seq int64
		var typ, req, payload string
		if err := rows.Scan(&seq, &typ, &req, &payload); err != nil {
			return nil, fmt.Errorf("activity of %s: %w", boardID, err)
		}
		out = append(out, messages.Encoded{Seq: seq, Type: messages.EventType(typ), RequestID: req, JSON: []byte(payload)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("activity of %s: %w", boardID, err)
	}
	return out, nil
}
