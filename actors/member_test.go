package actors_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
)

func members(t *testing.T, b *actors.Boards, user, boardID string) []messages.Member {
	t.Helper()
	res, err := b.Do(context.Background(), messages.ListMembers{Meta: meta(user), BoardID: boardID})
	if err != nil {
		t.Fatalf("members of %s as %s: %v", boardID, user, err)
	}
	return res.Members
}

// reloadedRoles reads a board's roles through a fresh actor system on the same store.
func reloadedRoles(t *testing.T, store actors.Store, boardID, as string) map[string]messages.Role {
	t.Helper()
	fresh := actors.NewBoards(store, actors.Options{})
	defer fresh.Shutdown(context.Background())
	return roles(members(t, fresh, as, boardID))
}

func roles(ms []messages.Member) map[string]messages.Role {
	out := map[string]messages.Role{}
	for _, m := range ms {
		out[m.UserID] = m.Role
	}
	return out
}

func decodeEvent(t *testing.T, e messages.Encoded) messages.Event {
	t.Helper()
	var ev messages.Event
	if err := json.Unmarshal(e.JSON, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestListMembers(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	want := []messages.Member{
		{UserID: alice, Name: "Alice", Email: "alice@example.com", Role: messages.RoleOwner},
		{UserID: bob, Name: "Bob", Email: "bob@example.com", Role: messages.RoleEditor},
		{UserID: carol, Name: "Carol", Email: "carol@example.com", Role: messages.RoleViewer},
	}
	if diff := cmp.Diff(want, members(t, b, carol, "board-1")); diff != "" {
		t.Fatalf("members seen by a viewer (-want +got):\n%s", diff)
	}
	_, err := b.Do(context.Background(), messages.ListMembers{Meta: meta(bob), BoardID: "board-2"})
	if messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("members of a foreign board: %v, want not_found", err)
	}
}

func TestChangeMembers(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	sub := subscribe(t, b, nil, 16)

	// Alice makes Bob an owner: member_added carries the member with the new role.
	res, err := b.Do(ctx, messages.UpdateMember{Meta: meta(alice), BoardID: "board-1", UserID: bob, Role: messages.RoleOwner})
	if err != nil || res.Member == nil || res.Member.Role != messages.RoleOwner {
		t.Fatalf("promote bob: %+v, %v", res, err)
	}
	if ev := decodeEvent(t, next(t, sub)); ev.Type != messages.MemberAdded || ev.Member == nil ||
		ev.Member.UserID != bob || ev.Member.Role != messages.RoleOwner || ev.ActorID != alice {
		t.Fatalf("event %+v, want member_added of bob as owner", ev)
	}
	// The same role again changes nothing and emits nothing.
	seq := res.Seq
	if res, err = b.Do(ctx, messages.UpdateMember{Meta: meta(alice), BoardID: "board-1", UserID: bob, Role: messages.RoleOwner}); err != nil || res.Seq != seq {
		t.Fatalf("no-op role change: %+v, %v, want seq %d", res, err, seq)
	}
	// With two owners, Alice may step down; then Bob is the last owner and must stay one.
	if _, err = b.Do(ctx, messages.UpdateMember{Meta: meta(alice), BoardID: "board-1", UserID: alice, Role: messages.RoleEditor}); err != nil {
		t.Fatalf("alice steps down: %v", err)
	}
	next(t, sub)
	for _, cmd := range []messages.Command{
		messages.UpdateMember{Meta: meta(bob), BoardID: "board-1", UserID: bob, Role: messages.RoleViewer},
		messages.RemoveMember{Meta: meta(bob), BoardID: "board-1", UserID: bob},
	} {
		if _, err := b.Do(ctx, cmd); messages.ErrorCode(err) != messages.CodeConflict {
			t.Fatalf("%T of the last owner: %v, want conflict", cmd, err)
		}
	}
	// Alice is no owner any more: she cannot manage members.
	if _, err := b.Do(ctx, messages.UpdateMember{Meta: meta(alice), BoardID: "board-1", UserID: alice, Role: messages.RoleOwner}); messages.ErrorCode(err) != messages.CodeForbidden {
		t.Fatalf("an editor promoting herself: %v, want forbidden", err)
	}
	want := map[string]messages.Role{alice: messages.RoleEditor, bob: messages.RoleOwner, carol: messages.RoleViewer}
	if got := roles(members(t, b, carol, "board-1")); !cmp.Equal(got, want) {
		t.Fatalf("roles %v, want %v", got, want)
	}
	if got := reloadedRoles(t, db, "board-1", carol); !cmp.Equal(got, want) {
		t.Fatalf("roles in the database %v, want %v", got, want)
	}
}

func TestAddMember(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()

	// Carol adds Bob to board-2, naming him by email in another case.
	res, err := b.Do(ctx, messages.AddMember{Meta: meta(carol), BoardID: "board-2", Email: " BOB@example.com ", Role: messages.RoleViewer})
	want := messages.Member{UserID: bob, Name: "Bob", Email: "bob@example.com", Role: messages.RoleViewer}
	if err != nil || res.Member == nil || *res.Member != want || res.Seq != 1 {
		t.Fatalf("add bob: %+v, %v, want %+v at seq 1", res.Member, err, want)
	}
	if s := snapshot(t, b, bob, "board-2"); s.Board.Role != messages.RoleViewer {
		t.Fatalf("bob's role on board-2: %s", s.Board.Role)
	}
	sub, err := b.Subscribe(ctx, messages.Subscribe{Meta: meta(bob), BoardID: "board-2", After: ptr(int64(0))})
	if err != nil || len(sub.Replay) != 1 {
		t.Fatalf("replay: %+v, %v", sub, err)
	}
	if ev := decodeEvent(t, sub.Replay[0]); ev.Type != messages.MemberAdded || ev.Member == nil || *ev.Member != want {
		t.Fatalf("event %+v, want member_added of bob", ev)
	}

	for _, tc := range []struct {
		name string
		cmd  messages.AddMember
		code messages.Code
		// field is the validation error's field.
		field string
	}{
		{"by an editor", messages.AddMember{Meta: meta(alice), BoardID: "board-2", UserID: "user-dave", Role: messages.RoleViewer}, messages.CodeForbidden, ""},
		{"by a stranger", messages.AddMember{Meta: meta("user-dave"), BoardID: "board-2", UserID: bob, Role: messages.RoleOwner}, messages.CodeNotFound, ""},
		{"an existing member", messages.AddMember{Meta: meta(carol), BoardID: "board-2", UserID: alice, Role: messages.RoleViewer}, messages.CodeConflict, ""},
		{"an unknown id", messages.AddMember{Meta: meta(carol), BoardID: "board-2", UserID: "user-nobody", Role: messages.RoleViewer}, messages.CodeValidation, "userId"},
		{"an unknown email", messages.AddMember{Meta: meta(carol), BoardID: "board-2", Email: "nobody@example.com", Role: messages.RoleViewer}, messages.CodeValidation, "email"},
		{"a bad role", messages.AddMember{Meta: meta(carol), BoardID: "board-2", UserID: bob, Role: "admin"}, messages.CodeValidation, "role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Do(ctx, tc.cmd)
			if e := messages.AsError(err); e.Code != tc.code || (tc.field != "" && e.Fields[tc.field] == "") {
				t.Fatalf("got %v (%v), want %s on %q", err, e.Fields, tc.code, tc.field)
			}
		})
	}
	if s := snapshot(t, b, carol, "board-2"); s.Seq != 1 {
		t.Fatalf("seq %d after refused changes, want 1", s.Seq)
	}
}

// Removing a member ends that user's subscriptions, after the member_removed event, and no
// one else's.
func TestRemoveMemberRevokes(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	open := func(user string) *messages.Subscription {
		sub, err := b.Subscribe(ctx, messages.Subscribe{Meta: meta(user), BoardID: "board-1", Live: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Unsubscribe(sub) })
		return sub
	}
	carol1, carol2, bobSub := open(carol), open(carol), open(bob)

	if _, err := b.Do(ctx, messages.RemoveMember{Meta: meta(alice), BoardID: "board-1", UserID: carol}); err != nil {
		t.Fatalf("remove carol: %v", err)
	}
	for _, sub := range []*messages.Subscription{carol1, carol2} {
		if ev := decodeEvent(t, next(t, sub)); ev.Type != messages.MemberRemoved || ev.UserID != carol {
			t.Fatalf("event %+v, want member_removed of carol", ev)
		}
		select {
		case _, ok := <-sub.Events:
			if ok || sub.Err() != messages.EndRevoked {
				t.Fatalf("carol's subscription delivered more or ended with %q, want %q", sub.Err(), messages.EndRevoked)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("carol's subscription still open")
		}
	}
	if ev := decodeEvent(t, next(t, bobSub)); ev.Type != messages.MemberRemoved {
		t.Fatalf("bob got %+v", ev)
	}
	createTask(t, b, "list-todo", "after")
	if ev := decodeEvent(t, next(t, bobSub)); ev.Type != messages.TaskCreated {
		t.Fatalf("bob got %+v, want his subscription to go on", ev)
	}
	if _, err := b.Subscribe(ctx, messages.Subscribe{Meta: meta(carol), BoardID: "board-1", Live: true}); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("carol subscribing again: %v, want not_found", err)
	}
	if _, err := b.Do(ctx, messages.RemoveMember{Meta: meta(alice), BoardID: "board-1", UserID: carol}); messages.ErrorCode(err) != messages.CodeNotFound {
		t.Fatalf("removing carol twice: %v, want not_found", err)
	}
	if got := reloadedRoles(t, db, "board-1", alice); got[carol] != "" || len(got) != 2 {
		t.Fatalf("roles in the database %v, want carol gone", got)
	}
	res, err := b.Do(ctx, messages.ListBoards{Meta: meta(carol)})
	if err != nil || len(res.Boards) != 1 || res.Boards[0].ID != "board-2" {
		t.Fatalf("carol's boards %+v, %v, want board-2 only", res.Boards, err)
	}
}

func TestLeaveBoard(t *testing.T) {
	db, _ := openStore(t)
	b := startBoards(t, db, actors.Options{})
	ctx := context.Background()
	// A viewer may not remove others, but may leave.
	if _, err := b.Do(ctx, messages.RemoveMember{Meta: meta(carol), BoardID: "board-1", UserID: bob}); messages.ErrorCode(err) != messages.CodeForbidden {
		t.Fatalf("viewer removing an editor: %v, want forbidden", err)
	}
	if _, err := b.Do(ctx, messages.RemoveMember{Meta: meta(carol), BoardID: "board-1", UserID: carol}); err != nil {
		t.Fatalf("carol leaves: %v", err)
	}
	// The last owner may not.
	if _, err := b.Do(ctx, messages.RemoveMember{Meta: meta(alice), BoardID: "board-1", UserID: alice}); messages.ErrorCode(err) != messages.CodeConflict {
		t.Fatalf("last owner leaving: %v, want conflict", err)
	}
	// An idempotent retry of a removal answers as the first time, without a second event.
	m := meta(alice)
	m.MutationID = "remove-bob"
	first, err := b.Do(ctx, messages.RemoveMember{Meta: m, BoardID: "board-1", UserID: bob})
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Do(ctx, messages.RemoveMember{Meta: m, BoardID: "board-1", UserID: bob})
	if err != nil || again.Seq != first.Seq || snapshot(t, b, alice, "board-1").Seq != first.Seq {
		t.Fatalf("retry: %+v, %v, want seq %d again", again, err, first.Seq)
	}
}
