package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/taskboard/taskboard/messages"
)

const commentColumns = "id, board_id, task_id, author_id, body, created_at, updated_at"

func scanComment(row interface{ Scan(...any) error }) (messages.Comment, error) {
	var c messages.Comment
	var created, updated int64
	err := row.Scan(&c.ID, &c.BoardID, &c.TaskID, &c.AuthorID, &c.Body, &created, &updated)
	c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
	return c, err
}

// Comment returns a comment of a board, or messages.NotFound("comment").
func (db *DB) Comment(ctx context.Context, boardID, commentID string) (_ messages.Comment, err error) {
	defer classify(&err)
	row := rawDB{db.bun.DB, db.pg}.QueryRowContext(ctx,
		"SELECT "+commentColumns+" FROM comments WHERE id = ? AND board_id = ?", commentID, boardID)
	c, err := scanComment(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, messages.NotFound("comment")
	}
	if err != nil {
		return c, fmt.Errorf("comment %s: %w", commentID, err)
	}
	return c, nil
}

// Comments returns up to limit of a task's newest comments made before the comment before
// (the newest when empty), oldest first, and whether older ones remain.
func (db *DB) Comments(ctx context.Context, taskID, before string, limit int) (_ []messages.Comment, more bool, err error) {
	defer classify(&err)
	q := "SELECT " + commentColumns + " FROM comments WHERE task_id = ?"
	args := []any{taskID}
	if before != "" {
		q += ` AND (created_at, id) < (SELECT created_at, id FROM comments WHERE id = ? AND task_id = ?)`
		args = append(args, before, taskID)
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT ?"
	args = append(args, limit+1)
	rows, err := rawDB{db.bun.DB, db.pg}.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("comments of %s: %w", taskID, err)
	}
	defer rows.Close()
	var out []messages.Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, false, fmt.Errorf("comments of %s: %w", taskID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("comments of %s: %w", taskID, err)
	}
	if more = len(out) > limit; more {
		out = out[:limit]
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, more, nil
}

// putComments inserts comments, or updates the body of those that exist on the same board.
func putComments(ctx context.Context, tx rawTx, boardID string, comments []messages.Comment, now time.Time) error {
	for _, c := range comments {
		what := "put comment " + c.ID
		err := tx.runN(ctx, 1, what, fmt.Errorf("%s: %w", what, errOtherBoard),
			`INSERT INTO comments (`+commentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
			WHERE comments.board_id = excluded.board_id`,
			c.ID, boardID, c.TaskID, c.AuthorID, c.Body, millisOr(c.CreatedAt, now), millisOr(c.UpdatedAt, now))
		if err != nil {
			return err
		}
	}
	return nil
}

var deleteCommentsSQL = batchSQL(func(n int) string {
	return "DELETE FROM comments WHERE board_id = ? AND id IN (" + placeholders(n) + ")"
})

// BoardOfComment returns the board holding a comment, or messages.NotFound("comment").
func (db *DB) BoardOfComment(ctx context.Context, commentID string) (_ string, err error) {
	defer classify(&err)
	if !messages.ValidID(commentID) {
		return "", messages.NotFound("comment")
	}
	return db.boardOf(ctx, "comments", "comment", commentID)
}
