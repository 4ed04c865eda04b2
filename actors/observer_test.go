package actors_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
)

// countingObserver counts what the boards report.
type countingObserver struct {
	mu                          sync.Mutex
	started, stopped, dropped   int
	commits, changes, published int
	mutations                   []string // error codes, "" for success
}

func (o *countingObserver) BoardStarted() { o.mu.Lock(); o.started++; o.mu.Unlock() }
func (o *countingObserver) BoardStopped() { o.mu.Lock(); o.stopped++; o.mu.Unlock() }
func (o *countingObserver) Dropped()      { o.mu.Lock(); o.dropped++; o.mu.Unlock() }
func (o *countingObserver) Committed(n int, _ time.Duration, _ error) {
	o.mu.Lock()
	o.commits++
	o.changes += n
	o.mu.Unlock()
}
func (o *countingObserver) Published(messages.EventType, int) {
	o.mu.Lock()
	o.published++
	o.mu.Unlock()
}
func (o *countingObserver) Mutated(_ time.Duration, code string) {
	o.mu.Lock()
	o.mutations = append(o.mutations, code)
	o.mu.Unlock()
}

func (o *countingObserver) snapshot() countingObserver {
	o.mu.Lock()
	defer o.mu.Unlock()
	return countingObserver{started: o.started, stopped: o.stopped, dropped: o.dropped, commits: o.commits,
		changes: o.changes, published: o.published, mutations: append([]string(nil), o.mutations...)}
}

func TestObserverSeesBoardsCommitsEventsAndDrops(t *testing.T) {
	db, _ := openStore(t)
	obs := &countingObserver{}
	life := make(lifecycle, 16)
	b := actors.NewBoards(db, actors.Options{Logger: zerolog.Nop(), Observer: obs, OnLifecycle: life.hook})
	ctx := context.Background()
	shut := false
	t.Cleanup(func() {
		if !shut {
			_ = b.Shutdown(ctx)
		}
	})

	live := subscribe(t, b, nil, 0)
	slow := subscribe(t, b, nil, 1) // full after one event: dropped by the second
	createTask(t, b, "list-todo", "one")
	createTask(t, b, "list-todo", "two")
	if _, err := b.Do(ctx, messages.CreateTask{Meta: meta(carol), BoardID: "board-1", ListID: "list-todo", Title: "viewer"}); err == nil {
		t.Fatal("a viewer created a task")
	}
	if _, err := b.Do(ctx, messages.GetSnapshot{Meta: meta(alice), BoardID: "board-1"}); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	next(t, live)
	next(t, live)
	drain(t, slow.Events, "slow subscription")
	if slow.Err() != messages.EndSlow {
		t.Fatalf("slow subscriber ended with %q, want %q", slow.Err(), messages.EndSlow)
	}

	got := obs.snapshot()
	if got.started != 1 || got.stopped != 0 {
		t.Fatalf("boards started %d, stopped %d; want 1, 0", got.started, got.stopped)
	}
	if got.published != 2 || got.changes != 2 || got.commits < 1 || got.commits > 2 {
		t.Fatalf("published %d, committed %d changes in %d commits; want 2, 2 in 1 or 2", got.published, got.changes, got.commits)
	}
	if got.dropped != 1 {
		t.Fatalf("dropped %d, want 1", got.dropped)
	}
	want := []string{"", "", string(messages.CodeForbidden)} // the snapshot is not a mutation
	if len(got.mutations) != len(want) || got.mutations[0] != want[0] || got.mutations[1] != want[1] || got.mutations[2] != want[2] {
		t.Fatalf("mutations %q, want %q", got.mutations, want)
	}

	shut = true
	if err := b.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	life.await(t, "board-1 stopped")
	if got := obs.snapshot(); got.stopped != 1 {
		t.Fatalf("boards stopped %d after shutdown, want 1", got.stopped)
	}
}
