package actors_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/actors/actorstest"
	"github.com/taskboard/taskboard/messages"
)

// roomSink records what a board delivers to one room subscription.
type roomSink struct {
	msgs  chan messages.Encoded
	ended chan string
}

func newRoomSink(size int) *roomSink {
	return &roomSink{msgs: make(chan messages.Encoded, size), ended: make(chan string, 1)}
}

func (s *roomSink) Deliver(m *messages.Encoded) bool {
	select {
	case s.msgs <- *m:
		return true
	default:
		return false
	}
}

func (s *roomSink) End(reason string) { s.ended <- reason }

// roomMsg is any room message or event, decoded loosely.
type roomMsg struct {
	Type    string            `json:"type"`
	BoardID string            `json:"boardId"`
	Seq     int64             `json:"seq"`
	UserID  string            `json:"userId"`
	Name    string            `json:"name"`
	TaskID  *string           `json:"taskId"`
	X       float64           `json:"x"`
	Y       float64           `json:"y"`
	Viewers []messages.Viewer `json:"viewers"`
}

// take returns the next delivery, which must be there already: every delivery a command
// causes is made before the board answers it.
func (s *roomSink) take(t *testing.T, typ string) roomMsg {
	t.Helper()
	select {
	case e := <-s.msgs:
		var m roomMsg
		if err := json.Unmarshal(e.JSON, &m); err != nil {
			t.Fatalf("decode %s: %v", e.JSON, err)
		}
		if m.Type != typ || string(e.Type) != typ {
			t.Fatalf("got %s, want %s", e.JSON, typ)
		}
		return m
	default:
		t.Fatalf("nothing delivered, want %s", typ)
	}
	return roomMsg{}
}

// none checks that nothing more was delivered.
func (s *roomSink) none(t *testing.T) {
	t.Helper()
	select {
	case e := <-s.msgs:
		t.Fatalf("unexpected delivery %s", e.JSON)
	default:
	}
}

// join subscribes user to board-1's room and returns the subscription, its sink and the
// presence it saw first.
func join(t *testing.T, b *actors.Boards, user string) (*messages.Subscription, *roomSink, []messages.Viewer) {
	t.Helper()
	sink := newRoomSink(64)
	sub, err := b.Subscribe(context.Background(), messages.Subscribe{Meta: meta(user), BoardID: "board-1", Live: true, Sink: sink, Room: true})
	if err != nil {
		t.Fatalf("join as %s: %v", user, err)
	}
	if sub.Events != nil {
		t.Fatal("a sink subscription has an Events channel")
	}
	var p messages.Presence
	if err := json.Unmarshal(sub.Presence, &p); err != nil || p.Type != messages.RoomPresence || p.BoardID != "board-1" {
		t.Fatalf("presence %s: %v", sub.Presence, err)
	}
	return sub, sink, p.Viewers
}

// aliceAndBobInRoom starts boards on a manual clock with Alice, then Bob, in board-1's room;
// Alice has seen Bob join.
func aliceAndBobInRoom(t *testing.T) (*actorstest.Clock, *actors.Boards, *messages.Subscription, *roomSink, *roomSink) {
	t.Helper()
	clock := actorstest.NewClock()
	db, _ := openStore(t)
	b := startBoards(t, db, clock.Options())
	_, sa, _ := join(t, b, alice)
	bobSub, sb, _ := join(t, b, bob)
	sa.take(t, "user_joined")
	sa.take(t, "presence")
	return clock, b, bobSub, sa, sb
}

// settle waits until the board has handled everything sent to it before.
func settle(t *testing.T, b *actors.Boards) {
	t.Helper()
	snapshot(t, b, alice, "board-1")
}

func viewers(names ...string) []messages.Viewer {
	ids := map[string]string{"Alice": alice, "Bob": bob, "Carol": carol}
	var out []messages.Viewer
	for _, n := range names {
		out = append(out, messages.Viewer{UserID: ids[n], Name: n})
	}
	return out
}

func TestRoomPresenceIsPerUser(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	sse := subscribe(t, b, nil, 0)

	tab1, s1, p := join(t, b, alice)
	if diff := cmp.Diff(viewers("Alice"), p); diff != "" {
		t.Fatalf("first presence (-want +got):\n%s", diff)
	}
	bobSub, sb, p := join(t, b, bob)
	if diff := cmp.Diff(viewers("Alice", "Bob"), p); diff != "" {
		t.Fatalf("bob's presence (-want +got):\n%s", diff)
	}
	if m := s1.take(t, "user_joined"); m.UserID != bob || m.Name != "Bob" {
		t.Fatalf("user_joined %+v", m)
	}
	if m := s1.take(t, "presence"); !cmp.Equal(m.Viewers, viewers("Alice", "Bob")) {
		t.Fatalf("presence after bob joined: %+v", m.Viewers)
	}
	sb.none(t)

	// A second tab of Alice is the same viewer: no news for anyone.
	tab2, s2, p := join(t, b, alice)
	if diff := cmp.Diff(viewers("Alice", "Bob"), p); diff != "" {
		t.Fatalf("second tab's presence (-want +got):\n%s", diff)
	}
	settle(t, b)
	s1.none(t)
	sb.none(t)

	// Board events reach every member with their seq; room messages took none.
	createTask(t, b, "list-todo", "seen by all")
	for _, s := range []*roomSink{s1, s2, sb} {
		if m := s.take(t, "task_created"); m.Seq != 1 {
			t.Fatalf("event seq %d, want 1", m.Seq)
		}
	}
	if e := next(t, sse); e.Seq != 1 || e.Type != messages.TaskCreated {
		t.Fatalf("SSE subscriber got %s, want the task_created event only", e.JSON)
	}

	// Closing one tab is not leaving; closing the last one is.
	b.Unsubscribe(tab1)
	settle(t, b)
	sb.none(t)
	b.Unsubscribe(tab2)
	settle(t, b)
	if m := sb.take(t, "user_left"); m.UserID != alice || m.Name != "Alice" {
		t.Fatalf("user_left %+v", m)
	}
	if m := sb.take(t, "presence"); !cmp.Equal(m.Viewers, viewers("Bob")) {
		t.Fatalf("presence after alice left: %+v", m.Viewers)
	}
	if reason, _ := recv(t, s1.ended, "end of tab1"); reason != messages.EndUnsubscribed {
		t.Fatalf("tab1 ended with %q", reason)
	}
	select {
	case e := <-sse.Events:
		t.Fatalf("SSE subscriber got a room message %s", e.JSON)
	default:
	}
	if s := snapshot(t, b, alice, "board-1"); s.Seq != 1 {
		t.Fatalf("seq %d after room traffic, want 1", s.Seq)
	}
	b.Unsubscribe(bobSub)
}

func TestRoomJoinNeedsMembership(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	_, err := b.Subscribe(context.Background(), messages.Subscribe{Meta: meta(bob), BoardID: "board-2", Live: true, Sink: newRoomSink(1), Room: true})
	if messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("bob joining board-2: %v, want not_found", err)
	}
	// A viewer may join and is shown, but may not type or move a cursor.
	sub, _, p := join(t, b, carol)
	if !cmp.Equal(p, viewers("Carol")) {
		t.Fatalf("carol's presence %+v", p)
	}
	ctx := context.Background()
	for _, cmd := range []messages.Command{
		messages.Typing{Meta: meta(carol), BoardID: "board-1", Subscription: sub.ID},
		messages.Cursor{Meta: meta(carol), BoardID: "board-1", Subscription: sub.ID, X: 1, Y: 2},
	} {
		if _, err := b.Do(ctx, cmd); messages.ErrorCode(err) != messages.CodeForbidden {
			t.Fatalf("%T from a viewer: %v, want forbidden", cmd, err)
		}
	}
}

func TestRoomTypingExpires(t *testing.T) {
	clock, b, bobSub, sa, sb := aliceAndBobInRoom(t)
	ctx := context.Background()

	typing := messages.Typing{Meta: meta(bob), BoardID: "board-1", Subscription: bobSub.ID, TaskID: ptr("task-1")}
	if _, err := b.Do(ctx, typing); err != nil {
		t.Fatal(err)
	}
	if m := sa.take(t, "user_typing"); m.UserID != bob || m.TaskID == nil || *m.TaskID != "task-1" {
		t.Fatalf("user_typing %+v", m)
	}
	sb.none(t) // nobody sees their own typing

	// A refresh within the timeout is no news and pushes the expiry to 4 s + 5 s.
	clock.Advance(4 * time.Second)
	if _, err := b.Do(ctx, typing); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second) // the first deadline passes: the tick finds nothing due
	settle(t, b)
	sa.none(t)
	clock.Advance(3 * time.Second)
	settle(t, b)
	if m := sa.take(t, "user_stopped_typing"); m.UserID != bob || m.TaskID == nil || *m.TaskID != "task-1" {
		t.Fatalf("user_stopped_typing %+v", m)
	}
	sa.none(t)

	// stop_typing ends it at once; leaving while typing ends it before user_left.
	if _, err := b.Do(ctx, typing); err != nil {
		t.Fatal(err)
	}
	sa.take(t, "user_typing")
	stop := typing
	stop.Stop = true
	if _, err := b.Do(ctx, stop); err != nil {
		t.Fatal(err)
	}
	sa.take(t, "user_stopped_typing")
	if _, err := b.Do(ctx, typing); err != nil {
		t.Fatal(err)
	}
	sa.take(t, "user_typing")
	b.Unsubscribe(bobSub)
	settle(t, b)
	sa.take(t, "user_stopped_typing")
	sa.take(t, "user_left")
	sa.take(t, "presence")
	clock.Advance(time.Minute)
	settle(t, b)
	sa.none(t)
}

func TestRoomTypingErrors(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	aliceSub, _, _ := join(t, b, alice)
	bobSub, _, _ := join(t, b, bob)
	tests := []struct {
		name string
		cmd  messages.Typing
		want messages.Code
	}{
		{"another user's subscription", messages.Typing{Meta: meta(bob), BoardID: "board-1", Subscription: aliceSub.ID}, messages.CodeBadRequest},
		{"unknown subscription", messages.Typing{Meta: meta(bob), BoardID: "board-1", Subscription: 1 << 60}, messages.CodeBadRequest},
		{"unknown task", messages.Typing{Meta: meta(bob), BoardID: "board-1", Subscription: bobSub.ID, TaskID: ptr("task-5")}, messages.CodeValidation},
		{"not a member", messages.Typing{Meta: meta(bob), BoardID: "board-2", Subscription: bobSub.ID}, messages.CodeNotFound},
	}
	for _, tt := range tests {
		if _, err := b.Do(ctx, tt.cmd); messages.ErrorCode(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
}

func TestRoomCursorsAreCoalesced(t *testing.T) {
	clock, b, bobSub, sa, sb := aliceAndBobInRoom(t)
	ctx := context.Background()
	cursor := func(x float64) {
		t.Helper()
		if _, err := b.Do(ctx, messages.Cursor{Meta: meta(bob), BoardID: "board-1", Subscription: bobSub.ID, X: x, Y: -x}); err != nil {
			t.Fatal(err)
		}
	}

	cursor(1)
	if m := sa.take(t, "cursor"); m.X != 1 || m.Y != -1 || m.UserID != bob || m.TaskID != nil {
		t.Fatalf("first cursor %+v", m)
	}
	for x := 2.0; x <= 9; x++ {
		cursor(x)
	}
	sa.none(t)
	clock.Advance(messages.CursorInterval - time.Millisecond)
	settle(t, b)
	sa.none(t)
	clock.Advance(time.Millisecond)
	settle(t, b)
	if m := sa.take(t, "cursor"); m.X != 9 {
		t.Fatalf("coalesced cursor x=%v, want the latest, 9", m.X)
	}
	sa.none(t)
	sb.none(t)

	// After a quiet interval the next cursor goes out at once.
	clock.Advance(time.Second)
	cursor(10)
	if m := sa.take(t, "cursor"); m.X != 10 {
		t.Fatalf("cursor after a pause x=%v", m.X)
	}
}
