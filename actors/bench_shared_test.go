package actors_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
)

// BenchmarkNodesOneBoard measures task creations on one board written through several nodes
// on one Postgres database at once (64 writers per node): the board's row serializes them,
// and each node's queued commands commit together. Reported as committed writes per second.
func BenchmarkNodesOneBoard(b *testing.B) {
	for _, nodes := range []int{1, 3} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			dbs := openShared(b, nodes)
			boards := make([]*actors.Boards, nodes)
			for i, db := range dbs {
				boards[i] = startBoards(b, db, actors.Options{})
			}
			const writers = 64
			cmds := make([]messages.CreateTask, writers)
			for i := range cmds {
				cmds[i] = messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "bench"}
			}
			b.ResetTimer()
			writeThroughEvery(b, boards, cmds)
		})
	}
}

// BenchmarkNodesManyBoards measures task creations on 100 boards written through three nodes
// on one Postgres database at once, every board through every node (one writer per board and
// node): each write may find the board's row last held by another node, as behind a load
// balancer that does not route by board. Reported as committed writes per second.
func BenchmarkNodesManyBoards(b *testing.B) {
	const boards, nodes = 100, 3
	dbs := openShared(b, nodes)
	nodeBoards := make([]*actors.Boards, nodes)
	for i, db := range dbs {
		// 300 writers on two shared cores: a write may queue longer than the default 5 s.
		nodeBoards[i] = startBoards(b, db, actors.Options{AskTimeout: time.Minute})
	}
	ctx := context.Background()
	cmds := make([]messages.CreateTask, boards)
	for i := range cmds {
		created, err := nodeBoards[0].Do(ctx, messages.CreateBoard{Meta: meta(alice), Name: fmt.Sprintf("bench %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		res, err := nodeBoards[0].Do(ctx, messages.GetSnapshot{Meta: meta(alice), BoardID: created.Board.ID})
		if err != nil {
			b.Fatal(err)
		}
		cmds[i] = messages.CreateTask{Meta: meta(alice), BoardID: created.Board.ID, ListID: res.Snapshot.Lists[0].ID, Title: "bench"}
		for _, node := range nodeBoards[1:] { // every node has the board loaded before the clock starts
			if _, err := node.Do(ctx, messages.GetSnapshot{Meta: meta(alice), BoardID: created.Board.ID}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	writeThroughEvery(b, nodeBoards, cmds)
}

// writeThroughEvery runs b.N commands (rounded up) from one writer per command and node, each
// writer sending its command again and again, and reports the committed writes per second.
func writeThroughEvery(b *testing.B, nodes []*actors.Boards, cmds []messages.CreateTask) {
	ctx := context.Background()
	writers := len(nodes) * len(cmds)
	per := (b.N + writers - 1) / writers
	var wg sync.WaitGroup
	for _, node := range nodes {
		for _, cmd := range cmds {
			wg.Go(func() {
				for range per {
					if _, err := node.Do(ctx, cmd); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	b.ReportMetric(float64(per*writers)/b.Elapsed().Seconds(), "writes/s")
}
