package persistence_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// Search measured on a board of 20,000 tasks and across 100 boards of 200 tasks each, every
// task with a description, most with a checklist and comments, their words drawn from a
// vocabulary of 3,000 with Zipf's law. Each query kind is a sub-benchmark reporting p50 and
// p99 in ms. On Postgres with TASKBOARD_STORE_BACKEND=postgres (docs/performance.md).

// searchCorpus draws the text of the benchmarks' tasks and comments.
type searchCorpus struct {
	vocab []string
	r     *rand.Rand
	zipf  *rand.Zipf
}

func newSearchCorpus() *searchCorpus {
	r := rand.New(rand.NewPCG(1, 2))
	consonants, vowels := "bdfgklmnprstvz", "aeiou"
	seen := map[string]bool{}
	var vocab []string
	for len(vocab) < 3000 {
		var w strings.Builder
		for range 2 + r.IntN(3) {
			w.WriteByte(consonants[r.IntN(len(consonants))])
			w.WriteByte(vowels[r.IntN(len(vowels))])
		}
		if s := w.String(); !seen[s] {
			seen[s] = true
			vocab = append(vocab, s)
		}
	}
	return &searchCorpus{vocab: vocab, r: r, zipf: rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))}
}

// text is n to m words.
func (c *searchCorpus) text(n, m int) string {
	words := make([]string, n+c.r.IntN(m-n+1))
	for i := range words {
		words[i] = c.vocab[c.zipf.Uint64()]
	}
	return strings.Join(words, " ")
}

// fill commits tasks tasks to board (on its list board+"-list") in changes of 500, and up to
// 3 comments each (one on average), from seq 1.
func (c *searchCorpus) fill(b *testing.B, db *persistence.DB, board string, tasks int) {
	ctx := context.Background()
	seq := int64(0)
	var batch []messages.Task
	var comments []messages.Comment
	flush := func() {
		seq++
		ch := change(b, board, seq, messages.Event{Type: messages.TaskCreated, Task: &batch[0]})
		ch.PutTasks, ch.PutComments = batch, comments
		if err := db.Commit(ctx, ch); err != nil {
			b.Fatal(err)
		}
		batch, comments = batch[:0], comments[:0]
	}
	for i := range tasks {
		t := newTask(board, board+"-list", fmt.Sprintf("%s-t%05d", board, i), i)
		t.Title = c.text(2, 6)
		t.Description = ptr(c.text(5, 40))
		for j := range c.r.IntN(4) {
			t.Checklist = append(t.Checklist, messages.ChecklistItem{ID: fmt.Sprintf("%s~%d", t.ID, j), Text: c.text(1, 5), Position: j})
		}
		batch = append(batch, t)
		for j := range c.r.IntN(3) {
			comments = append(comments, messages.Comment{ID: fmt.Sprintf("%s-c%d", t.ID, j), BoardID: board, TaskID: t.ID,
				AuthorID: "user-alice", Body: c.text(3, 30)})
		}
		if len(batch) == 500 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
}

// queries are the kinds of query measured, drawn from the vocabulary by rank: 0 is the most
// frequent word (in about one text in eight), 2,500 one of the rarest.
func (c *searchCorpus) queries() []struct{ name, q string } {
	return []struct{ name, q string }{
		{"common", c.vocab[0]},
		{"frequent", c.vocab[20]},
		{"rare", c.vocab[2500]},
		{"two_words", c.vocab[3] + " " + c.vocab[40]},
		{"prefix_2", c.vocab[0][:2]},
		{"prefix_3", c.vocab[1][:3]},
		{"three_words_typed", c.vocab[2] + " " + c.vocab[30] + " " + c.vocab[100][:3]},
		{"absent", "qqqq"},
	}
}

// openBench opens an empty database of the backend the tests run on, with the demo users.
func openBench(b *testing.B) *persistence.DB {
	db, _ := openSeeded(b)
	return db
}

// analyze gives Postgres's planner the statistics that autovacuum would have gathered by
// the time a database of this size is searched.
func analyze(b *testing.B, db *persistence.DB) {
	if backend != "postgres" {
		return
	}
	if _, err := db.Bun().ExecContext(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

func benchBoard(b *testing.B, db *persistence.DB, id string) {
	err := db.CreateBoard(context.Background(), messages.NewBoard{
		Board:   messages.Board{ID: id, Name: id},
		Lists:   []messages.List{{ID: id + "-list", Name: "To Do"}},
		OwnerID: "user-alice",
	})
	if err != nil {
		b.Fatal(err)
	}
}

// measure runs query once per iteration and reports the p50 and p99 of its durations.
func measure(b *testing.B, query func() (int, error)) {
	var took []time.Duration
	found := 0
	for b.Loop() {
		start := time.Now()
		n, err := query()
		took = append(took, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		found = n
	}
	slices.Sort(took)
	at := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(found), "tasks")
}

// BenchmarkSearchBoard measures a board's search by words (ListTasks with q): MatchTasks on
// one board of 20,000 tasks, up to MaxTasksMatched ids; and, as small_board_*, on a board of
// 200 tasks next to it.
func BenchmarkSearchBoard(b *testing.B) {
	db := openBench(b)
	corpus := newSearchCorpus()
	benchBoard(b, db, "big")
	benchBoard(b, db, "small")
	start := time.Now()
	corpus.fill(b, db, "big", 20_000)
	corpus.fill(b, db, "small", 200)
	b.Logf("20,000 tasks seeded in %v", time.Since(start).Round(time.Millisecond))
	analyze(b, db)
	ctx := context.Background()
	for _, q := range corpus.queries() {
		b.Run(q.name, func(b *testing.B) {
			measure(b, func() (int, error) {
				ids, err := db.MatchTasks(ctx, []string{"big"}, q.q, messages.MaxTasksMatched)
				return len(ids), err
			})
		})
	}
	for _, q := range corpus.queries()[:2] {
		b.Run("small_board_"+q.name, func(b *testing.B) {
			measure(b, func() (int, error) {
				ids, err := db.MatchTasks(ctx, []string{"small"}, q.q, messages.MaxTasksMatched)
				return len(ids), err
			})
		})
	}
}

// BenchmarkSearchBoards measures GET /search across 100 boards of 200 tasks each that the
// user is a member of: Search with DefaultSearch hits, tasks read, by words and by a filter
// alone.
func BenchmarkSearchBoards(b *testing.B) {
	db := openBench(b)
	corpus := newSearchCorpus()
	start := time.Now()
	for i := range 100 {
		id := fmt.Sprintf("b%03d", i)
		benchBoard(b, db, id)
		corpus.fill(b, db, id, 200)
	}
	b.Logf("100 boards of 200 tasks seeded in %v", time.Since(start).Round(time.Millisecond))
	analyze(b, db)
	ctx := context.Background()
	kinds := corpus.queries()
	for _, q := range kinds {
		b.Run(q.name, func(b *testing.B) {
			measure(b, func() (int, error) {
				hits, err := db.Search(ctx, "user-alice", messages.TaskFilter{Q: q.q}, messages.DefaultSearch)
				return len(hits), err
			})
		})
	}
	b.Run("no_words_due_none", func(b *testing.B) {
		measure(b, func() (int, error) {
			hits, err := db.Search(ctx, "user-alice", messages.TaskFilter{Due: messages.DueNone}, messages.DefaultSearch)
			return len(hits), err
		})
	})
}
