package persistence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/taskboard/taskboard/messages"
)

// A board holds its row from the answer to its SELECT ... FOR UPDATE until its COMMIT, and
// every node that writes the board waits that long. Sent one by one, a change's statements
// (commit.go) are a round trip each, each a switch of process on the client and on the
// server. Through pgx's batches a hold is two round trips instead: BEGIN, the lock and the
// events missed in one (Hold), the change's statements and COMMIT in the other (Held.Commit).
//
// A batch ends in one Sync: when a statement fails, Postgres skips the rest of the batch,
// the COMMIT with it, and the transaction is left aborted, then rolled back. But a statement
// that succeeds having changed too few rows does not fail by itself: commit.go counts the
// rows after each statement, which would be after the COMMIT here. The statements that must
// change an exact number of rows (the seq guard, the upserts that leave alone a row of
// another board) are therefore made to fail in the server when they do not: see exactly.
//
// The plan functions below list again, for Postgres, the statements of applyChanges and the
// functions it calls: a statement added there must be added here too, which
// TestHeldCommitWritesWhatCommitWrites checks by the rows both leave.

// pipeline is statements to send in one round trip, each with the reading of its error.
type pipeline struct {
	batch pgx.Batch
	errs  []func(error) error
}

// queue adds query, written with ? placeholders; wrap turns its error into the caller's.
func (p *pipeline) queue(wrap func(error) error, query string, args ...any) {
	p.batch.Queue(numbered(query), args...)
	p.errs = append(p.errs, wrap)
}

// send sends p in one round trip on c and reads every result: the error of the first
// statement that failed, as its wrap reads it, and the command tag of the last.
func (p *pipeline) send(ctx context.Context, c *pgx.Conn) (pgconn.CommandTag, error) {
	br := c.SendBatch(ctx, &p.batch)
	var tag pgconn.CommandTag
	for i := range p.errs {
		var err error
		if tag, err = br.Exec(); err != nil {
			_ = br.Close()
			return tag, p.errs[i](err)
		}
	}
	return tag, br.Close()
}

// exactly wraps a data-modifying statement so that it fails, aborting its transaction, unless
// it changed n rows: Postgres has no statement that raises an error, but a division by zero
// is one. The failure is the statement's, hence its caller's error (violated).
func exactly(n int, query string) string {
	return "WITH changed AS (" + query + " RETURNING 1) SELECT 1 / (count(*) = " + strconv.Itoa(n) +
		")::int FROM changed"
}

// violated reports whether err is the failure of a statement made by exactly.
func violated(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgerrcode.DivisionByZero
}

// counted is the wrap of a statement made by exactly: miss is its error when it changed too
// few rows.
func counted(what string, miss error) func(error) error {
	return func(err error) error {
		if violated(err) {
			return miss
		}
		return fmt.Errorf("%s: %w", what, err)
	}
}

// failed is the wrap of an ordinary statement.
func failed(what string) func(error) error {
	return func(err error) error { return fmt.Errorf("%s: %w", what, err) }
}

var (
	errOtherBoard      = errors.New("an id belongs to another board")
	errOtherBoardLists = fmt.Errorf("put lists: %w", errOtherBoard)
	errOtherBoardTasks = fmt.Errorf("put tasks: %w", errOtherBoard)
)

var (
	advanceSeqSQL = exactly(1, `UPDATE boards SET seq = ? WHERE id = ? AND seq = ? AND deleted_at IS NULL`)
	advanceSQL    = exactly(1, `UPDATE boards
		SET seq = ?, name = coalesce(?, name), deleted_at = coalesce(?, deleted_at)
		WHERE id = ? AND seq = ? AND deleted_at IS NULL`)
	pgUpsertTasksSQL = batchSQL(func(n int) string { return exactly(n, upsertTasksSQL[n]) })
	pgUpsertListsSQL = batchSQL(func(n int) string { return exactly(n, upsertListsSQL[n]) })
	pgPutLabelSQL    = exactly(1, `INSERT INTO labels (id, board_id, name, color, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, color = excluded.color
		WHERE labels.board_id = excluded.board_id`)
	pgPutCommentSQL = exactly(1, `INSERT INTO comments (`+commentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
		WHERE comments.board_id = excluded.board_id`)
)

const (
	putMemberSQL = `INSERT INTO board_members (board_id, user_id, role, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role`
	deleteMemberSQL      = "DELETE FROM board_members WHERE board_id = ? AND user_id = ?"
	insertIdempotencySQL = `INSERT INTO idempotency_keys
		(user_id, "key", board_id, result, created_at) VALUES (?, ?, ?, ?, ?)`
	pruneSQL = "DELETE FROM events WHERE board_id = ? AND seq < ?"
)

// planChanges queues the statements of changes, as applyChanges runs them: a batch of one
// board's task and list changes as its net effect, any other change statement by statement.
// It fails only on a change that cannot be written at all, before anything is sent.
func planChanges(p *pipeline, changes []messages.Change, now time.Time) error {
	if batchable(changes) {
		planBatch(p, changes, now)
		return nil
	}
	for _, c := range changes {
		if err := planChange(p, c, now); err != nil {
			return err
		}
	}
	return nil
}

// planBatch queues what applyBatch runs.
func planBatch(p *pipeline, changes []messages.Change, now time.Time) {
	first, last := changes[0], changes[len(changes)-1]
	board := first.BoardID
	p.queue(counted("advance seq", ErrSeqConflict), advanceSeqSQL, last.Event.Seq, board, first.Event.Seq-1)
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
	planDeletes(p, failed("delete tasks"), deleteTasksSQL, board, tasks.deleted())
	planDeleteLists(p, board, lists.deleted())
	planLists(p, board, lists.puts(), now)
	planTasks(p, board, tasks.puts(), now)
	planUpserts(p, failed("insert events"), changes, eventColumns, insertEventsSQL, eventArgs(now))
	for _, c := range changes {
		planIdempotency(p, c, now)
	}
	if prune > 0 {
		p.queue(failed("prune events"), pruneSQL, board, prune)
	}
}

// planChange queues what applyChange runs.
func planChange(p *pipeline, c messages.Change, now time.Time) error {
	for _, m := range c.PutMembers {
		if m.UserID == "" || !m.Role.Valid() {
			return fmt.Errorf("put member %q: bad user or role %q", m.UserID, m.Role)
		}
	}
	board := c.BoardID
	var name, deletedAt any // NULL keeps the column
	if c.Board != nil {
		name = c.Board.Name
	}
	if c.DeleteBoard {
		deletedAt = millis(now)
	}
	p.queue(counted("advance seq", ErrSeqConflict), advanceSQL, c.Event.Seq, name, deletedAt, board, c.Event.Seq-1)
	planDeletes(p, failed("delete tasks"), deleteTasksSQL, board, c.DeleteTasks)
	planDeleteLists(p, board, c.DeleteLists)
	if c.DeleteBoard {
		for _, table := range []string{"tasks", "lists", "labels"} { // comments go with their tasks
			p.queue(failed("delete board contents"), "DELETE FROM "+table+" WHERE board_id = ?", board)
		}
	}
	planDeletes(p, failed("delete comments"), deleteCommentsSQL, board, c.DeleteComments)
	planDeletes(p, failed("delete labels"), deleteLabelsSQL, board, c.DeleteLabels)
	for _, l := range c.PutLabels {
		p.queue(counted("put label "+l.ID, fmt.Errorf("put label %s: %w", l.ID, errOtherBoard)),
			pgPutLabelSQL, l.ID, board, l.Name, l.Color, millis(now))
	}
	planLists(p, board, c.PutLists, now)
	planTasks(p, board, c.PutTasks, now)
	for _, m := range c.PutComments {
		p.queue(counted("put comment "+m.ID, fmt.Errorf("put comment %s: %w", m.ID, errOtherBoard)),
			pgPutCommentSQL, m.ID, board, m.TaskID, m.AuthorID, m.Body, millisOr(m.CreatedAt, now), millisOr(m.UpdatedAt, now))
	}
	for _, id := range c.DeleteMembers {
		p.queue(failed("delete member "+id), deleteMemberSQL, board, id)
	}
	for _, m := range c.PutMembers {
		p.queue(failed("put member "+m.UserID), putMemberSQL, board, m.UserID, string(m.Role), millis(now))
	}
	planUpserts(p, failed("insert event"), []messages.Change{c}, eventColumns, insertEventsSQL, eventArgs(now))
	planIdempotency(p, c, now)
	if c.PruneBefore > 0 {
		p.queue(failed("prune events"), pruneSQL, board, c.PruneBefore)
	}
	return nil
}

// planIdempotency queues c's idempotency record: a key the user already used is a conflict.
func planIdempotency(p *pipeline, c messages.Change, now time.Time) {
	r := c.Idempotency
	if r == nil {
		return
	}
	p.queue(func(err error) error {
		if isUniqueViolation(err) {
			return messages.Errorf(messages.CodeConflict, "this mutation id was already used")
		}
		return fmt.Errorf("insert idempotency record: %w", err)
	}, insertIdempotencySQL, r.UserID, r.Key, c.BoardID, string(r.Result), millis(now))
}

// planDeleteLists queues what deleteLists runs: lists with their live tasks.
func planDeleteLists(p *pipeline, board string, ids []string) {
	planDeletes(p, failed("delete tasks of lists"), deleteListTasksSQL, board, ids)
	planDeletes(p, failed("delete lists"), deleteListsSQL, board, ids)
}

// planDeletes queues what deleteByID runs.
func planDeletes(p *pipeline, wrap func(error) error, stmts *[maxBatch + 1]string, board string, ids []string) {
	for batch := range slices.Chunk(ids, maxBatch) {
		args := make([]any, 0, len(batch)+1)
		args = append(args, board)
		for _, id := range batch {
			args = append(args, id)
		}
		p.queue(wrap, stmts[len(batch)], args...)
	}
}

// planLists queues what putLists runs, each statement failing unless it wrote every list.
func planLists(p *pipeline, board string, lists []messages.List, now time.Time) {
	planUpserts(p, counted("put lists", errOtherBoardLists), lists, listColumns, pgUpsertListsSQL,
		func(args []any, l messages.List) []any {
			r := newListRow(l, board, now)
			return append(args, r.ID, r.BoardID, r.Name, r.Position, r.CreatedAt)
		})
}

// planTasks queues what putTasks runs, each statement failing unless it wrote every task.
func planTasks(p *pipeline, board string, tasks []messages.Task, now time.Time) {
	planUpserts(p, counted("put tasks", errOtherBoardTasks), tasks, taskColumns, pgUpsertTasksSQL,
		func(args []any, t messages.Task) []any {
			r := newTaskRow(t, board, now)
			return append(args, r.ID, r.BoardID, r.ListID, r.Title, r.Description, r.AssigneeIDs, r.LabelIDs, r.DueAt,
				r.Checklist, r.ChecklistText, r.CommentCount, r.ArchivedAt, r.Position, r.Version, r.CreatedAt, r.UpdatedAt)
		})
}

// eventArgs appends an events row's columns, as insertEvents does.
func eventArgs(now time.Time) func(args []any, c messages.Change) []any {
	return func(args []any, c messages.Change) []any {
		e := c.Event
		return append(args, c.BoardID, e.Seq, string(e.Type), string(c.Encoded.JSON), e.ActorID, e.RequestID,
			e.ClientMutationID, millisOr(e.At, now), about(e))
	}
}

// planUpserts queues what upsertBatches runs: a statement per batch of at most maxBatch.
func planUpserts[T any](p *pipeline, wrap func(error) error, items []T, columns int, sqls *[maxBatch + 1]string,
	appendRow func(args []any, item T) []any) {
	for batch := range slices.Chunk(items, maxBatch) {
		args := make([]any, 0, len(batch)*columns)
		for _, item := range batch {
			args = appendRow(args, item)
		}
		p.queue(wrap, sqls[len(batch)], args...)
	}
}
