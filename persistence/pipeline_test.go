package persistence_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// everyPart is one change of board-1 at seq touching every part of a board: rename, lists
// put and deleted, tasks put and deleted, a label, a member removed, an event, an
// idempotency record, events pruned.
func everyPart(t *testing.T, seq int64) messages.Change {
	t.Helper()
	at := messages.NewTime(t0)
	c := change(t, "board-1", seq, messages.Event{Type: messages.BoardUpdated, ClientMutationID: "m-1"})
	c.Board = &messages.Board{ID: "board-1", Name: "Launch v2"}
	c.PutLists = []messages.List{{ID: "list-review", BoardID: "board-1", Name: "Review", Position: 3, CreatedAt: at}}
	c.DeleteLists = []string{"list-done"}
	c.PutTasks = []messages.Task{newTask("board-1", "list-review", "task-new", 0)}
	c.DeleteTasks = []string{"task-2"}
	c.PutLabels = []messages.Label{{ID: "label-new", BoardID: "board-1", Name: "new", Color: "green"}}
	c.DeleteMembers = []string{"user-carol"}
	c.Idempotency = &messages.Idempotency{UserID: "user-alice", Key: "m-1", Result: []byte(`{"seq":1}`)}
	c.PruneBefore = seq
	return c
}

// twoCreations is a batch of two task creations on board-1 from seq, written as its net
// effect, the second with an idempotency record.
func twoCreations(t *testing.T, seq int64) []messages.Change {
	t.Helper()
	first := taskCreated(t, seq, newTask("board-1", "list-todo", "task-b1", 5))
	second := taskCreated(t, seq+1, newTask("board-1", "list-todo", "task-b2", 6))
	second.Idempotency = &messages.Idempotency{UserID: "user-alice", Key: "m-1", Result: []byte(`{"seq":2}`)}
	second.PruneBefore = seq
	return []messages.Change{first, second}
}

// holdAndCommit holds board-1 at seq and commits changes in the hold.
func holdAndCommit(db *persistence.DB, seq int64, changes ...messages.Change) error {
	ctx := context.Background()
	h, _, err := db.Hold(ctx, "board-1", seq)
	if err != nil {
		return err
	}
	return h.Commit(ctx, changes...)
}

// unchanged fails the test unless board-1 is as before and the idempotency record of m-1
// is absent.
func unchanged(t *testing.T, db *persistence.DB, before messages.BoardState, what string) {
	t.Helper()
	got, err := db.LoadBoard(context.Background(), "board-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, got, equateEmpty); diff != "" {
		t.Fatalf("after %s the board changed (-before +after):\n%s", what, diff)
	}
	if _, found, err := db.Idempotent(context.Background(), "user-alice", "m-1"); found || err != nil {
		t.Fatalf("after %s the idempotency record exists (%v)", what, err)
	}
}

// TestHeldCommitFailingAtEveryStep makes each statement of a held commit fail in turn (a
// trigger raises an error there): the commit is sent as one batch with its COMMIT, and the
// statements after the failed one, the COMMIT among them, must not run. The caller is told,
// the database holds nothing of the change, and the board can be held again at once, by
// this node and by another: the row's lock and the connection were given back.
func TestHeldCommitFailingAtEveryStep(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	db, _ := openSeeded(t)
	other := openAt(t, db.URL(), newClock())
	if err := holdAndCommit(db, 0, taskCreated(t, 1, newTask("board-1", "list-todo", "task-first", 2))); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Bun().ExecContext(ctx, `CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql
		AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`); err != nil {
		t.Fatal(err)
	}
	before, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]string{
		"advance the board": "BEFORE UPDATE ON boards",
		"delete tasks":      "BEFORE DELETE ON tasks",
		"delete lists":      "BEFORE DELETE ON lists",
		"put lists":         "BEFORE INSERT ON lists",
		"put tasks":         "BEFORE INSERT ON tasks",
		"put labels":        "BEFORE INSERT ON labels",
		"delete members":    "BEFORE DELETE ON board_members",
		"insert the event":  "BEFORE INSERT ON events",
		"record the key":    "BEFORE INSERT ON idempotency_keys",
		"prune events":      "BEFORE DELETE ON events",
	}
	inBatch := map[string]bool{"advance the board": true, "put tasks": true, "insert the event": true,
		"record the key": true, "prune events": true}
	commits := map[string][]messages.Change{"one change": {everyPart(t, 2)}, "a batch": twoCreations(t, 2)}
	for step, when := range steps {
		if _, err := db.Bun().ExecContext(ctx, "CREATE TRIGGER fault "+when+" FOR EACH STATEMENT EXECUTE FUNCTION fault()"); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		for name, changes := range commits {
			if name == "a batch" && !inBatch[step] {
				continue
			}
			err := holdAndCommit(db, 1, changes...)
			if err == nil {
				t.Fatalf("%s of %s failed, yet Commit answered success", step, name)
			}
			if messages.ErrorCode(err) == messages.CodeUnavailable {
				t.Fatalf("%s of %s: %v, a fault of the statement, not of the database", step, name, err)
			}
			unchanged(t, db, before, step+" of "+name)
			h, missed, err := other.Hold(ctx, "board-1", 1)
			if err != nil || len(missed) != 0 {
				t.Fatalf("another node's hold after a fault at %s of %s: %v, %v", step, name, missed, err)
			}
			h.Release()
		}
		table := when[len("BEFORE UPDATE ON "):]
		if _, err := db.Bun().ExecContext(ctx, "DROP TRIGGER fault ON "+table); err != nil {
			t.Fatal(err)
		}
	}
	if err := holdAndCommit(db, 1, everyPart(t, 2)); err != nil {
		t.Fatalf("Commit once the faults are gone: %v", err)
	}
	got, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil || got.Seq != 2 || got.FirstSeq != 2 || got.Board.Name != "Launch v2" {
		t.Fatalf("after the commit: seq %d, first %d, name %q, %v", got.Seq, got.FirstSeq, got.Board.Name, err)
	}
	if err := holdAndCommit(other, 2, twoCreations(t, 3)[0]); err != nil {
		t.Fatalf("the other node's commit after it: %v", err)
	}
}

// A held commit planned at the wrong seq is a seq conflict: the guard fails inside the
// batch, before its COMMIT, and nothing is applied.
func TestHeldCommitSeqConflict(t *testing.T) {
	postgresOnly(t)
	db, _ := openSeeded(t)
	before, err := db.LoadBoard(context.Background(), "board-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	for name, changes := range map[string][]messages.Change{"one change": {everyPart(t, 3)}, "a batch": twoCreations(t, 3)} {
		if err := holdAndCommit(db, 0, changes...); !errors.Is(err, persistence.ErrSeqConflict) {
			t.Fatalf("%s at seq 3 of a board at 0: %v, want ErrSeqConflict", name, err)
		}
		unchanged(t, db, before, "a seq conflict of "+name)
	}
	if err := holdAndCommit(db, 0, twoCreations(t, 1)...); err != nil {
		t.Fatalf("the batch at the right seq: %v", err)
	}
}

// A task or list id another board holds is refused inside the batch, and so is a mutation
// id the user already used (a conflict): nothing of the change is applied.
func TestHeldCommitRefusals(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	db, _ := openSeeded(t)
	if err := holdAndCommit(db, 0, twoCreations(t, 1)...); err != nil {
		t.Fatal(err)
	}
	before, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := db.Idempotent(ctx, "user-alice", "m-1")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := db.LoadBoard(ctx, "board-2", 10)
	if err != nil || len(theirs.Tasks) == 0 || len(theirs.Lists) == 0 {
		t.Fatalf("board-2: %+v, %v", theirs, err)
	}
	stolenTask := taskCreated(t, 3, newTask("board-1", "list-todo", theirs.Tasks[0].ID, 0))
	stolenList := change(t, "board-1", 3, messages.Event{Type: messages.ListCreated})
	stolenList.PutLists = []messages.List{{ID: theirs.Lists[0].ID, BoardID: "board-1", Name: "Mine", Position: 9}}
	reused := taskCreated(t, 3, newTask("board-1", "list-todo", "task-again", 0))
	reused.Idempotency = &messages.Idempotency{UserID: "user-alice", Key: "m-1", Result: []byte(`{"seq":3}`)}
	for name, c := range map[string]messages.Change{"another board's task": stolenTask, "another board's list": stolenList, "a used mutation id": reused} {
		err := holdAndCommit(db, 2, c)
		if err == nil {
			t.Fatalf("%s: committed", name)
		}
		if name == "a used mutation id" && messages.ErrorCode(err) != messages.CodeConflict {
			t.Fatalf("%s: %v, want a conflict", name, err)
		}
		got, err := db.LoadBoard(ctx, "board-1", 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, got, equateEmpty); diff != "" {
			t.Fatalf("after %s the board changed (-before +after):\n%s", name, diff)
		}
		if after, _, err := db.Idempotent(ctx, "user-alice", "m-1"); err != nil || string(after) != string(key) {
			t.Fatalf("after %s the idempotency record is %s, %v", name, after, err)
		}
	}
	if got, err := db.LoadBoard(ctx, "board-2", 10); err != nil || !cmp.Equal(theirs, got, equateEmpty) {
		t.Fatalf("board-2 changed: %v", err)
	}
}

// A hold that ended (released, or past its timeout) commits nothing: the caller is told the
// database is unavailable, not that it succeeded.
func TestHeldCommitAfterRelease(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	db, _ := openSeeded(t)
	h, _, err := db.Hold(ctx, "board-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	h.Release()
	h.Release()
	if err := h.Commit(ctx, twoCreations(t, 1)...); messages.ErrorCode(err) != messages.CodeUnavailable {
		t.Fatalf("Commit after Release: %v, want unavailable", err)
	}
	if missed, err := db.Missed(ctx, "board-1", 0); err != nil || len(missed) != 0 {
		t.Fatalf("Missed = %v, %v; want nothing committed", missed, err)
	}
}

// statementsDriver is pgx's database/sql driver under another type, as another driver
// would be: the store cannot reach pgx's connection through it, and holds statement by
// statement in a database/sql transaction.
type statementsDriver struct{ *stdlib.Driver }

type statementsConn struct{ *stdlib.Conn }

func (d statementsDriver) Open(name string) (driver.Conn, error) {
	c, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return statementsConn{c.(*stdlib.Conn)}, nil
}

func init() {
	sql.Register("pgx-statements", statementsDriver{stdlib.GetDefaultDriver().(*stdlib.Driver)})
}

// A driver other than pgx's holds and commits statement by statement, with the same
// guarantees.
func TestHoldWithoutBatches(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	first, _ := openSeeded(t)
	db, err := persistence.Open(ctx, first.URL(), persistence.Options{HashParams: cheapHash, PostgresDriver: "pgx-statements"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before, err := db.LoadBoard(ctx, "board-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := holdAndCommit(db, 0, everyPart(t, 3)); !errors.Is(err, persistence.ErrSeqConflict) {
		t.Fatalf("a change at seq 3 of a board at 0: %v, want ErrSeqConflict", err)
	}
	unchanged(t, db, before, "a seq conflict")
	if err := holdAndCommit(db, 0, twoCreations(t, 1)...); err != nil {
		t.Fatal(err)
	}
	h, missed, err := first.Hold(ctx, "board-1", 0)
	if err != nil || len(missed) != 2 {
		t.Fatalf("the other node's hold: %v, %v; want the two events", missed, err)
	}
	h.Release()
	if _, _, err := db.Hold(ctx, "board-nope", 0); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("Hold of a missing board: %v", err)
	}
	h, _, err = db.Hold(ctx, "board-1", 2)
	if err != nil {
		t.Fatal(err)
	}
	h.Release()
	if err := h.Commit(ctx, taskCreated(t, 3, newTask("board-1", "list-todo", "task-late", 7))); messages.ErrorCode(err) != messages.CodeUnavailable {
		t.Fatalf("Commit after Release: %v, want unavailable", err)
	}
}

// A held commit queues commit.go's statements in a batch, where a row count is checked by
// the server (exactly), rather than running them one by one: the same changes committed both
// ways must leave the same rows in every table but those of accounts.
func TestHeldCommitWritesWhatCommitWrites(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	at := messages.NewTime(t0)
	batch := []messages.Change{
		taskCreated(t, 2, newTask("board-1", "list-todo", "task-b1", 5)),
		taskCreated(t, 3, newTask("board-1", "list-review", "task-b2", 0)),
	}
	batch[0].PutLists = []messages.List{{ID: "list-later", BoardID: "board-1", Name: "Later", Position: 4, CreatedAt: at}}
	batch[1].DeleteTasks = []string{"task-1"}
	batch[1].Idempotency = &messages.Idempotency{UserID: "user-alice", Key: "m-2", Result: []byte(`{"seq":3}`)}
	batch[1].PruneBefore = 2
	cards := change(t, "board-1", 4, messages.Event{Type: messages.CommentAdded})
	cards.PutComments = []messages.Comment{{ID: "comment-1", BoardID: "board-1", TaskID: "task-b1", AuthorID: "user-alice",
		Body: "first", CreatedAt: at, UpdatedAt: at}}
	cards.PutMembers = []messages.Member{{UserID: "user-carol", Role: messages.RoleViewer}}
	cards.DeleteLabels = []string{"label-new"}
	deleted := change(t, "board-1", 5, messages.Event{Type: messages.BoardDeleted})
	deleted.DeleteBoard = true
	groups := [][]messages.Change{{everyPart(t, 1)}, batch, {cards}, {deleted}}

	statements, _ := openSeeded(t)
	batches, _ := openSeeded(t)
	for i, g := range groups {
		if err := statements.Commit(ctx, g...); err != nil {
			t.Fatalf("Commit of group %d: %v", i, err)
		}
		if err := holdAndCommit(batches, g[0].Event.Seq-1, g...); err != nil {
			t.Fatalf("held commit of group %d: %v", i, err)
		}
	}
	var tables []string
	err := statements.Bun().NewSelect().Table("information_schema.tables").Column("table_name").
		Where("table_schema = current_schema()").
		Where("table_name NOT IN ('users', 'sessions', 'api_tokens', 'revocations', 'schema_version')").
		Order("table_name").Scan(ctx, &tables)
	if err != nil || len(tables) < 8 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	for _, table := range tables {
		dump := func(db *persistence.DB) string {
			var rows string
			err := db.Bun().QueryRowContext(ctx, `SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text)::text, '[]')
				FROM `+table+` AS t`).Scan(&rows)
			if err != nil {
				t.Fatalf("rows of %s: %v", table, err)
			}
			return rows
		}
		if diff := cmp.Diff(dump(statements), dump(batches)); diff != "" {
			t.Errorf("%s differs (-statements +batches):\n%s", table, diff)
		}
	}
}
