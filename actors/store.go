package actors

import (
	"context"

	"github.com/taskboard/taskboard/messages"
)

// Store is the durable state the boards need. Implementations return *messages.Error values
// for the outcomes callers act on (not_found, conflict) and wrap anything else.
type Store interface {
	// LoadBoard reads a board with its members, lists, tasks, seq, the oldest kept event and
	// up to recent of its newest events. A missing or deleted board is messages.NotFound("board").
	LoadBoard(ctx context.Context, boardID string, recent int) (messages.BoardState, error)
	// Commit applies changes, in order, in one transaction: for each, rows, the event (the
	// board's seq becomes Event.Seq), the idempotency record and pruning. On error nothing is
	// applied.
	Commit(ctx context.Context, changes ...messages.Change) error
	// Events returns a board's events with after < seq <= upTo, oldest first.
	Events(ctx context.Context, boardID string, after, upTo int64) ([]messages.Encoded, error)
	// Idempotent returns the stored result for a user's mutation id, if there is one.
	Idempotent(ctx context.Context, userID, key string) (result []byte, found bool, err error)

	// CreateBoard inserts a board, its lists, its owner and the idempotency record, if any,
	// in one transaction, at seq 0.
	CreateBoard(ctx context.Context, b messages.NewBoard) error
	// BoardsOf lists the boards a user is a member of, with the user's role, oldest first: at
	// most limit, after the board whose id is after (from the start when empty).
	BoardsOf(ctx context.Context, userID, after string, limit int) ([]messages.Board, error)
	// OwnedBoards counts the boards a user owns.
	OwnedBoards(ctx context.Context, userID string) (int, error)
	// BoardOfTask and BoardOfList return the board holding a task or list, or not_found.
	BoardOfTask(ctx context.Context, taskID string) (string, error)
	BoardOfList(ctx context.Context, listID string) (string, error)
	// FindUser returns the user with userID or, when userID is empty, with email
	// (case-insensitive); messages.NotFound("user") when there is none.
	FindUser(ctx context.Context, userID, email string) (messages.User, error)
}
