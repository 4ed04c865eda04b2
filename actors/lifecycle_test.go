package actors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/actors/actorstest"
	"github.com/taskboard/taskboard/messages"
)

// crashingStore panics inside Commit for tasks titled "panic before commit" (nothing is
// written) or "panic after commit" (the change is durable, the caller never hears of it).
type crashingStore struct{ actors.Store }

func (s crashingStore) Commit(ctx context.Context, changes ...messages.Change) error {
	title := func(title string) bool {
		for _, c := range changes {
			if c.Event.Task != nil && c.Event.Task.Title == title {
				return true
			}
		}
		return false
	}
	if title("panic before commit") {
		panic("crash before commit")
	}
	err := s.Store.Commit(ctx, changes...)
	if title("panic after commit") {
		panic("crash after commit")
	}
	return err
}

func TestCrashedBoardRestartsFromDatabase(t *testing.T) {
	db, _ := openStore(t)
	hooks := make(lifecycle, 64)
	b := startBoards(t, crashingStore{db}, actors.Options{OnLifecycle: hooks.hook, AskTimeout: 500 * time.Millisecond})
	ctx := context.Background()
	createTask(t, b, "list-todo", "one")
	createTask(t, b, "list-todo", "two")
	sub := subscribe(t, b, ptr(int64(2)), 0)

	for i, title := range []string{"panic before commit", "panic after commit"} {
		_, err := b.Do(ctx, messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: title})
		if messages.ErrorCode(err) != messages.CodeUnavailable {
			t.Fatalf("crashing command: got %v, want unavailable", err)
		}
		hooks.await(t, "board-1 restarting")
		hooks.await(t, "board-1 loaded")
		if i == 0 {
			// A subscriber of the crashed instance is told to subscribe again.
			if _, ok := recv(t, sub.Events, "end of the subscription"); ok || sub.Err() != messages.EndRestarted {
				t.Fatalf("subscription after a crash: ended %v, reason %q", !ok, sub.Err())
			}
		}
	}
	// seq 3 is the change committed just before the second crash: numbering goes on after it.
	if got := createTask(t, b, "list-todo", "three"); got.Position != 5 {
		t.Fatalf("new task at position %d, want 5 (after one, two and the durable crash)", got.Position)
	}
	s := snapshot(t, b, alice, "board-1")
	if s.Seq != 4 {
		t.Fatalf("seq after restarts %d, want 4", s.Seq)
	}
	checkPositions(t, s)
	resumed := subscribe(t, b, ptr(int64(2)), 0)
	var titles []string
	for _, e := range resumed.Replay {
		titles = append(titles, decode(t, e).Task.Title)
	}
	if diff := cmp.Diff([]string{"panic after commit", "three"}, titles); diff != "" {
		t.Fatalf("replay after the restarts (-want +got):\n%s", diff)
	}
}

func TestPassivatedBoardReloadsIdentically(t *testing.T) {
	db, _ := openStore(t)
	hooks := make(lifecycle, 64)
	// Passivation runs on the boards' clock: an idle minute passes when the test says so.
	clock := actorstest.NewClock()
	opts := clock.Options()
	opts.OnLifecycle, opts.IdleAfter, opts.RingSize = hooks.hook, time.Minute, 4
	b := startBoards(t, db, opts)
	for i := range 6 {
		createTask(t, b, "list-in-progress", "task "+string(rune('a'+i)))
	}
	before := snapshot(t, b, alice, "board-1")
	clock.Advance(time.Minute)
	hooks.await(t, "board-1 stopped")
	after := snapshot(t, b, alice, "board-1")
	hooks.await(t, "board-1 loaded")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Fatalf("reloaded board differs (-before +after):\n%s", diff)
	}
	if got := createTask(t, b, "list-done", "after reload"); got.Position != 1 {
		t.Fatalf("position %d, want 1", got.Position)
	}
	if s := snapshot(t, b, alice, "board-1"); s.Seq != 7 {
		t.Fatalf("seq %d, want 7", s.Seq)
	}
}

func TestReplayFromRingAndDatabase(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{RingSize: 3, Retention: 20})
	for range 10 {
		createTask(t, b, "list-todo", "task")
	}
	tests := []struct {
		name   string
		after  int64
		first  int64
		resync bool
	}{
		{"from the ring", 8, 9, false},
		{"from the database then the ring", 2, 3, false},
		{"from the very start", 0, 1, false},
		{"up to date", 10, 0, false},
		{"ahead of the board", 11, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := subscribe(t, b, &tt.after, 0)
			if sub.Resync != tt.resync || sub.Seq != 10 {
				t.Fatalf("resync %v seq %d, want %v and 10", sub.Resync, sub.Seq, tt.resync)
			}
			if tt.first == 0 {
				if len(sub.Replay) != 0 {
					t.Fatalf("replayed %d events, want none", len(sub.Replay))
				}
				return
			}
			for i, e := range sub.Replay {
				if e.Seq != tt.first+int64(i) {
					t.Fatalf("replay[%d] seq %d, want %d", i, e.Seq, tt.first+int64(i))
				}
			}
			if last := sub.Replay[len(sub.Replay)-1].Seq; last != 10 {
				t.Fatalf("replay ends at %d, want 10", last)
			}
		})
	}
}

func TestPrunedEventsNeedResync(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{RingSize: 2, Retention: 5})
	for range 12 {
		createTask(t, b, "list-todo", "task")
	}
	// Retention 5 with pruning in batches: events before 7 may be gone, 0 surely is.
	if sub := subscribe(t, b, ptr(int64(0)), 0); !sub.Resync || len(sub.Replay) != 0 {
		t.Fatalf("resume from 0 after pruning: resync %v, %d replayed", sub.Resync, len(sub.Replay))
	}
	sub := subscribe(t, b, ptr(int64(8)), 0)
	if sub.Resync || len(sub.Replay) != 4 || sub.Replay[0].Seq != 9 {
		t.Fatalf("resume from 8: resync %v, %d replayed", sub.Resync, len(sub.Replay))
	}
}

func TestDeletedBoardEndsSubscriptions(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sub := subscribe(t, b, nil, 0)
	if _, err := b.Do(context.Background(), messages.DeleteBoard{Meta: meta(alice), BoardID: "board-1"}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, sub); e.Type != messages.BoardDeleted {
		t.Fatalf("got %s, want board_deleted", e.Type)
	}
	if _, ok := recv(t, sub.Events, "end of the subscription"); ok || sub.Err() != messages.EndDeleted {
		t.Fatalf("subscription still open or wrong reason %q", sub.Err())
	}
	_, err := b.Do(context.Background(), messages.GetSnapshot{Meta: meta(alice), BoardID: "board-1"})
	if messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("deleted board: got %v, want not_found", err)
	}
}

func TestBoardCrashingTooOftenIsStoppedThenRespawned(t *testing.T) {
	db, _ := openStore(t)
	hooks := make(lifecycle, 64)
	b := startBoards(t, crashingStore{db}, actors.Options{
		OnLifecycle: hooks.hook, AskTimeout: 300 * time.Millisecond, MaxRestarts: 1, RestartWindow: time.Minute,
	})
	crash := messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "panic before commit"}
	if _, err := b.Do(context.Background(), crash); messages.ErrorCode(err) != messages.CodeUnavailable {
		t.Fatalf("first crash: %v", err)
	}
	hooks.await(t, "board-1 restarting")
	if _, err := b.Do(context.Background(), crash); messages.ErrorCode(err) != messages.CodeUnavailable {
		t.Fatalf("second crash: %v", err)
	}
	// Past the limit the supervisor stops the board instead of restarting it.
	hooks.await(t, "board-1 stopped")
	if got := createTask(t, b, "list-todo", "after the storm"); got.Position != 2 {
		t.Fatalf("respawned board put the task at %d, want 2", got.Position)
	}
}

func TestStaleBoardReloadsAfterAFailedCommit(t *testing.T) {
	db, _ := openStore(t)
	stale := startBoards(t, db, actors.Options{})
	snapshot(t, stale, alice, "board-1") // loaded at seq 0
	sub := subscribe(t, stale, nil, 0)
	// Another writer commits behind the board's back.
	other := startBoards(t, db, actors.Options{})
	createTask(t, other, "list-todo", "elsewhere")

	_, err := stale.Do(context.Background(), messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "here"})
	if messages.ErrorCode(err) != messages.CodeUnavailable {
		t.Fatalf("commit on a stale board: %v, want unavailable", err)
	}
	if _, ok := recv(t, sub.Events, "end of the subscription"); ok || sub.Err() != messages.EndRestarted {
		t.Fatalf("subscriber of a stale board: reason %q, want %q", sub.Err(), messages.EndRestarted)
	}
	if got := createTask(t, stale, "list-todo", "here"); got.Position != 3 {
		t.Fatalf("after reloading, the task went to %d, want 3", got.Position)
	}
	if s := snapshot(t, stale, alice, "board-1"); s.Seq != 2 {
		t.Fatalf("seq %d, want 2", s.Seq)
	}
}

// slowStore holds each LoadBoard until release is closed, or fails it after wait.
type slowStore struct {
	actors.Store
	release chan struct{}
}

func (s slowStore) LoadBoard(ctx context.Context, id string, recent int) (messages.BoardState, error) {
	select {
	case <-s.release:
	case <-time.After(wait):
		return messages.BoardState{}, errors.New("slowStore: not released in time")
	}
	return s.Store.LoadBoard(ctx, id, recent)
}

func TestSubscribeThatTimedOutLeavesNoSubscriber(t *testing.T) {
	db, _ := openStore(t)
	hooks := make(lifecycle, 64)
	store := slowStore{Store: db, release: make(chan struct{})}
	b := startBoards(t, store, actors.Options{OnLifecycle: hooks.hook, AskTimeout: 50 * time.Millisecond, IdleAfter: 20 * time.Millisecond})
	_, err := b.Subscribe(context.Background(), messages.Subscribe{Meta: meta(alice), BoardID: "board-1", Live: true})
	if messages.ErrorCode(err) != messages.CodeUnavailable {
		t.Fatalf("subscribe to a board still loading: %v, want unavailable", err)
	}
	close(store.release)
	// The board registered the subscriber nobody waits for, and must forget it: only a board
	// without subscribers goes idle.
	hooks.await(t, "board-1 stopped")
}

func TestUpdatesThatChangeNothingEmitNothing(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	for _, c := range []messages.Command{
		messages.UpdateBoard{Meta: meta(alice), BoardID: "board-1", Name: " Launch "},
		messages.UpdateList{Meta: meta(alice), BoardID: "board-1", ListID: "list-done"},
		messages.UpdateList{Meta: meta(alice), BoardID: "board-1", ListID: "list-done", Name: ptr("Done"), Position: ptr(2)},
		messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: "task-1", Title: messages.Set("Design login page")},
	} {
		if _, err := b.Do(ctx, c); err != nil {
			t.Fatalf("%T: %v", c, err)
		}
	}
	if s := snapshot(t, b, alice, "board-1"); s.Seq != 0 {
		t.Fatalf("seq %d after updates that changed nothing, want 0", s.Seq)
	}
}

// A board that crashes while changes wait for their commit answers them at once, rather than
// leaving their callers to time out.
func TestCrashAnswersTheStagedChanges(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, crashingStore{db}, actors.Options{AskTimeout: 5 * time.Second})
	_, err := b.Do(context.Background(), messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "panic before commit"})
	if e := messages.AsError(err); e.Code != messages.CodeUnavailable || e.Message == "board did not answer in time" {
		t.Fatalf("got %v, want the crashed board's own unavailable, not a timeout", err)
	}
}

// TestReplayIsBoundedByLimit: a poll's subscription reads at most Limit events after its
// point, from the database, the ring or both, so that an old since costs what one answer does.
func TestReplayIsBoundedByLimit(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{RingSize: 4})
	for i := range 10 {
		createTask(t, b, "list-todo", "task "+string(rune('a'+i)))
	}
	// The ring holds 7 to 10; 1 to 6 are read from the database.
	for _, tc := range []struct {
		after int64
		want  []int64
	}{
		{0, []int64{1, 2, 3}},
		{4, []int64{5, 6, 7}},
		{6, []int64{7, 8, 9}},
		{8, []int64{9, 10}},
		{10, nil},
	} {
		after := tc.after
		sub, err := b.Subscribe(context.Background(), messages.Subscribe{Meta: meta(alice), BoardID: "board-1", After: &after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range sub.Replay {
			got = append(got, e.Seq)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" || sub.Seq != 10 {
			t.Fatalf("replay after %d, limit 3 (-want +got):\n%s(seq %d)", tc.after, diff, sub.Seq)
		}
		b.Unsubscribe(sub)
	}
}
