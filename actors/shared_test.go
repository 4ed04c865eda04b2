package actors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/internal/pgtest"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// openShared opens n nodes' stores on one fresh Postgres database holding the demo data.
func openShared(t testing.TB, n int) []*persistence.DB {
	t.Helper()
	url := pgtest.Shared(t).NewDatabase(t)
	dbs := make([]*persistence.DB, n)
	for i := range dbs {
		db, err := persistence.Open(context.Background(), url, persistence.Options{Logger: zerolog.Nop(), HashParams: cheapHash})
		if err != nil {
			t.Fatalf("open node %d: %v", i, err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	if _, err := dbs[0].SeedDemo(context.Background()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return dbs
}

// collect receives a subscription's events up to seq upTo and fails on a gap or a repeat.
func collect(t *testing.T, sub *messages.Subscription, upTo int64) [][]byte {
	t.Helper()
	var got [][]byte
	for seq := sub.Seq + 1; seq <= upTo; seq++ {
		e := next(t, sub)
		if e.Seq != seq {
			t.Fatalf("got seq %d, want %d", e.Seq, seq)
		}
		got = append(got, e.JSON)
	}
	return got
}

// scramble runs random task and list changes on board-1 through b, as alice, until n have
// committed; changes that lose to another node's (a task deleted meanwhile) are expected.
func scramble(t *testing.T, b *actors.Boards, seed uint64, n int) {
	rnd := rand.New(rand.NewPCG(seed, 1))
	ctx := context.Background()
	for done := 0; done < n; {
		s := snapshot(t, b, alice, "board-1")
		var cmd messages.Command
		list := s.Lists[rnd.IntN(len(s.Lists))]
		task := func() messages.Task { return s.Tasks[rnd.IntN(len(s.Tasks))] }
		switch op := rnd.IntN(18); {
		case op < 3 || len(s.Tasks) < 3:
			cmd = messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: list.ID, Title: fmt.Sprint("t", seed, "-", done), Position: ptr(rnd.IntN(4))}
		case op < 5:
			cmd = messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: task().ID, Title: messages.Set(fmt.Sprint("u", seed, "-", done))}
		case op < 8:
			cmd = messages.MoveTask{Meta: meta(alice), BoardID: "board-1", TaskID: task().ID, ListID: list.ID, Position: ptr(rnd.IntN(5))}
		case op < 9:
			cmd = messages.DeleteTask{Meta: meta(alice), BoardID: "board-1", TaskID: task().ID}
		case op < 10:
			cmd = messages.UpdateList{Meta: meta(alice), BoardID: "board-1", ListID: list.ID, Position: ptr(rnd.IntN(len(s.Lists)))}
		case op < 11:
			cmd = messages.CreateLabel{Meta: meta(alice), BoardID: "board-1", Name: fmt.Sprint("l", seed, "-", done), Color: "blue"}
		case op < 12 && len(s.Labels) > 0:
			l := s.Labels[rnd.IntN(len(s.Labels))]
			if rnd.IntN(3) == 0 {
				cmd = messages.DeleteLabel{Meta: meta(alice), BoardID: "board-1", LabelID: l.ID}
			} else {
				cmd = messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: task().ID, LabelIDs: &[]string{l.ID}}
			}
		case op < 13:
			cmd = messages.AddChecklistItem{Meta: meta(alice), BoardID: "board-1", TaskID: task().ID, Text: fmt.Sprint("c", seed, "-", done), Position: ptr(rnd.IntN(3))}
		case op < 14:
			if items := task().Checklist; len(items) > 0 {
				cmd = messages.UpdateChecklistItem{Meta: meta(alice), BoardID: "board-1", ItemID: items[rnd.IntN(len(items))].ID, Done: ptr(true), Position: ptr(0)}
			}
		case op < 15:
			cmd = messages.ArchiveTask{Meta: meta(alice), BoardID: "board-1", TaskID: task().ID}
		case op < 16:
			archived := snapshotArchived(t, b)
			if len(archived) > 0 {
				cmd = messages.RestoreTask{Meta: meta(alice), BoardID: "board-1", TaskID: archived[rnd.IntN(len(archived))].ID, ListID: &list.ID, Position: ptr(rnd.IntN(3))}
			}
		default:
			cmd = messages.AddComment{Meta: meta(alice), BoardID: "board-1", TaskID: task().ID, Body: fmt.Sprint("m", seed, "-", done)}
		}
		if cmd == nil {
			continue
		}
		_, err := b.Do(ctx, cmd)
		switch code := messages.ErrorCode(err); {
		case err == nil:
			done++
		case code == messages.CodeNotFound, code == messages.CodeConflict, code == messages.CodeValidation:
			// raced with another writer: the task, label or item went, or was archived
		default:
			t.Errorf("%T: %v", cmd, err)
			return
		}
	}
}

// snapshotArchived returns board-1's archived tasks.
func snapshotArchived(t *testing.T, b *actors.Boards) []messages.Task {
	t.Helper()
	res, err := b.Do(context.Background(), messages.ListTasks{Meta: meta(alice), BoardID: "board-1", Filter: messages.TaskFilter{Archived: true}})
	if err != nil {
		t.Fatalf("archived tasks: %v", err)
	}
	return res.Tasks
}

// Two nodes on one Postgres database, changing one board at once: every subscriber on either
// node sees the same events 1..N, once each, in the same order, and both nodes end with the
// state the database holds.
func TestNodesShareOneBoard(t *testing.T) {
	dbs := openShared(t, 3)
	a, b := startBoards(t, dbs[0], actors.Options{}), startBoards(t, dbs[1], actors.Options{})
	subA, subB := subscribe(t, a, ptr(int64(0)), 10000), subscribe(t, b, ptr(int64(0)), 10000)

	const perNode = 150
	var wg sync.WaitGroup
	for i, node := range []*actors.Boards{a, b} {
		wg.Go(func() { scramble(t, node, uint64(i+1), perNode) })
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	want := snapshot(t, a, alice, "board-1").Seq // a change that changed nothing has no event
	gotA, gotB := collect(t, subA, want), collect(t, subB, want)
	for i := range gotA {
		if !bytes.Equal(gotA[i], gotB[i]) {
			t.Fatalf("event %d differs between nodes:\n%s\n%s", i+1, gotA[i], gotB[i])
		}
	}

	// What clients see of the state: its JSON.
	state := func(b *actors.Boards) string {
		s := snapshot(t, b, alice, "board-1")
		checkPositions(t, s)
		data, err := json.MarshalIndent(struct {
			messages.Snapshot
			Archived []messages.Task
		}{s, snapshotArchived(t, b)}, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	stored := state(startBoards(t, dbs[2], actors.Options{}))
	for name, node := range map[string]*actors.Boards{"a": a, "b": b} {
		if diff := cmp.Diff(stored, state(node)); diff != "" {
			t.Errorf("node %s differs from the database (-stored +node):\n%s", name, diff)
		}
	}
}

// A node that only reads hears of another node's change through the watcher, without any
// command of its own, and a read on it sees a write just acknowledged elsewhere.
func TestNodeDeliversAnotherNodesCommit(t *testing.T) {
	for _, notify := range []bool{true, false} {
		t.Run(fmt.Sprint("notify=", notify), func(t *testing.T) {
			url := pgtest.Shared(t).NewDatabase(t)
			open := func() *persistence.DB {
				db, err := persistence.Open(context.Background(), url, persistence.Options{
					Logger: zerolog.Nop(), HashParams: cheapHash, NoNotify: !notify})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			dbA, dbB := open(), open()
			if _, err := dbA.SeedDemo(context.Background()); err != nil {
				t.Fatal(err)
			}
			a, b := startBoards(t, dbA, actors.Options{}), startBoards(t, dbB, actors.Options{})
			sub := subscribe(t, b, nil, 0)
			task := createTask(t, a, "list-todo", "from A")
			e := next(t, sub) // by notification, or by the poll within a second
			if e.Seq != 1 || decode(t, e).Task.ID != task.ID {
				t.Fatalf("node B got %s", e.JSON)
			}
			moved, err := a.Do(context.Background(), messages.MoveTask{Meta: meta(alice), BoardID: "board-1", TaskID: task.ID, ListID: "list-done", Position: ptr(0)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := b.Do(context.Background(), messages.GetTask{Meta: meta(alice), BoardID: "board-1", TaskID: task.ID})
			if err != nil || res.Task.ListID != "list-done" || res.Seq != moved.Seq {
				t.Fatalf("read on B after the move on A: %+v, %v", res.Task, err)
			}
		})
	}
}

// A member removed on one node loses their streams on the other at once.
func TestRemovalEndsStreamsOnEveryNode(t *testing.T) {
	dbs := openShared(t, 2)
	a, b := startBoards(t, dbs[0], actors.Options{}), startBoards(t, dbs[1], actors.Options{})
	sub, err := b.Subscribe(context.Background(), messages.Subscribe{Meta: meta(bob), BoardID: "board-1", Live: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Unsubscribe(sub)
	if _, err := a.Do(context.Background(), messages.RemoveMember{Meta: meta(alice), BoardID: "board-1", UserID: bob}); err != nil {
		t.Fatal(err)
	}
	drain(t, sub.Events, "bob's stream on the other node")
	if sub.Err() != messages.EndRevoked {
		t.Fatalf("bob's stream ended with %q, want %q", sub.Err(), messages.EndRevoked)
	}
}

// Concurrent changes on one node commit in batches, each written as its net effect: the
// database ends as the board's memory, on SQLite as on Postgres.
func TestBatchesMatchTheDatabase(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { scramble(t, b, uint64(10+i), 60) })
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	mem := snapshot(t, b, alice, "board-1")
	checkPositions(t, mem)
	stored, err := db.LoadBoard(context.Background(), "board-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var live []messages.Task
	for _, task := range stored.Tasks {
		if !task.Archived() {
			live = append(live, task)
		}
	}
	got := messages.Snapshot{Board: mem.Board, Lists: stored.Lists, Tasks: live, Labels: stored.Labels, Seq: stored.Seq}
	want, _ := json.Marshal(mem)
	have, _ := json.Marshal(got)
	if diff := cmp.Diff(string(want), string(have)); diff != "" {
		t.Fatalf("the database differs from the board's memory (-memory +database):\n%s", diff)
	}
}

// A mutation id retried on another node gets the first answer, and If-Match is checked
// against the version another node wrote.
func TestRetriesAndVersionsAcrossNodes(t *testing.T) {
	dbs := openShared(t, 2)
	a, b := startBoards(t, dbs[0], actors.Options{}), startBoards(t, dbs[1], actors.Options{})
	ctx := context.Background()
	m := meta(alice)
	m.MutationID = "retry-1"
	create := messages.CreateTask{Meta: m, BoardID: "board-1", ListID: "list-todo", Title: "once"}
	first, err := a.Do(ctx, create)
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Do(ctx, create)
	if err != nil || again.Task.ID != first.Task.ID || again.Seq != first.Seq {
		t.Fatalf("retry on the other node = %+v, %v; want the first answer %+v", again.Task, err, first.Task)
	}
	if n := len(snapshot(t, b, alice, "board-1").Tasks); n != 5 {
		t.Fatalf("%d tasks after a retried creation, want 5", n)
	}

	rename := func(node *actors.Boards, title string, version int) error {
		_, err := node.Do(ctx, messages.UpdateTask{Meta: meta(alice), BoardID: "board-1", TaskID: first.Task.ID,
			Title: messages.Set(title), IfMatch: ptr(version)})
		return err
	}
	if err := rename(a, "renamed on A", first.Task.Version); err != nil {
		t.Fatal(err)
	}
	if err := rename(b, "stale on B", first.Task.Version); messages.ErrorCode(err) != messages.CodePreconditionFailed {
		t.Fatalf("stale If-Match on the other node: %v, want precondition_failed", err)
	}
}
