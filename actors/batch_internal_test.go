package actors

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// countingStore counts commits and can be told to fail the next one.
type countingStore struct {
	Store
	commits  [][]messages.Change
	fail     bool
	failWith error // the error of the failing commit (default: an internal one)
}

func (s *countingStore) Commit(ctx context.Context, changes ...messages.Change) error {
	s.commits = append(s.commits, changes)
	if s.fail {
		s.fail = false
		if s.failWith != nil {
			return s.failWith
		}
		return errors.New("disk full")
	}
	return s.Store.Commit(ctx, changes...)
}

func loadedBoard(t *testing.T) (*board, *countingStore) {
	t.Helper()
	db, err := persistence.Open(context.Background(), filepath.Join(t.TempDir(), "tb.db"),
		persistence.Options{HashParams: persistence.HashParams{Time: 1, Memory: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: db}
	b := newBoard("board-1", store, Options{Logger: zerolog.Nop()}.withDefaults())
	if err := b.load(); err != nil {
		t.Fatal(err)
	}
	return b, store
}

// stage runs a creation, which the board stages for its next transaction.
func stage(t *testing.T, b *board, title string) messages.Task {
	t.Helper()
	before := len(b.staged)
	res, err := b.createTask(messages.CreateTask{Meta: messages.Meta{UserID: "user-alice"}, BoardID: "board-1", ListID: "list-todo", Title: title})
	if err != nil || len(b.staged) != before+1 {
		t.Fatalf("stage %q: %v, %d staged, want one more than %d", title, err, len(b.staged), before)
	}
	return *res.Task
}

func TestStagedChangesCommitInOneTransaction(t *testing.T) {
	b, store := loadedBoard(t)
	events := make(chan *messages.Encoded, 8)
	b.subs[1] = &subscriber{sink: chanSink{ch: events, reason: new(string)}}

	first, second := stage(t, b, "first"), stage(t, b, "second")
	if second.Position != first.Position+1 {
		t.Fatalf("the second staged task sees the first: positions %d and %d", first.Position, second.Position)
	}
	if len(store.commits) != 0 || len(events) != 0 {
		t.Fatal("a staged change was committed or published before the flush")
	}
	replies := b.commitStaged()
	if len(store.commits) != 1 || len(store.commits[0]) != 2 {
		t.Fatalf("commits %v, want one transaction of two changes", len(store.commits))
	}
	for i, want := range []string{"first", "second"} {
		if replies[i].err != nil || replies[i].res.Task.Title != want || replies[i].res.Seq != int64(i+1) {
			t.Fatalf("reply %d: %+v, want %s at seq %d", i, replies[i], want, i+1)
		}
		select {
		case e := <-events:
			if e.Seq != int64(i+1) {
				t.Fatalf("published seq %d, want %d", e.Seq, i+1)
			}
		default: // the flush publishes before it returns
			t.Fatalf("seq %d was not published", i+1)
		}
	}
}

func TestFailedBatchFailsEveryChangeAndReloads(t *testing.T) {
	b, store := loadedBoard(t)
	events := make(chan *messages.Encoded, 8)
	b.subs[1] = &subscriber{sink: chanSink{ch: events, reason: new(string)}}
	stage(t, b, "first")
	stage(t, b, "second")
	store.fail = true
	for i, r := range b.commitStaged() {
		if messages.ErrorCode(r.err) != messages.CodeUnavailable {
			t.Fatalf("reply %d: %v, want unavailable", i, r.err)
		}
	}
	select {
	case _, ok := <-events:
		if ok {
			t.Fatal("an event of a failed batch was published")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the subscription outlived a failed batch")
	}
	res, err := b.snapshot(messages.GetSnapshot{Meta: messages.Meta{UserID: "user-alice"}, BoardID: "board-1"})
	if err != nil || res.Snapshot.Seq != 0 || len(res.Snapshot.Tasks) != 4 {
		t.Fatalf("after a failed batch: %v, seq %d, %d tasks; want the reloaded seq 0 and 4 tasks", err, res.Snapshot.Seq, len(res.Snapshot.Tasks))
	}
}

func TestConflictingBatchDropsTheStagedChange(t *testing.T) {
	b, store := loadedBoard(t)
	events := make(chan *messages.Encoded, 8)
	b.subs[1] = &subscriber{sink: chanSink{ch: events, reason: new(string)}}
	stage(t, b, "phantom")
	store.fail = true
	store.failWith = messages.Errorf(messages.CodeConflict, "this mutation id was already used")
	if r := b.commitStaged(); messages.ErrorCode(r[0].err) != messages.CodeConflict {
		t.Fatalf("reply %v, want the conflict", r[0].err)
	}
	res, err := b.snapshot(messages.GetSnapshot{Meta: messages.Meta{UserID: "user-alice"}, BoardID: "board-1"})
	if err != nil || res.Snapshot.Seq != 0 || len(res.Snapshot.Tasks) != 4 {
		t.Fatalf("after a refused batch: %v, seq %d, %d tasks; want seq 0 and 4 tasks", err, res.Snapshot.Seq, len(res.Snapshot.Tasks))
	}
	// Nothing was published, so the subscriber is in step with the reloaded board and stays.
	select {
	case e, ok := <-events:
		t.Fatalf("the subscriber got %v (open %v), want nothing", e, ok)
	default:
	}
	if len(b.subs) != 1 {
		t.Fatalf("%d subscribers after a refused change, want 1", len(b.subs))
	}
}

// gatedStore records each commit's size and holds a commit while a gate is set, so that a
// test can queue commands behind it.
type gatedStore struct {
	Store
	mu      sync.Mutex
	sizes   []int
	gate    chan struct{} // closed to let the held commit go
	entered chan struct{} // a commit is held
}

func (s *gatedStore) Commit(ctx context.Context, changes ...messages.Change) error {
	s.mu.Lock()
	s.sizes = append(s.sizes, len(changes))
	gate := s.gate
	s.gate = nil
	s.mu.Unlock()
	if gate != nil {
		s.entered <- struct{}{}
		<-gate
	}
	return s.Store.Commit(ctx, changes...)
}

// hold makes the next commit wait until the returned gate is closed.
func (s *gatedStore) hold() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = make(chan struct{})
	return s.gate
}

// A read commits the group staged before it at once, so the commitDue that group sent is
// stale when it arrives: it must not cut the next group short.
func TestStaleCommitDueDoesNotSplitTheNextGroup(t *testing.T) {
	b, _ := loadedBoard(t)
	store := &gatedStore{Store: b.store, entered: make(chan struct{})}
	boards := NewBoards(store, Options{Logger: zerolog.Nop()})
	t.Cleanup(func() { _ = boards.Shutdown(context.Background()) })
	alice := messages.Meta{UserID: "user-alice"}
	var futures []*actor.Future
	send := func(cmd messages.Command) {
		futures = append(futures, boards.system.Root.RequestFuture(boards.manager, cmd, 10*time.Second))
	}
	create := func(title string) {
		send(messages.CreateTask{Meta: alice, BoardID: "board-1", ListID: "list-todo", Title: title})
	}
	// queued returns once the manager has forwarded what was sent before: it answers in order.
	queued := func() {
		if _, err := boards.system.Root.RequestFuture(boards.manager, heldBoards{}, 10*time.Second).Result(); err != nil {
			t.Fatal(err)
		}
	}

	first := store.hold()
	create("c1")
	<-store.entered // c1's commit is held: what follows queues behind it
	create("c2")
	send(messages.GetSnapshot{Meta: alice, BoardID: "board-1"}) // commits c2 alone
	create("c3")
	queued()
	second := store.hold()
	close(first)
	<-store.entered // c2's commit, made by the read, is held
	for _, title := range []string{"c4", "c5", "c6", "c7"} {
		create(title)
	}
	queued()
	close(second)
	for i, f := range futures {
		res, err := f.Result()
		if err != nil || res.(reply).err != nil {
			t.Fatalf("command %d: %v %v", i, err, res)
		}
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if want := []int{1, 1, 5}; !slices.Equal(store.sizes, want) {
		t.Fatalf("commits of %v changes, want %v: c2's stale commitDue cut c3..c7 short", store.sizes, want)
	}
}
