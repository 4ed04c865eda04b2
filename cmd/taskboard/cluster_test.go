package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskboard/taskboard/internal/clustertest"
	"github.com/taskboard/taskboard/internal/pgtest"
)

// Several taskboard processes of the real binary on one Postgres database. Each test starts
// its nodes and watches them as clients do, over REST, SSE, WebSocket and long polling. The
// tests run in parallel, each on a database of its own; the measured times they log are
// therefore those of a busy machine.

const board = "board-1"

// revokeBound is the most a revocation on one node may take to end a stream on another; the
// design target is one poll interval (actors.PollEvery), and a notification is faster still.
const revokeBound = 5 * time.Second

// startNodes starts n nodes on dsn, named A, B, C…, each with the extra flags of its index in
// flags, if any.
func startNodes(t *testing.T, dsn string, n int, flags ...[]string) []*clustertest.Node {
	t.Helper()
	bin := clustertest.Binary(t)
	nodes := make([]*clustertest.Node, n)
	for i := range nodes {
		var extra []string
		if i < len(flags) {
			extra = flags[i]
		}
		nodes[i] = clustertest.StartNode(t, bin, string(rune('A'+i)), dsn, extra...)
	}
	return nodes
}

// snapshot is a board's snapshot as one node answers it, compacted.
func snapshot(t *testing.T, c *clustertest.Client) []byte {
	t.Helper()
	var raw json.RawMessage
	c.Get(t, "/boards/"+board, &raw)
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestClusterDelivery: writers on all three nodes change one board at once; an SSE stream, a
// WebSocket and a long poll, each on another node, receive every event once, in the same
// order, with the same bytes; every node then holds the same board. A login on one node is
// valid on the others.
func TestClusterDelivery(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Shared(t).NewDatabase(t)
	nodes := startNodes(t, dsn, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]

	alice := clustertest.Login(t, a.URL, "alice@example.com")
	bob := clustertest.Login(t, c.URL, "bob@example.com")
	carol := clustertest.Login(t, a.URL, "carol@example.com")
	for _, n := range nodes {
		var me struct{ ID string }
		alice.On(t, n.URL).Get(t, "/me", &me)
		if me.ID != "user-alice" {
			t.Fatalf("GET /me at %s with a token of %s: %q, want user-alice", n.Name, a.Name, me.ID)
		}
	}

	sseRec, wsRec, pollRec := clustertest.NewRecorder(), clustertest.NewRecorder(), clustertest.NewRecorder()
	sse := clustertest.OpenSSE(t, a.URL, alice.Token, board, 0, sseRec)
	recvClosed(t, sse.Connected, "connected frame")
	clustertest.JoinWS(t, b.URL, bob.Token, board, 0, wsRec)
	clustertest.Poll(t, carol.On(t, c.URL), board, pollRec)

	var writers []*clustertest.Client
	for _, n := range nodes {
		writers = append(writers, alice.On(t, n.URL), bob.On(t, n.URL))
	}
	const ops = 50
	start := time.Now()
	l := startLoad(t, writers, 1, ops)
	l.wait()
	if len(l.bad) > 0 || len(l.lost) > 0 || l.ok != len(writers)*ops {
		t.Fatalf("%d of %d writes acknowledged; failed: %q; unanswered: %q", l.ok, len(writers)*ops, l.bad, l.lost)
	}
	n := int64(l.ok)
	t.Logf("%d writes on 3 nodes in %v", n, time.Since(start))

	for name, rec := range map[string]*clustertest.Recorder{"SSE on A": sseRec, "WebSocket on B": wsRec, "long poll on C": pollRec} {
		rec.WaitSeq(t, name, n, clustertest.Wait)
		clustertest.CheckSequence(t, name, rec.Events(), n)
	}
	t.Logf("every subscriber got %s", clustertest.Summary(sseRec.Events()))
	clustertest.CheckSame(t, "WebSocket on B against SSE on A", wsRec.Events(), sseRec.Events())
	clustertest.CheckSame(t, "long poll on C against SSE on A", pollRec.Events(), sseRec.Events())

	want := snapshot(t, alice)
	for _, node := range nodes[1:] {
		if got := snapshot(t, alice.On(t, node.URL)); !bytes.Equal(got, want) {
			t.Fatalf("snapshot of %s differs from A's:\n%s\n%s", node.Name, got, want)
		}
	}
	if _, seq := alice.Tasks(t, board); seq != n {
		t.Fatalf("board at seq %d after %d changes", seq, n)
	}
}

// TestClusterNodeKilled: a node is killed (SIGKILL) while all three take writes. Every write
// acknowledged before or after is kept, and an SSE stream that was on the killed node resumes
// on another with Last-Event-ID, with no gap and no duplicate.
func TestClusterNodeKilled(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Shared(t).NewDatabase(t)
	nodes := startNodes(t, dsn, 3)
	a, c := nodes[0], nodes[2]
	alice := clustertest.Login(t, a.URL, "alice@example.com")

	rec := clustertest.NewRecorder()
	sse := clustertest.OpenSSE(t, c.URL, alice.Token, board, 0, rec)
	recvClosed(t, sse.Connected, "connected frame")

	var writers []*clustertest.Client
	for _, n := range nodes {
		writers = append(writers, alice.On(t, n.URL))
	}
	l := startLoad(t, writers, 2, 0)
	l.waitAcks(t, 60, clustertest.Wait)

	killed := time.Now()
	c.Kill(t)
	recvClosed(t, sse.Done, "end of the stream on the killed node")
	ended := time.Since(killed)
	resumed := clustertest.OpenSSE(t, a.URL, alice.Token, board, rec.Last(), rec)
	recvClosed(t, resumed.Connected, "connected frame on A")
	t.Logf("SSE client on the killed node: its stream ended %v after the kill, resumed on A from seq %d %v after it",
		ended, rec.Last(), time.Since(killed))

	l.waitAcks(t, l.acks()+60, clustertest.Wait)
	l.end()
	if len(l.bad) > 0 {
		t.Fatalf("writes failed: %q", l.bad)
	}
	tasks, seq := alice.Tasks(t, board)
	l.checkKept(t, tasks)
	if _, seqB := alice.On(t, nodes[1].URL).Tasks(t, board); seqB != seq {
		t.Fatalf("B is at seq %d, A at %d", seqB, seq)
	}
	rec.WaitSeq(t, "SSE resumed on A", seq, clustertest.Wait)
	clustertest.CheckSequence(t, "SSE across the kill", rec.Events(), seq)
	t.Logf("%d writes acknowledged, %d unanswered by the killed node; the stream got %s", l.acks(), len(l.lost), clustertest.Summary(rec.Events()))
}

// TestClusterPostgresRestart: the database stops and starts again while every node takes
// writes. Meanwhile writes fail with 503 and /readyz fails; afterwards both recover by
// themselves, and a client streaming from every node receives every event once, resuming
// with Last-Event-ID if its stream ended. Nothing is half applied: the tasks are those of the
// task_created events.
func TestClusterPostgresRestart(t *testing.T) {
	t.Parallel()
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	nodes := startNodes(t, dsn, 3)
	alice := clustertest.Login(t, nodes[0].URL, "alice@example.com")

	// Streams as browsers hold them: a stream that ends (its board could not reload while the
	// database was down) is opened again with Last-Event-ID.
	var recs []*clustertest.Recorder
	var streams []*clustertest.Follower
	var writers []*clustertest.Client
	for _, n := range nodes {
		rec := clustertest.NewRecorder()
		recs = append(recs, rec)
		f := clustertest.FollowSSE(t, n.URL, alice.Token, board, rec)
		recvClosed(t, f.Connected, "connected frame")
		streams = append(streams, f)
		writers = append(writers, alice.On(t, n.URL))
	}
	l := startLoad(t, writers, 1, 0)
	l.waitAcks(t, 30, clustertest.Wait)

	down := time.Now()
	srv.Stop(t)
	stopped := time.Now()
	for i, n := range nodes {
		waitReady(t, writers[i], n.Name, false)
	}
	t.Logf("/readyz failed on every node %v after the database stopped", time.Since(stopped))
	waitFor(t, "503s while the database is down", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.statuses[http.StatusServiceUnavailable] > 10
	})

	restarting := time.Now()
	srv.Start(t)
	up := time.Now()
	l.markNow()
	for i, n := range nodes {
		waitReady(t, writers[i], n.Name, true)
	}
	ready := time.Since(up)
	// No request sent between the database's exit and its start can have been committed.
	if n := l.ackedSentBetween(stopped, restarting); n > 0 {
		t.Fatalf("%d writes sent while the database was down were acknowledged", n)
	}
	l.waitAcks(t, l.acks()+30, clustertest.Wait)
	l.end()
	t.Logf("database down %v; after it was back, /readyz passed on every node within %v and the first write was acknowledged after %v; %d writes answered 503 meanwhile",
		up.Sub(down), ready, l.firstOK.Sub(up), l.statuses[http.StatusServiceUnavailable])
	if len(l.bad) > 0 || len(l.lost) > 0 {
		t.Fatalf("writes answered neither 2xx nor 503: %q; unanswered: %q", l.bad, l.lost)
	}

	tasks, seq := alice.Tasks(t, board)
	l.checkKept(t, tasks)
	for i, rec := range recs {
		name := "SSE on " + nodes[i].Name
		rec.WaitSeq(t, name, seq, clustertest.Wait)
		clustertest.CheckSequence(t, name, rec.Events(), seq)
		if i > 0 {
			clustertest.CheckSame(t, name, rec.Events(), recs[0].Events())
		}
		reconnects, failed := streams[i].Reconnects()
		t.Logf("%s: %d events; opened again %d times, %d attempts refused", name, len(rec.Events()), reconnects, len(failed))
	}
	checkTasksMatchEvents(t, dsn, recs[0].Events())
}

// checkTasksMatchEvents fails t unless the database's tasks of board-1 are the four seeded and
// those of the task_created events, and its seq is the last event's.
func checkTasksMatchEvents(t *testing.T, dsn string, events []clustertest.Event) {
	t.Helper()
	want := map[string]bool{"task-1": true, "task-2": true, "task-3": true, "task-4": true}
	for _, e := range events {
		if e.Type != "task_created" {
			continue
		}
		var ev struct{ Task clustertest.Task }
		if err := json.Unmarshal(e.JSON, &ev); err != nil {
			t.Fatal(err)
		}
		want[ev.Task.ID] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), clustertest.Wait)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var seq, events64 int64
	if err := conn.QueryRow(ctx, "SELECT seq, (SELECT count(*) FROM events WHERE board_id = $1) FROM boards WHERE id = $1", board).Scan(&seq, &events64); err != nil {
		t.Fatal(err)
	}
	if seq != int64(len(events)) || events64 != seq {
		t.Fatalf("database: board at seq %d with %d events, streams got %d", seq, events64, len(events))
	}
	rows, err := conn.Query(ctx, "SELECT id FROM tasks WHERE board_id = $1", board)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !want[id] {
			t.Errorf("task %s is in the database without its task_created event", id)
		}
		delete(want, id)
	}
	for id := range want {
		t.Errorf("task %s was created by an event and is not in the database", id)
	}
}

// TestClusterWithoutNotify: a node that does not announce its commits (--db-notify=false)
// still reaches the subscribers of another node, which find its commits by polling.
func TestClusterWithoutNotify(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Shared(t).NewDatabase(t)
	nodes := startNodes(t, dsn, 2, nil, []string{"--db-notify=false"})
	a, quiet := nodes[0], nodes[1]
	alice := clustertest.Login(t, quiet.URL, "alice@example.com")
	rec := clustertest.NewRecorder()
	recvClosed(t, clustertest.OpenSSE(t, a.URL, alice.Token, board, 0, rec).Connected, "connected frame")

	l := startLoad(t, []*clustertest.Client{alice}, 1, 20)
	l.wait()
	if l.ok != 20 {
		t.Fatalf("%d of 20 writes acknowledged on the quiet node; failed: %q; unanswered: %q", l.ok, l.bad, l.lost)
	}
	acked := time.Now()
	rec.WaitSeq(t, "SSE on A", 20, clustertest.Wait)
	t.Logf("the quiet node's last write reached A's subscriber %v after it was acknowledged", time.Since(acked))
	clustertest.CheckSequence(t, "SSE on A", rec.Events(), 20)
}

// TestClusterRevocation: a logout on one node ends the token's stream on another; a member
// removed from the board on one node loses their WebSocket and stream on another.
func TestClusterRevocation(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Shared(t).NewDatabase(t)
	nodes := startNodes(t, dsn, 2)
	a, b := nodes[0], nodes[1]

	alice := clustertest.Login(t, a.URL, "alice@example.com")
	sse := clustertest.OpenSSE(t, b.URL, alice.Token, board, 0, clustertest.NewRecorder())
	recvClosed(t, sse.Connected, "connected frame")
	loggedOut := time.Now()
	if status, body, err := alice.Do("POST", "/auth/logout", ""); err != nil || status != http.StatusNoContent {
		t.Fatalf("logout on A: %d %s %v", status, body, err)
	}
	recvWithin(t, sse.Done, revokeBound, "end of the logged-out token's stream on B")
	t.Logf("logout on A ended the token's SSE stream on B after %v", time.Since(loggedOut))
	if status, _, _ := alice.On(t, b.URL).Do("GET", "/me", ""); status != http.StatusUnauthorized {
		t.Fatalf("GET /me on B with a logged-out token: %d, want 401", status)
	}

	owner := clustertest.Login(t, a.URL, "alice@example.com")
	bob := clustertest.Login(t, b.URL, "bob@example.com")
	ws := clustertest.JoinWS(t, b.URL, bob.Token, board, 0, clustertest.NewRecorder())
	bobSSE := clustertest.OpenSSE(t, b.URL, bob.Token, board, 0, clustertest.NewRecorder())
	recvClosed(t, bobSSE.Connected, "connected frame")
	removed := time.Now()
	if status, body, err := owner.Do("DELETE", "/boards/"+board+"/members/user-bob", ""); err != nil || status != http.StatusNoContent {
		t.Fatalf("remove bob on A: %d %s %v", status, body, err)
	}
	recvWithin(t, ws.Done, revokeBound, "close of the removed member's WebSocket on B")
	wsEnded := time.Since(removed)
	recvWithin(t, bobSSE.Done, revokeBound, "end of the removed member's stream on B")
	t.Logf("removing bob on A closed his WebSocket on B after %v (code %d) and ended his SSE stream after %v",
		wsEnded, ws.Code, time.Since(removed))
	if ws.Code != 4003 {
		t.Fatalf("removed member's WebSocket closed with %d, want 4003", ws.Code)
	}
}

// recvClosed waits until ch is closed, failing t after clustertest.Wait.
func recvClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	recvWithin(t, ch, clustertest.Wait, what)
}

func recvWithin(t *testing.T, ch <-chan struct{}, within time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(within):
		t.Fatalf("no %s within %v", what, within)
	}
}

// waitReady waits until the node's /readyz passes (ready) or fails (!ready).
func waitReady(t *testing.T, c *clustertest.Client, name string, ready bool) {
	t.Helper()
	waitFor(t, name+" /readyz ready="+map[bool]string{true: "true", false: "false"}[ready], func() bool {
		status, _, err := c.Do("GET", "/readyz", "")
		return err == nil && (status == http.StatusOK) == ready
	})
}

// waitFor checks cond every few milliseconds until it holds, failing t after clustertest.Wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(clustertest.Wait)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, clustertest.Wait)
		}
		<-tick.C
	}
}
