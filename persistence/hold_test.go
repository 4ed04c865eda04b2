package persistence_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

func postgresOnly(t *testing.T) {
	t.Helper()
	if backend != "postgres" {
		t.Skip("Postgres only: several nodes share a database")
	}
}

// On SQLite the board is the only writer: nothing to hold, nothing missed.
func TestHoldOnSQLiteIsFree(t *testing.T) {
	sqliteOnly(t)
	db, _ := openSeeded(t)
	h, missed, err := db.Hold(context.Background(), "board-1", 0)
	if h != nil || missed != nil || err != nil {
		t.Fatalf("Hold = %v, %v, %v; want nil, nil, nil", h, missed, err)
	}
	if err := db.Commit(context.Background(), taskCreated(t, 1, newTask("board-1", "list-todo", "task-x", 2))); err != nil {
		t.Fatal(err)
	}
	if missed, err := db.Missed(context.Background(), "board-1", 0); missed != nil || err != nil {
		t.Fatalf("Missed = %v, %v; want nothing", missed, err)
	}
}

// Two nodes holding one board take turns, and the second learns what the first committed.
func TestHoldSerializesNodes(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	a, _ := openSeeded(t)
	b := openAt(t, a.URL(), newClock())

	held, missed, err := a.Hold(ctx, "board-1", 0)
	if err != nil || len(missed) != 0 {
		t.Fatalf("Hold on a = %v, %v", missed, err)
	}
	type result struct {
		h      messages.Hold
		missed []messages.Encoded
		err    error
	}
	second := make(chan result, 1)
	go func() {
		h, missed, err := b.Hold(ctx, "board-1", 0)
		second <- result{h, missed, err}
	}()
	select {
	case r := <-second:
		t.Fatalf("b held the board while a held it: %+v", r)
	case <-time.After(100 * time.Millisecond): // proves a wait, never synchronises one
	}
	if err := held.Commit(ctx, taskCreated(t, 1, newTask("board-1", "list-todo", "task-a", 2))); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-second:
	case <-time.After(5 * time.Second):
		t.Fatal("b still waits after a committed")
	}
	if r.err != nil || len(r.missed) != 1 || r.missed[0].Seq != 1 || r.missed[0].Type != messages.TaskCreated {
		t.Fatalf("b's Hold = %+v", r)
	}
	r.h.Release()
	if missed, err := b.Missed(ctx, "board-1", 0); err != nil || len(missed) != 1 {
		t.Fatalf("Missed = %v, %v", missed, err)
	}
	if missed, err := b.Missed(ctx, "board-nope", 0); err != nil || len(missed) != 0 {
		t.Fatalf("Missed of a missing board = %v, %v; want nothing", missed, err)
	}
	if _, _, err := b.Hold(ctx, "board-nope", 0); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("Hold of a missing board: %v", err)
	}
}

// A board whose missed events were pruned must reload rather than replay.
func TestMissedPrunedEventsIsBehind(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	db, _ := openSeeded(t)
	for seq := int64(1); seq <= 3; seq++ {
		c := taskCreated(t, seq, newTask("board-1", "list-todo", "task-p"+string(rune('0'+seq)), 2))
		if seq == 3 {
			c.PruneBefore = 3
		}
		if err := db.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Missed(ctx, "board-1", 0); !errors.Is(err, persistence.ErrBehind) {
		t.Fatalf("Missed after pruning = %v, want ErrBehind", err)
	}
	if _, _, err := db.Hold(ctx, "board-1", 1); !errors.Is(err, persistence.ErrBehind) {
		t.Fatalf("Hold after pruning = %v, want ErrBehind", err)
	}
	if missed, err := db.Missed(ctx, "board-1", 2); err != nil || len(missed) != 1 {
		t.Fatalf("Missed from a kept seq = %v, %v", missed, err)
	}
}

// heardAt is an announcement a node heard.
type heardAt struct {
	board string
	seq   int64
}

// watch runs db.Watch until the test ends and returns what it hears, once it listens.
func watch(t *testing.T, db *persistence.DB) <-chan heardAt {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	heard, resynced := make(chan heardAt, 10), make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.Watch(ctx, func(id string, seq int64) { heard <- heardAt{id, seq} }, func() { resynced <- struct{}{} })
	}()
	t.Cleanup(func() { cancel(); <-done })
	recvOrFail(t, resynced, "resync on listen")
	return heard
}

// A commit is announced to every node that watches, whether made in a hold (in its own
// batch) or not (by the notifier), and Seqs reads where boards are.
func TestWatchHearsCommits(t *testing.T) {
	postgresOnly(t)
	a, _ := openSeeded(t)
	b := openAt(t, a.URL(), newClock())
	heard := watch(t, b)
	if err := a.Commit(context.Background(), taskCreated(t, 1, newTask("board-1", "list-todo", "task-w", 2))); err != nil {
		t.Fatal(err)
	}
	if h := recvOrFail(t, heard, "announcement"); h != (heardAt{"board-1", 1}) {
		t.Fatalf("heard %v", h)
	}
	if err := holdAndCommit(a, 1, twoCreations(t, 2)...); err != nil {
		t.Fatal(err)
	}
	if h := recvOrFail(t, heard, "announcement of a held commit"); h != (heardAt{"board-1", 3}) {
		t.Fatalf("heard %v", h)
	}
	seqs, err := b.Seqs(context.Background(), []string{"board-1", "board-2", "board-nope"})
	if err != nil || len(seqs) != 2 || seqs["board-1"] != 3 || seqs["board-2"] != 0 {
		t.Fatalf("Seqs = %v, %v", seqs, err)
	}
}

// A held commit's announcement runs after its COMMIT, in the same batch: when it fails, the
// commit stands and Commit succeeds; the other nodes find it by polling.
func TestHeldCommitStandsWhenItsAnnouncementFails(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	a, _ := openSeeded(t)
	// A pg_notify of the database's own, found before Postgres's (pg_catalog last in the
	// path), fails every announcement of the nodes that connect from now on.
	for _, stmt := range []string{
		`CREATE FUNCTION public.pg_notify(text, text) RETURNS void LANGUAGE plpgsql
			AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`,
		`DO $$ BEGIN
			EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database());
		END $$`,
	} {
		if _, err := a.Bun().ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	b := openAt(t, a.URL(), newClock())
	if err := holdAndCommit(b, 0, twoCreations(t, 1)...); err != nil {
		t.Fatalf("Commit with a failing announcement: %v", err)
	}
	got, err := a.LoadBoard(ctx, "board-1", 10)
	if err != nil || got.Seq != 2 {
		t.Fatalf("after the commit: seq %d, %v; want 2", got.Seq, err)
	}
}

func recvOrFail[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s within 5s", what)
	}
	var zero T
	return zero
}

// A credential ended on one node is passed on to the others, whose cache forgets it.
func TestRevocationsReachOtherNodes(t *testing.T) {
	postgresOnly(t)
	ctx, cancel := context.WithCancel(context.Background())
	a, _ := openSeeded(t)
	b := openAt(t, a.URL(), newClock())
	s, err := a.Login(ctx, "alice@example.com", persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Authenticate(ctx, s.Token) // cached on b from now on
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan messages.Revocation, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.WatchRevocations(ctx, time.Hour, func(r messages.Revocation) { ended <- r })
	}()
	defer func() { cancel(); <-done }()
	// The watcher reads where the log ends first; a revocation before that is not news.
	// Logging out until one arrives proves it reads what follows, without a sleep.
	deadline := time.After(5 * time.Second)
	for got := false; !got; {
		s2, err := a.Login(ctx, "alice@example.com", persistence.DemoPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Logout(ctx, s2.Token); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ended:
			got = true
		case <-deadline:
			t.Fatal("no revocation reached the other node")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := a.Logout(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	// Earlier rounds of the loop may still be on their way: the session's comes after them.
	for r := recvOrFail(t, ended, "revocation"); r.CredentialID != p.CredentialID; r = recvOrFail(t, ended, "revocation") {
	}
	if _, err := b.Authenticate(ctx, s.Token); messages.ErrorCode(err) != messages.CodeUnauthorized {
		t.Fatalf("Authenticate on b after logout on a: %v", err)
	}
}

// Boards holding their rows never take the connections their own reads need: with a pool of
// two, a second board waits for the first's hold while the first still reads.
func TestHoldsLeaveConnectionsForReads(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	first, _ := openSeeded(t)
	db, err := persistence.Open(ctx, first.URL(), persistence.Options{HashParams: cheapHash, PoolSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	held, _, err := db.Hold(ctx, "board-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	second, readsDone := make(chan error, 1), make(chan struct{})
	go func() {
		h, _, err := db.Hold(ctx, "board-2", 0)
		if err == nil {
			<-readsDone // a board that holds its row a while
			h.Release()
		}
		second <- err
	}()
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for range 3 { // the holder's reads, while the other board waits for a hold
		if _, _, err := db.Idempotent(readCtx, "user-alice", "nothing"); err != nil {
			t.Fatalf("a read while a board holds its row: %v", err)
		}
	}
	close(readsDone)
	held.Release()
	if err := recvOrFail(t, second, "the second hold"); err != nil {
		t.Fatal(err)
	}
}
