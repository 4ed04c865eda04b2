package actors_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/actors/actorstest"
	"github.com/taskboard/taskboard/messages"
)

// await returns the next delivery, waiting for it: another node's news arrives on its own.
func (s *roomSink) await(t *testing.T, typ string) roomMsg {
	t.Helper()
	e, _ := recv(t, s.msgs, typ)
	var m roomMsg
	if err := json.Unmarshal(e.JSON, &m); err != nil {
		t.Fatalf("decode %s: %v", e.JSON, err)
	}
	if m.Type != typ {
		t.Fatalf("got %s, want %s", e.JSON, typ)
	}
	return m
}

// awaitPresence skips deliveries until a presence with exactly these viewers.
func (s *roomSink) awaitPresence(t *testing.T, names ...string) {
	t.Helper()
	want := viewers(names...)
	deadline := time.After(wait)
	for {
		select {
		case e := <-s.msgs:
			var m roomMsg
			if err := json.Unmarshal(e.JSON, &m); err != nil {
				t.Fatalf("decode %s: %v", e.JSON, err)
			}
			if m.Type == "presence" && cmp.Equal(want, m.Viewers) {
				return
			}
		case <-deadline:
			t.Fatalf("no presence of %v within %s", names, wait)
		}
	}
}

// node is one server on the shared database, with its own manual clock.
type node struct {
	*actors.Boards
	clock *actorstest.Clock
}

// twoNodes starts two nodes on one fresh Postgres database holding the demo data, with
// user x in board-1's room on the first and y on the second. It returns once each sees
// both in presence, which proves that each node hears the other; what the rooms delivered
// until then is consumed.
func twoNodes(t *testing.T, x, y string) (a, b node, subX, subY *messages.Subscription, sx, sy *roomSink) {
	t.Helper()
	dbs := openShared(t, 2)
	a = node{clock: actorstest.NewClock()}
	b = node{clock: actorstest.NewClock()}
	a.Boards = startBoards(t, dbs[0], a.clock.Options())
	b.Boards = startBoards(t, dbs[1], b.clock.Options())
	subX, sx, _ = join(t, a.Boards, x)
	subY, sy, _ = join(t, b.Boards, y)
	names := map[string]string{alice: "Alice", bob: "Bob", carol: "Carol"}
	both := []string{names[x], names[y]}
	if both[0] > both[1] {
		both[0], both[1] = both[1], both[0]
	}
	sx.awaitPresence(t, both...)
	sy.awaitPresence(t, both...)
	return a, b, subX, subY, sx, sy
}

func (n node) do(t *testing.T, cmd messages.Command) {
	t.Helper()
	if _, err := n.Do(context.Background(), cmd); err != nil {
		t.Fatalf("%T: %v", cmd, err)
	}
}

// A room spans the nodes: a member on one node sees who is on the other, their typing and
// cursors; a node that shuts down takes its users with it.
func TestRoomSpansNodes(t *testing.T) {
	dbs := openShared(t, 2)
	a := startBoards(t, dbs[0], actors.Options{})
	b := actors.NewBoards(dbs[1], actors.Options{Logger: zerolog.Nop()})
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = b.Shutdown(context.Background())
		}
	})
	_, sc, _ := join(t, a, carol)
	bobSub, sb, p := join(t, b, bob)
	if diff := cmp.Diff(viewers("Bob"), p); diff != "" {
		t.Fatalf("bob's first presence (-want +got):\n%s", diff)
	}
	// Node B says hello with Bob's join; node A answers with who is there.
	sc.awaitPresence(t, "Bob", "Carol")
	sb.awaitPresence(t, "Bob", "Carol")

	ctx := context.Background()
	typing := messages.Typing{Meta: meta(bob), BoardID: "board-1", Subscription: bobSub.ID, TaskID: ptr("task-1")}
	if _, err := b.Do(ctx, typing); err != nil {
		t.Fatal(err)
	}
	if m := sc.await(t, "user_typing"); m.UserID != bob || m.Name != "Bob" || m.TaskID == nil || *m.TaskID != "task-1" {
		t.Fatalf("user_typing on the other node: %+v", m)
	}
	typing.Stop = true
	if _, err := b.Do(ctx, typing); err != nil {
		t.Fatal(err)
	}
	if m := sc.await(t, "user_stopped_typing"); m.UserID != bob || m.TaskID == nil || *m.TaskID != "task-1" {
		t.Fatalf("user_stopped_typing on the other node: %+v", m)
	}
	if _, err := b.Do(ctx, messages.Cursor{Meta: meta(bob), BoardID: "board-1", Subscription: bobSub.ID, X: 12, Y: -3}); err != nil {
		t.Fatal(err)
	}
	if m := sc.await(t, "cursor"); m.UserID != bob || m.X != 12 || m.Y != -3 || m.TaskID != nil {
		t.Fatalf("cursor on the other node: %+v", m)
	}
	sb.none(t) // nobody sees their own

	stopped = true
	if err := b.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if m := sc.await(t, "user_left"); m.UserID != bob {
		t.Fatalf("user_left %+v", m)
	}
	if m := sc.await(t, "presence"); !cmp.Equal(viewers("Carol"), m.Viewers) {
		t.Fatalf("presence after node B stopped: %v", m.Viewers)
	}
}

// A user with a connection on each node is present once: their second connection is no news
// on either node, closing one of them is none either, and closing the last is user_left on
// both.
func TestRoomUserOnTwoNodesIsOneViewer(t *testing.T) {
	a, b, bobSub, _, sBob, sCarol := twoNodes(t, bob, carol)
	cursor := func(n node, user string, sub *messages.Subscription, x float64) {
		t.Helper()
		n.do(t, messages.Cursor{Meta: meta(user), BoardID: "board-1", Subscription: sub.ID, X: x})
	}

	tabA, _, p := join(t, a.Boards, alice)
	if diff := cmp.Diff(viewers("Alice", "Bob", "Carol"), p); diff != "" {
		t.Fatalf("alice's presence on A (-want +got):\n%s", diff)
	}
	sBob.take(t, "user_joined")
	sBob.take(t, "presence")
	if m := sCarol.await(t, "user_joined"); m.UserID != alice || m.Name != "Alice" {
		t.Fatalf("user_joined on B: %+v", m)
	}
	if m := sCarol.await(t, "presence"); !cmp.Equal(viewers("Alice", "Bob", "Carol"), m.Viewers) {
		t.Fatalf("presence on B: %v", m.Viewers)
	}

	// Alice's second connection, on B: nothing for Carol, nothing for Bob (her cursor from B
	// is the next thing he gets).
	tabB, _, p := join(t, b.Boards, alice)
	if diff := cmp.Diff(viewers("Alice", "Bob", "Carol"), p); diff != "" {
		t.Fatalf("alice's presence on B (-want +got):\n%s", diff)
	}
	sCarol.none(t)
	cursor(b, alice, tabB, 1)
	sCarol.take(t, "cursor")
	if m := sBob.await(t, "cursor"); m.UserID != alice || m.X != 1 {
		t.Fatalf("bob got %+v, want alice's cursor", m)
	}

	// Closing the connection on A: still present, on B; nothing for Carol either (Bob's
	// cursor from A is the next thing she gets).
	a.Unsubscribe(tabA)
	settle(t, a.Boards)
	sBob.none(t)
	cursor(a, bob, bobSub, 2)
	if m := sCarol.await(t, "cursor"); m.UserID != bob || m.X != 2 {
		t.Fatalf("carol got %+v, want bob's cursor", m)
	}

	// Closing the last: user_left everywhere.
	b.Unsubscribe(tabB)
	settle(t, b.Boards)
	if m := sCarol.take(t, "user_left"); m.UserID != alice {
		t.Fatalf("user_left on B: %+v", m)
	}
	sCarol.take(t, "presence")
	if m := sBob.await(t, "user_left"); m.UserID != alice || m.Name != "Alice" {
		t.Fatalf("user_left on A: %+v", m)
	}
	if m := sBob.await(t, "presence"); !cmp.Equal(viewers("Bob", "Carol"), m.Viewers) {
		t.Fatalf("presence on A: %v", m.Viewers)
	}
}

// A node that stops announcing its users (it died) takes them with it after
// PresenceTimeout, and their typing stops after TypingTimeout without a refresh. A node that
// keeps announcing keeps them.
func TestRoomUsersOfASilentNodeExpire(t *testing.T) {
	a, b, _, bobSub, sAlice, _ := twoNodes(t, alice, bob)
	// marker sends Bob's cursor from B and waits for it on A: what B said before has arrived.
	marker := func(x float64) {
		t.Helper()
		b.do(t, messages.Cursor{Meta: meta(bob), BoardID: "board-1", Subscription: bobSub.ID, X: x})
		if m := sAlice.await(t, "cursor"); m.UserID != bob || m.X != x {
			t.Fatalf("got %+v, want bob's cursor at %v", m, x)
		}
	}
	quiet := func(d time.Duration) {
		t.Helper()
		a.clock.Advance(d)
		settle(t, a.Boards)
		sAlice.none(t)
	}

	// Bob was announced at A's start; A's clock moves on, then B re-announces him.
	quiet(actors.PresenceTimeout - actors.AnnounceEvery)
	b.clock.Advance(actors.AnnounceEvery)
	settle(t, b.Boards)
	typing := messages.Typing{Meta: meta(bob), BoardID: "board-1", Subscription: bobSub.ID, TaskID: ptr("task-2")}
	b.do(t, typing)
	if m := sAlice.await(t, "user_typing"); m.UserID != bob {
		t.Fatalf("user_typing %+v", m)
	}

	// A refresh on B pushes the typing's end on A back too (A allows a second more than B).
	quiet(4 * time.Second)
	b.clock.Advance(4 * time.Second)
	b.do(t, typing)
	marker(1)
	quiet(2 * time.Second)
	a.clock.Advance(4 * time.Second)
	settle(t, a.Boards)
	if m := sAlice.take(t, "user_stopped_typing"); m.UserID != bob || m.TaskID == nil || *m.TaskID != "task-2" {
		t.Fatalf("user_stopped_typing %+v", m)
	}

	// The first announcement is over PresenceTimeout old, the second is not: Bob stays.
	quiet(5 * time.Second)

	// B is silent from now on (its clock stands still): Bob goes.
	a.clock.Advance(actors.PresenceTimeout / 2)
	settle(t, a.Boards)
	if m := sAlice.take(t, "user_left"); m.UserID != bob || m.Name != "Bob" {
		t.Fatalf("user_left %+v", m)
	}
	if m := sAlice.take(t, "presence"); !cmp.Equal(viewers("Alice"), m.Viewers) {
		t.Fatalf("presence %v", m.Viewers)
	}
	sAlice.none(t)
}
