package persistence_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// commitN commits task_created changes on board-1 from seq from to n and returns their
// encodings by seq.
func commitN(t *testing.T, ctx context.Context, db *persistence.DB, from, n, pruneBefore int64) map[int64]messages.Encoded {
	t.Helper()
	out := map[int64]messages.Encoded{}
	for seq := from; seq <= n; seq++ {
		c := taskCreated(t, seq, newTask("board-1", "list-done", fmt.Sprintf("task-e%d", seq), int(seq)))
		c.PruneBefore = pruneBefore
		if err := db.Commit(ctx, c); err != nil {
			t.Fatalf("Commit seq %d: %v", seq, err)
		}
		out[seq] = c.Encoded
	}
	return out
}

func TestEventsRanges(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	enc := commitN(t, ctx, db, 1, 10, 0)

	seqs := func(from, to int64) []messages.Encoded {
		var out []messages.Encoded
		for s := from; s <= to; s++ {
			out = append(out, messages.NewEncoded(s, messages.TaskCreated, "req-1", enc[s].JSON))
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		board       string
		after, upTo int64
		want        []messages.Encoded
	}{
		{"all", "board-1", 0, 10, seqs(1, 10)},
		{"middle", "board-1", 3, 6, seqs(4, 6)},
		{"beyond the head", "board-1", 8, 100, seqs(9, 10)},
		{"at the head", "board-1", 10, 10, nil},
		{"empty range", "board-1", 5, 5, nil},
		{"other board", "board-2", 0, 10, nil},
		{"missing board", "board-x", 0, 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.Events(ctx, tc.board, tc.after, tc.upTo)
			if err != nil {
				t.Fatalf("Events: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, equateEmpty); diff != "" {
				t.Errorf("Events(%s, %d, %d) mismatch (-want +got):\n%s", tc.board, tc.after, tc.upTo, diff)
			}
		})
	}
	// The SSE frame is rebuilt from the stored JSON exactly.
	if got := string(seqs(1, 1)[0].SSE); got != string(enc[1].SSE) {
		t.Errorf("SSE frame = %q, want %q", got, enc[1].SSE)
	}
}

func TestRecentFirstSeqAndPrune(t *testing.T) {
	ctx := context.Background()
	db, _ := openSeeded(t)
	enc := commitN(t, ctx, db, 1, 10, 0)

	check := func(recent int, wantSeq, wantFirst int64, wantRecent ...int64) {
		t.Helper()
		s, err := db.LoadBoard(ctx, "board-1", recent)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for i, e := range s.Recent {
			got = append(got, e.Seq)
			if string(e.JSON) != string(enc[e.Seq].JSON) || e.Type != messages.TaskCreated || e.RequestID != "req-1" {
				t.Errorf("Recent[%d] = %+v, want the committed event %d", i, e, e.Seq)
			}
		}
		if s.Seq != wantSeq || s.FirstSeq != wantFirst || !cmp.Equal(got, wantRecent, equateEmpty) {
			t.Errorf("LoadBoard(recent=%d): Seq %d FirstSeq %d Recent %v, want %d %d %v",
				recent, s.Seq, s.FirstSeq, got, wantSeq, wantFirst, wantRecent)
		}
	}
	check(3, 10, 1, 8, 9, 10)
	check(0, 10, 1)
	check(100, 10, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)

	for seq, e := range commitN(t, ctx, db, 11, 11, 7) { // keeps 7..11
		enc[seq] = e
	}
	check(2, 11, 7, 10, 11)
	check(100, 11, 7, 7, 8, 9, 10, 11)
	if evs, err := db.Events(ctx, "board-1", 0, 11); err != nil || len(evs) != 5 || evs[0].Seq != 7 {
		t.Errorf("Events after pruning = %d events from %v (%v), want 5 from 7", len(evs), evs, err)
	}

	// A board without events: FirstSeq is Seq+1.
	check2, err := db.LoadBoard(ctx, "board-2", 10)
	if err != nil || check2.Seq != 0 || check2.FirstSeq != 1 || len(check2.Recent) != 0 {
		t.Errorf("LoadBoard(board-2) = Seq %d FirstSeq %d Recent %d (%v), want 0 1 0",
			check2.Seq, check2.FirstSeq, len(check2.Recent), err)
	}
}

func TestIdempotentUnknown(t *testing.T) {
	db, _ := openSeeded(t)
	result, found, err := db.Idempotent(context.Background(), "user-alice", "nope")
	if err != nil || found || result != nil {
		t.Fatalf("Idempotent = %q, %v, %v, want nil, false, nil", result, found, err)
	}
}
