package actors_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
)

// faultyStore fails the next Commit with fault, once.
type faultyStore struct {
	actors.Store
	fault chan error
}

func (s faultyStore) Commit(ctx context.Context, changes ...messages.Change) error {
	select {
	case err := <-s.fault:
		return err
	default:
		return s.Store.Commit(ctx, changes...)
	}
}

// TestStoreFaultsLeaveNothingHalfApplied: whatever way the store fails a commit, the caller gets
// a clear error, the board's memory is as before (no task, no seq), nobody receives an event,
// and the next change is numbered as if the failed one never was.
func TestStoreFaultsLeaveNothingHalfApplied(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault error
		want  messages.Code
	}{
		{"internal error", errors.New("disk on fire"), messages.CodeUnavailable},
		{"full disk", messages.Unavailable(errors.New("database or disk is full")), messages.CodeUnavailable},
		{"timeout", fmt.Errorf("commit: %w", context.DeadlineExceeded), messages.CodeUnavailable},
		{"key used elsewhere", messages.Errorf(messages.CodeConflict, "this mutation id was already used"), messages.CodeConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openStore(t)
			store := faultyStore{Store: db, fault: make(chan error, 1)}
			b := startBoards(t, store, actors.Options{})
			ctx := context.Background()
			createTask(t, b, "list-todo", "before")
			sub := subscribe(t, b, nil, 0)
			before := snapshot(t, b, alice, "board-1")

			store.fault <- tc.fault
			_, err := b.Do(ctx, messages.CreateTask{Meta: meta(alice), ListID: "list-todo", Title: "lost"})
			if got := messages.ErrorCode(err); got != tc.want {
				t.Fatalf("the caller got %v, want %s", err, tc.want)
			}
			if diff := cmp.Diff(before, snapshot(t, b, alice, "board-1")); diff != "" {
				t.Fatalf("the board's memory changed (-before +after):\n%s", diff)
			}
			select {
			case e, ok := <-sub.Events:
				if ok {
					t.Fatalf("a subscriber received seq %d of a failed commit", e.Seq)
				}
			default:
			}
			if got := createTask(t, b, "list-todo", "after"); got.Position != before.Tasks[0].Position+3 {
				// list-todo held task-1, task-2 and "before": "after" comes fourth.
				t.Fatalf("the next task at position %d", got.Position)
			}
			if s := snapshot(t, b, alice, "board-1"); s.Seq != before.Seq+1 {
				t.Fatalf("seq after the next change %d, want %d", s.Seq, before.Seq+1)
			}
		})
	}
}
