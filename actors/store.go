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
	// Hold takes the board's write lock in a store that several nodes write, for a change
	// planned on the board's state at seq, and returns the events they committed after seq,
	// oldest first: the board applies them, plans, then commits through the Hold. A store with
	// a single writer returns a nil Hold and no events; the board then commits with Commit.
	// A board whose missed events are gone is messages.ErrBehind.
	Hold(ctx context.Context, boardID string, seq int64) (messages.Hold, []messages.Encoded, error)
	// Missed returns the events other nodes committed after seq, oldest first (none, at no
	// cost, from a store with a single writer), or messages.ErrBehind.
	Missed(ctx context.Context, boardID string, seq int64) ([]messages.Encoded, error)
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
	// BoardOfLabel and BoardOfComment return the board holding a label or comment, or
	// not_found.
	BoardOfLabel(ctx context.Context, labelID string) (string, error)
	BoardOfComment(ctx context.Context, commentID string) (string, error)
	// Comment returns a comment of the board, or not_found; Comments a page of a task's:
	// up to limit of the newest before the comment before (the newest when empty), oldest
	// first, and whether older ones remain.
	Comment(ctx context.Context, boardID, commentID string) (messages.Comment, error)
	Comments(ctx context.Context, taskID, before string, limit int) ([]messages.Comment, bool, error)
	// Activity returns up to limit of a board's events with seq below before, newest first;
	// only those about taskID when it is set.
	Activity(ctx context.Context, boardID, taskID string, before int64, limit int) ([]messages.Encoded, error)
	// MatchTasks returns the ids of the tasks on the boards whose titles, descriptions,
	// checklists or comments hold the words of q (the last one as a prefix), best first, at
	// most limit.
	MatchTasks(ctx context.Context, boardIDs []string, q string, limit int) ([]string, error)
	// Search returns the tasks that pass f on every board userID is a member of (deleted
	// boards aside), each with its board: with words, best matches first, as MatchTasks
	// ranks them; without, the most recently updated first. At most limit.
	Search(ctx context.Context, userID string, f messages.TaskFilter, limit int) ([]messages.SearchHit, error)
	// FindUser returns the user with userID or, when userID is empty, with email
	// (case-insensitive); messages.NotFound("user") when there is none.
	FindUser(ctx context.Context, userID, email string) (messages.User, error)
}

// SharedStore is a Store that several nodes write (Postgres): a node watches it for the
// commits of the others.
type SharedStore interface {
	Store
	// Shared reports whether other nodes write the store; if not, nothing needs watching.
	Shared() bool
	// Watch calls changed for every commit a node announces and resync when announcements
	// may have been missed, until ctx ends.
	Watch(ctx context.Context, changed func(boardID string, seq int64), resync func())
	// Seqs returns the committed seq of each of the boards that exist.
	Seqs(ctx context.Context, boardIDs []string) (map[string]int64, error)
	// PublishRoom sends payload to every node's WatchRoom soon, without blocking and
	// without storing it; a newer payload with the same non-empty key replaces one not sent
	// yet.
	PublishRoom(key string, payload []byte)
	// WatchRoom calls received for every payload a node publishes (this node's own too), in
	// the order each node published them, and resync when payloads may have been missed,
	// until ctx ends.
	WatchRoom(ctx context.Context, received func(payload []byte), resync func())
}
