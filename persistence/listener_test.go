package persistence_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// listening counts the connections of db's database whose last statement was a LISTEN.
func listening(t *testing.T, db *persistence.DB) int {
	t.Helper()
	var n int
	err := db.Bun().QueryRowContext(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A node hears commits, rooms and revocations on one connection, which a watcher that comes
// later shares (and is told is listening), and which closes when the last watcher stops.
func TestOneListeningConnectionPerNode(t *testing.T) {
	postgresOnly(t)
	a, _ := openSeeded(t)
	b := openAt(t, a.URL(), newClock())
	run := func(ctx context.Context, f func(ctx context.Context)) (stop func()) {
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); f(ctx) }()
		stop = func() { cancel(); <-done }
		t.Cleanup(stop)
		return stop
	}
	heard, resynced := make(chan heardAt, 10), make(chan struct{}, 10)
	stopWatch := run(context.Background(), func(ctx context.Context) {
		b.Watch(ctx, func(id string, seq int64) { heard <- heardAt{id, seq} }, func() { resynced <- struct{}{} })
	})
	recvOrFail(t, resynced, "resync on listen")
	rooms := make(chan string, 10)
	stopRoom := run(context.Background(), func(ctx context.Context) {
		b.WatchRoom(ctx, func(p []byte) { rooms <- string(p) }, func() { resynced <- struct{}{} })
	})
	recvOrFail(t, resynced, "resync of a watcher that joins a listening connection")
	stopRevocations := run(context.Background(), func(ctx context.Context) {
		b.WatchRevocations(ctx, time.Hour, func(messages.Revocation) {})
	})
	if n := listening(t, b); n != 1 {
		t.Fatalf("%d listening connections, want 1", n)
	}

	if err := a.Commit(context.Background(), taskCreated(t, 1, newTask("board-1", "list-todo", "task-l", 2))); err != nil {
		t.Fatal(err)
	}
	if h := recvOrFail(t, heard, "announcement"); h != (heardAt{"board-1", 1}) {
		t.Fatalf("heard %v", h)
	}
	a.PublishRoom("", []byte(`{"n":1}`))
	if got := recvOrFail(t, rooms, "room message"); got != `{"n":1}` {
		t.Fatalf("room message %q", got)
	}

	stopRoom()
	stopRevocations()
	if n := listening(t, b); n != 1 {
		t.Fatalf("%d listening connections while Watch still runs, want 1", n)
	}
	stopWatch() // returns once the listener has closed its connection
	deadline := time.Now().Add(5 * time.Second)
	for listening(t, b) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the listening connection outlived its last watcher")
		}
		time.Sleep(10 * time.Millisecond) // Postgres ends the backend after the client's Terminate
	}

	// A watcher that comes after the last one left starts the listener again.
	run(context.Background(), func(ctx context.Context) {
		b.Watch(ctx, func(id string, seq int64) { heard <- heardAt{id, seq} }, func() { resynced <- struct{}{} })
	})
	recvOrFail(t, resynced, "resync on listening again")
	if err := a.Commit(context.Background(), taskCreated(t, 2, newTask("board-1", "list-todo", "task-m", 3))); err != nil {
		t.Fatal(err)
	}
	if h := recvOrFail(t, heard, "announcement after listening again"); h != (heardAt{"board-1", 2}) {
		t.Fatalf("heard %v", h)
	}
}

// Watchers that come and go at once share one listener at a time and leave none behind.
func TestListenerWatchersComeAndGo(t *testing.T) {
	postgresOnly(t)
	a, _ := openSeeded(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			resynced := make(chan struct{}, 4)
			done := make(chan struct{})
			go func() {
				defer close(done)
				a.WatchRoom(ctx, func([]byte) {}, func() { resynced <- struct{}{} })
			}()
			if i%2 == 0 { // some leave once listening, the others at once
				select {
				case <-resynced:
				case <-time.After(10 * time.Second):
					t.Error("a watcher was never told the listener is up")
				}
			}
			cancel()
			<-done
		})
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for listening(t, a) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a listening connection outlived every watcher")
		}
		time.Sleep(10 * time.Millisecond) // Postgres ends the backend after the client's Terminate
	}
}
