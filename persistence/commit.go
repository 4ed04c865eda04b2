package persistence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// ErrSeqConflict is wrapped by Commit's error when the board is missing, deleted, or not at
// Event.Seq-1: another writer committed first. The board's state in memory is stale.
var ErrSeqConflict = errors.New("board is missing, deleted or not at the previous seq")

// Commit applies c atomically: the board's seq moves from Event.Seq-1 to Event.Seq
// (else ErrSeqConflict), the board is renamed or deleted, lists, tasks and memberships are
// deleted and upserted, the event is stored with c.Encoded.JSON as its payload, the
// idempotency record is inserted (a mutation id the user already used is a conflict
// *messages.Error) and events before PruneBefore are deleted. On any error nothing of c is
// applied. Changes committed at the same time by several boards share one transaction, each
// in its own savepoint; Commit returns once c is committed or has failed.
//
// Deleting a board keeps its row, members and events (its id and seq are never reused) and
// deletes its lists and tasks.
//
// Several changes are applied in order, all or none: a board commits the commands queued in
// its mailbox together.
func (db *DB) Commit(ctx context.Context, changes ...messages.Change) (err error) {
	defer classify(&err)
	if len(changes) == 0 {
		return nil
	}
	first := changes[0]
	for _, c := range changes {
		if err := checkChange(c); err != nil {
			return fmt.Errorf("commit board %s seq %d: %w", c.BoardID, c.Event.Seq, err)
		}
	}
	commit := func() error { return db.groupCommit(ctx, changes, db.now()) }
	if db.pg {
		commit = func() error { return db.pgCommit(ctx, changes) }
	}
	if err := commit(); err != nil {
		return fmt.Errorf("commit board %s seq %d+%d: %w", first.BoardID, first.Event.Seq, len(changes)-1, err)
	}
	return nil
}

// applyChanges applies changes in order, stopping at the first that fails. A board's batch
// of task and list changes is applied as its net effect, a few statements whatever its size
// (applyBatch): on Postgres each statement is a round trip made while the board's row is
// held.
func applyChanges(ctx context.Context, tx rawTx, changes []messages.Change, now time.Time) error {
	if batchable(changes) {
		return applyBatch(ctx, tx, changes, now)
	}
	for _, c := range changes {
		if err := applyChange(ctx, tx, c, now); err != nil {
			return err
		}
	}
	return nil
}

// batchable reports whether changes are consecutive task and list changes of one board.
func batchable(changes []messages.Change) bool {
	if len(changes) < 2 {
		return false
	}
	for i, c := range changes {
		if c.BoardID != changes[0].BoardID || c.Event.Seq != changes[0].Event.Seq+int64(i) ||
			c.Board != nil || c.DeleteBoard || len(c.PutMembers) > 0 || len(c.DeleteMembers) > 0 ||
			len(c.PutLabels) > 0 || len(c.DeleteLabels) > 0 || len(c.PutComments) > 0 || len(c.DeleteComments) > 0 {
			return false
		}
	}
	return true
}

// applyBatch applies consecutive task and list changes of one board as one: the board's seq
// moves from the first's to the last's, each row is written once with its last value (or
// deleted, if that came last), and the events and idempotency records are inserted
// together.
func applyBatch(ctx context.Context, tx rawTx, changes []messages.Change, now time.Time) error {
	first, last := changes[0], changes[len(changes)-1]
	span := first
	span.Event.Seq = last.Event.Seq
	if err := tx.runN(ctx, 1, "advance seq", ErrSeqConflict,
		`UPDATE boards SET seq = ? WHERE id = ? AND seq = ? AND deleted_at IS NULL`,
		last.Event.Seq, first.BoardID, first.Event.Seq-1); err != nil {
		return err
	}
	var tasks netRows[messages.Task]
	var lists netRows[messages.List]
	var prune int64
	for _, c := range changes {
		tasks.delete(c.DeleteTasks)
		lists.delete(c.DeleteLists)
		lists.put(c.PutLists, func(l messages.List) string { return l.ID })
		tasks.put(c.PutTasks, func(t messages.Task) string { return t.ID })
		prune = max(prune, c.PruneBefore)
	}
	if err := deleteByID(ctx, tx, "delete tasks", deleteTasksSQL, span.BoardID, tasks.deleted()); err != nil {
		return err
	}
	if err := deleteLists(ctx, tx, span.BoardID, lists.deleted()); err != nil {
		return err
	}
	if err := putLists(ctx, tx, span.BoardID, lists.puts(), now); err != nil {
		return err
	}
	if err := putTasks(ctx, tx, span.BoardID, tasks.puts(), now); err != nil {
		return err
	}
	if err := insertEvents(ctx, tx, changes, now); err != nil {
		return err
	}
	for _, c := range changes {
		if c.Idempotency != nil {
			if err := insertIdempotency(ctx, tx, c.BoardID, *c.Idempotency, now); err != nil {
				return err
			}
		}
	}
	if prune > 0 {
		return tx.run(ctx, "prune events", pruneSQL, span.BoardID, prune)
	}
	return nil
}

// netRows is the net effect of a batch on rows of one kind: each id's last put, or its
// deletion, in the order ids first appeared.
type netRows[T any] struct {
	order []string
	last  map[string]*T // nil: deleted
}

func (n *netRows[T]) see(id string, v *T) {
	if n.last == nil {
		n.last = map[string]*T{}
	}
	if _, ok := n.last[id]; !ok {
		n.order = append(n.order, id)
	}
	n.last[id] = v
}

func (n *netRows[T]) delete(ids []string) {
	for _, id := range ids {
		n.see(id, nil)
	}
}

func (n *netRows[T]) put(rows []T, id func(T) string) {
	for i := range rows {
		n.see(id(rows[i]), &rows[i])
	}
}

func (n *netRows[T]) deleted() []string {
	var out []string
	for _, id := range n.order {
		if n.last[id] == nil {
			out = append(out, id)
		}
	}
	return out
}

func (n *netRows[T]) puts() []T {
	var out []T
	for _, id := range n.order {
		if v := n.last[id]; v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// checkChange rejects a change that cannot be applied as a whole.
func checkChange(c messages.Change) error {
	switch {
	case c.BoardID == "":
		return errors.New("change has no board")
	case c.Event.Seq < 1:
		return errors.New("event seq must be 1 or more")
	case c.Event.BoardID != "" && c.Event.BoardID != c.BoardID:
		return fmt.Errorf("event is for board %s", c.Event.BoardID)
	case c.Event.Type == "" || len(c.Encoded.JSON) == 0:
		return errors.New("event has no type or no JSON")
	case c.Encoded.Seq != 0 && c.Encoded.Seq != c.Event.Seq:
		return fmt.Errorf("encoded event has seq %d", c.Encoded.Seq)
	}
	for _, l := range c.PutLists {
		if l.ID == "" || (l.BoardID != "" && l.BoardID != c.BoardID) {
			return fmt.Errorf("list %q is not on this board", l.ID)
		}
	}
	for _, t := range c.PutTasks {
		if t.ID == "" || (t.BoardID != "" && t.BoardID != c.BoardID) {
			return fmt.Errorf("task %q is not on this board", t.ID)
		}
	}
	return nil
}

// applyChange runs the statements of c through tx's raw statements: the driver binds the
// arguments, so each connection prepares a statement text once.
func applyChange(ctx context.Context, tx rawTx, c messages.Change, now time.Time) error {
	if err := advanceBoard(ctx, tx, c, now); err != nil {
		return err
	}
	if err := deleteByID(ctx, tx, "delete tasks", deleteTasksSQL, c.BoardID, c.DeleteTasks); err != nil {
		return err
	}
	if err := deleteLists(ctx, tx, c.BoardID, c.DeleteLists); err != nil {
		return err
	}
	if c.DeleteBoard {
		for _, table := range []string{"tasks", "lists", "labels"} { // comments go with their tasks
			if err := tx.run(ctx, "delete board contents", "DELETE FROM "+table+" WHERE board_id = ?", c.BoardID); err != nil {
				return err
			}
		}
	}
	if err := deleteByID(ctx, tx, "delete comments", deleteCommentsSQL, c.BoardID, c.DeleteComments); err != nil {
		return err
	}
	if err := deleteByID(ctx, tx, "delete labels", deleteLabelsSQL, c.BoardID, c.DeleteLabels); err != nil {
		return err
	}
	if err := putLabels(ctx, tx, c.BoardID, c.PutLabels, now); err != nil {
		return err
	}
	if err := putLists(ctx, tx, c.BoardID, c.PutLists, now); err != nil {
		return err
	}
	if err := putTasks(ctx, tx, c.BoardID, c.PutTasks, now); err != nil {
		return err
	}
	if err := putComments(ctx, tx, c.BoardID, c.PutComments, now); err != nil {
		return err
	}
	if err := deleteMembers(ctx, tx, c.BoardID, c.DeleteMembers); err != nil {
		return err
	}
	if err := putMembers(ctx, tx, c.BoardID, c.PutMembers, now); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, c, now); err != nil {
		return err
	}
	if c.Idempotency != nil {
		if err := insertIdempotency(ctx, tx, c.BoardID, *c.Idempotency, now); err != nil {
			return err
		}
	}
	if c.PruneBefore > 0 {
		return tx.run(ctx, "prune events", pruneSQL, c.BoardID, c.PruneBefore)
	}
	return nil
}

const pruneSQL = "DELETE FROM events WHERE board_id = ? AND seq < ?"

// advanceBoard moves the board's seq by one, guarded by the previous seq, and applies a
// rename or deletion in the same statement.
func advanceBoard(ctx context.Context, tx rawTx, c messages.Change, now time.Time) error {
	var name, deletedAt any // NULL keeps the column
	if c.Board != nil {
		name = c.Board.Name
	}
	if c.DeleteBoard {
		deletedAt = millis(now)
	}
	return tx.runN(ctx, 1, "advance seq", ErrSeqConflict, `UPDATE boards
		SET seq = ?, name = coalesce(?, name), deleted_at = coalesce(?, deleted_at)
		WHERE id = ? AND seq = ? AND deleted_at IS NULL`,
		c.Event.Seq, name, deletedAt, c.BoardID, c.Event.Seq-1)
}

const eventColumns = 9

var insertEventsSQL = batchSQL(func(n int) string {
	return `INSERT INTO events (board_id, seq, type, payload, actor_id, request_id, client_mutation_id, created_at, task_id)
		VALUES ` + rowsOfPlaceholders(n, eventColumns)
})

// insertEvents inserts the events of changes, in batches.
func insertEvents(ctx context.Context, tx rawTx, changes []messages.Change, now time.Time) error {
	return upsertBatches(ctx, tx, "insert events", changes, eventColumns, insertEventsSQL, func(args []any, c messages.Change) []any {
		e := c.Event
		return append(args, c.BoardID, e.Seq, string(e.Type), string(c.Encoded.JSON), e.ActorID, e.RequestID,
			e.ClientMutationID, millisOr(e.At, now), about(e))
	})
}

func insertEvent(ctx context.Context, tx rawTx, c messages.Change, now time.Time) error {
	e := c.Event
	return tx.run(ctx, "insert event", `INSERT INTO events
		(board_id, seq, type, payload, actor_id, request_id, client_mutation_id, created_at, task_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.BoardID, e.Seq, string(e.Type), string(c.Encoded.JSON), e.ActorID, e.RequestID,
		e.ClientMutationID, millisOr(e.At, now), about(e))
}

func insertIdempotency(ctx context.Context, tx rawTx, boardID string, r messages.Idempotency, now time.Time) error {
	return tx.runWith(ctx, func(err error) error {
		if isUniqueViolation(err) {
			return messages.Errorf(messages.CodeConflict, "this mutation id was already used")
		}
		return fmt.Errorf("insert idempotency record: %w", err)
	}, `INSERT INTO idempotency_keys
		(user_id, "key", board_id, result, created_at) VALUES (?, ?, ?, ?, ?)`,
		r.UserID, r.Key, boardID, string(r.Result), millis(now))
}

var (
	deleteTasksSQL = batchSQL(func(n int) string {
		return "DELETE FROM tasks WHERE board_id = ? AND id IN (" + placeholders(n) + ")"
	})
	deleteListsSQL = batchSQL(func(n int) string {
		return "DELETE FROM lists WHERE board_id = ? AND id IN (" + placeholders(n) + ")"
	})
	deleteListTasksSQL = batchSQL(func(n int) string {
		return "DELETE FROM tasks WHERE board_id = ? AND archived_at IS NULL AND list_id IN (" + placeholders(n) + ")"
	})
)

// deleteLists deletes lists with their live tasks; archived tasks outlive their list.
func deleteLists(ctx context.Context, tx rawTx, boardID string, ids []string) error {
	if err := deleteByID(ctx, tx, "delete tasks of lists", deleteListTasksSQL, boardID, ids); err != nil {
		return err
	}
	return deleteByID(ctx, tx, "delete lists", deleteListsSQL, boardID, ids)
}

// deleteByID deletes the board's rows with the given ids, in batches. Ids that are not on
// the board are ignored.
func deleteByID(ctx context.Context, tx rawTx, what string, stmts *[maxBatch + 1]string, boardID string, ids []string) error {
	for batch := range slices.Chunk(ids, maxBatch) {
		args := make([]any, 0, len(batch)+1)
		args = append(args, boardID)
		for _, id := range batch {
			args = append(args, id)
		}
		if err := tx.run(ctx, what, stmts[len(batch)], args...); err != nil {
			return err
		}
	}
	return nil
}

// about is the events row's task_id: the task the event is about, or NULL.
func about(e messages.Event) any {
	if id := e.About(); id != "" {
		return id
	}
	return nil
}
