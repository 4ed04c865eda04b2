package actors_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/internal/pgtest"
	"github.com/taskboard/taskboard/internal/stacktest"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(pgtest.Runner(m))
}

// wait bounds every wait of these tests; nothing here sleeps to synchronise.
const wait = 5 * time.Second

// cheapHash keeps opening and seeding a database fast under -race; the hashing code is the
// real one.
var cheapHash = persistence.HashParams{Time: 1, Memory: 64, Threads: 1}

const (
	alice = "user-alice"
	bob   = "user-bob"
	carol = "user-carol"
)

// openStore opens a demo database in a fresh file.
func openStore(t testing.TB) (*persistence.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "taskboard.db")
	db := openPath(t, path)
	if _, err := db.SeedDemo(context.Background()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return db, path
}

func openPath(t testing.TB, path string) *persistence.DB {
	t.Helper()
	db, err := persistence.Open(context.Background(), path, persistence.Options{Logger: zerolog.Nop(), HashParams: cheapHash})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// lifecycle records board lifecycle steps on a channel.
type lifecycle chan string

func (l lifecycle) hook(id string, e actors.Lifecycle) {
	select {
	case l <- id + " " + string(e):
	default:
	}
}

// await waits for a lifecycle step.
func (l lifecycle) await(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case got := <-l:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within 5s", want)
		}
	}
}

func startBoards(t testing.TB, store actors.Store, opts actors.Options) *actors.Boards {
	t.Helper()
	opts.Logger = zerolog.Nop()
	b := actors.NewBoards(store, opts)
	t.Cleanup(func() {
		if err := b.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return b
}

func meta(user string) messages.Meta { return messages.Meta{UserID: user, RequestID: "req-test"} }

func ptr[T any](v T) *T { return &v }

func createTask(t *testing.T, b *actors.Boards, listID, title string) messages.Task {
	t.Helper()
	res, err := b.Do(context.Background(), messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: listID, Title: title})
	if err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	return *res.Task
}

func snapshot(t *testing.T, b *actors.Boards, user, boardID string) messages.Snapshot {
	t.Helper()
	res, err := b.Do(context.Background(), messages.GetSnapshot{Meta: meta(user), BoardID: boardID})
	if err != nil {
		t.Fatalf("snapshot %s: %v", boardID, err)
	}
	return *res.Snapshot
}

func subscribe(t *testing.T, b *actors.Boards, after *int64, buffer int) *messages.Subscription {
	t.Helper()
	sub, err := b.Subscribe(context.Background(), messages.Subscribe{Meta: meta(alice), BoardID: "board-1", After: after, Live: true, Buffer: buffer})
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	t.Cleanup(func() { b.Unsubscribe(sub) })
	return sub
}

// next receives one event or fails after a deadline.
func next(t *testing.T, sub *messages.Subscription) messages.Encoded {
	t.Helper()
	select {
	case e, ok := <-sub.Events:
		if !ok {
			t.Fatalf("subscription ended: %s", sub.Err())
		}
		return *e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return messages.Encoded{}
}

// recv receives from ch within the tests' wait (see stacktest.Recv).
func recv[T any](t testing.TB, ch <-chan T, what string) (T, bool) {
	t.Helper()
	return stacktest.Recv(t, ch, what, wait)
}

// drain receives from ch until it is closed and returns how many values it held, failing t
// with what if ch is still open after wait.
func drain[T any](t testing.TB, ch <-chan T, what string) int {
	t.Helper()
	deadline := time.After(wait)
	for n := 0; ; n++ {
		select {
		case _, ok := <-ch:
			if !ok {
				return n
			}
		case <-deadline:
			t.Fatalf("%s still open after %s", what, wait)
		}
	}
}

// checkPositions fails unless every list's tasks, and the lists, are numbered 0..n-1.
func checkPositions(t *testing.T, s messages.Snapshot) {
	t.Helper()
	for i, l := range s.Lists {
		if l.Position != i {
			t.Fatalf("list %s at index %d has position %d", l.ID, i, l.Position)
		}
	}
	n := map[string]int{}
	for _, task := range s.Tasks {
		if task.Position != n[task.ListID] {
			t.Fatalf("task %s in %s has position %d, want %d", task.ID, task.ListID, task.Position, n[task.ListID])
		}
		n[task.ListID]++
	}
}
