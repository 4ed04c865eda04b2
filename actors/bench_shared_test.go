package actors_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

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
			ctx := context.Background()
			cmd := messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "bench"}
			b.ResetTimer()
			var wg sync.WaitGroup
			per := (b.N + nodes*writers - 1) / (nodes * writers)
			for _, node := range boards {
				for range writers {
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
			b.ReportMetric(float64(per*nodes*writers)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}
