package actors_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
)

// BenchmarkCreateTask measures one mutation through the board actor, SQLite commit included.
func BenchmarkCreateTask(b *testing.B) {
	db, _ := openStore(b)
	boards := startBoards(b, db, actors.Options{})
	ctx := context.Background()
	cmd := messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "bench"}
	for b.Loop() {
		if _, err := boards.Do(ctx, cmd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFanOut measures one committed event reaching 1,000 subscriber queues.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			db, _ := openStore(b)
			boards := startBoards(b, db, actors.Options{})
			ctx := context.Background()
			subs := make([]*messages.Subscription, n)
			for i := range subs {
				sub, err := boards.Subscribe(ctx, messages.Subscribe{Meta: meta(carol), BoardID: "board-1", Live: true, Buffer: 4})
				if err != nil {
					b.Fatal(err)
				}
				subs[i] = sub
			}
			cmd := messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "bench"}
			for b.Loop() {
				if _, err := boards.Do(ctx, cmd); err != nil {
					b.Fatal(err)
				}
				for _, s := range subs {
					<-s.Events
				}
			}
		})
	}
}

// BenchmarkColdActivation measures loading a board of 5,000 tasks into a fresh actor and
// answering its snapshot: plain tasks, and cards that hold two labels, an assignee, a due
// date, three checklist items and two comments each.
func BenchmarkColdActivation(b *testing.B) {
	for _, cards := range []bool{false, true} {
		name := "plain"
		if cards {
			name = "cards"
		}
		b.Run(name, func(b *testing.B) {
			db, _ := openStore(b)
			seedBigBoard(b, startBoards(b, db, actors.Options{}), cards)
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				boards := actors.NewBoards(db, actors.Options{})
				b.StartTimer()
				res, err := boards.Do(ctx, messages.GetSnapshot{Meta: meta(alice), BoardID: "board-1"})
				if err != nil || len(res.Snapshot.Tasks) != 5004 {
					b.Fatalf("snapshot: %v", err)
				}
				b.StopTimer()
				boards.Shutdown(ctx)
				b.StartTimer()
			}
		})
	}
}

// seedBigBoard adds 5,000 tasks to board-1, with what a card holds when cards is set.
func seedBigBoard(b *testing.B, boards *actors.Boards, cards bool) {
	ctx := context.Background()
	do := func(c messages.Command) messages.Result {
		res, err := boards.Do(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	var labels []string
	if cards {
		for _, color := range []string{"red", "green", "blue", "gray"} {
			labels = append(labels, do(messages.CreateLabel{Meta: meta(alice), BoardID: "board-1", Name: color, Color: color}).Label.ID)
		}
	}
	lists := []string{"list-todo", "list-in-progress", "list-done"}
	for i := range 5000 {
		cmd := messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: lists[i%3], Title: fmt.Sprintf("task %d", i)}
		if cards {
			cmd.LabelIDs = &[]string{labels[i%4], labels[(i+1)%4]}
			cmd.AssigneeIDs = &[]string{bob}
			cmd.DueAt = messages.Set("2026-12-24T16:00:00Z")
		}
		task := do(cmd).Task
		if !cards {
			continue
		}
		for j := range 3 {
			do(messages.AddChecklistItem{Meta: meta(alice), BoardID: "board-1", TaskID: task.ID, Text: fmt.Sprintf("step %d of task %d", j, i)})
		}
		for j := range 2 {
			do(messages.AddComment{Meta: meta(alice), BoardID: "board-1", TaskID: task.ID, Body: fmt.Sprintf("comment %d on task %d, with a few more words", j, i)})
		}
	}
}

// BenchmarkCreateTaskConcurrent measures acknowledged creations on one board with 64 callers
// at once: the board commits what queues in its mailbox in one transaction.
func BenchmarkCreateTaskConcurrent(b *testing.B) {
	db, _ := openStore(b)
	boards := startBoards(b, db, actors.Options{})
	ctx := context.Background()
	cmd := messages.CreateTask{Meta: meta(alice), BoardID: "board-1", ListID: "list-todo", Title: "bench"}
	b.SetParallelism(32) // 64 goroutines on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := boards.Do(ctx, cmd); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCreateTaskBoards measures acknowledged creations spread over 100 boards, four
// callers on each at once (as 400 requests in flight over a server's boards): each board
// commits what queues in its mailbox, and the store commits what the boards send at the
// same time in one transaction. commits/s counts acknowledged creations.
func BenchmarkCreateTaskBoards(b *testing.B) {
	const boards, callers = 100, 4
	db, _ := openStore(b)
	bs := startBoards(b, db, actors.Options{})
	ctx := context.Background()
	cmds := make([]messages.CreateTask, boards)
	for i := range cmds {
		created, err := bs.Do(ctx, messages.CreateBoard{Meta: meta(alice), Name: fmt.Sprintf("bench %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		board := created.Board
		res, err := bs.Do(ctx, messages.GetSnapshot{Meta: meta(alice), BoardID: board.ID})
		if err != nil {
			b.Fatal(err)
		}
		cmds[i] = messages.CreateTask{Meta: meta(alice), BoardID: board.ID, ListID: res.Snapshot.Lists[0].ID, Title: "bench"}
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(boards * callers / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		cmd := cmds[(next.Add(1)-1)%boards]
		for pb.Next() {
			if _, err := bs.Do(ctx, cmd); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}
