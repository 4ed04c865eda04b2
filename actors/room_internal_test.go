package actors

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/messages"
)

// stateStore serves one board from memory; the room needs nothing else.
type stateStore struct {
	Store
	state messages.BoardState
}

func (s stateStore) LoadBoard(context.Context, string, int) (messages.BoardState, error) {
	return s.state, nil
}

// sinkRecorder keeps a sink's deliveries, accepting up to room of them.
type sinkRecorder struct {
	room  int
	got   []string // the types delivered
	ended string
}

func (s *sinkRecorder) Deliver(m *messages.Encoded) bool {
	if len(s.got) == s.room {
		return false
	}
	s.got = append(s.got, string(m.Type))
	return true
}

func (s *sinkRecorder) End(reason string) { s.ended = reason }

func newRoomBoard(t *testing.T) *board {
	t.Helper()
	st := messages.BoardState{
		Board: messages.Board{ID: "board-1", Name: "Launch"},
		Members: []messages.Member{
			{UserID: "user-alice", Name: "Alice", Role: messages.RoleOwner},
			{UserID: "user-bob", Name: "Bob", Role: messages.RoleEditor},
		},
		FirstSeq: 1,
	}
	b := newBoard("board-1", stateStore{state: st}, Options{Logger: zerolog.Nop()}.withDefaults())
	if err := b.load(); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *board) joinAs(t *testing.T, user string, sink messages.Sink) *messages.Subscription {
	t.Helper()
	id := uint64(1)
	for used := range b.subs {
		id = max(id, used+1)
	}
	sub, _, _, err := b.subscribe(messages.Subscribe{Meta: messages.Meta{UserID: user}, BoardID: b.id, Live: true, Sink: sink, Room: true}, id)
	if err != nil {
		t.Fatalf("join as %s: %v", user, err)
	}
	return sub
}

// TestRevokedUserLeavesTheRoom checks the hook that ends a removed member's live streams:
// its connections are told why, and the room sees the user leave.
func TestRevokedUserLeavesTheRoom(t *testing.T) {
	b := newRoomBoard(t)
	alice := &sinkRecorder{room: 10}
	bob1, bob2 := &sinkRecorder{room: 10}, &sinkRecorder{room: 10}
	b.joinAs(t, "user-alice", alice)
	b.joinAs(t, "user-bob", bob1)
	b.joinAs(t, "user-bob", bob2)
	alice.got = nil

	b.endUser("user-bob", messages.EndRevoked)
	if bob1.ended != messages.EndRevoked || bob2.ended != messages.EndRevoked {
		t.Fatalf("bob's connections ended with %q and %q, want %q", bob1.ended, bob2.ended, messages.EndRevoked)
	}
	if want := []string{"user_left", "presence"}; !slices.Equal(alice.got, want) {
		t.Fatalf("alice got %v, want %v", alice.got, want)
	}
	if alice.ended != "" || len(b.subs) != 1 || b.roomUsers["user-bob"] != 0 {
		t.Fatalf("after revoking bob: alice ended %q, %d subscribers, room %v", alice.ended, len(b.subs), b.roomUsers)
	}
}

// TestSlowRoomMemberIsDropped checks that a member whose sink is full is ended with EndSlow
// and leaves the room for the others, while the fan-out goes on.
func TestSlowRoomMemberIsDropped(t *testing.T) {
	b := newRoomBoard(t)
	alice := &sinkRecorder{room: 10}
	bob := &sinkRecorder{room: 0}
	b.joinAs(t, "user-alice", alice)
	b.joinAs(t, "user-bob", bob)
	alice.got = nil

	data, _ := json.Marshal(messages.Event{Type: messages.TaskDeleted, BoardID: "board-1", Seq: 1})
	b.fanOut(messages.NewEncoded(1, messages.TaskDeleted, "", data))
	if bob.ended != messages.EndSlow {
		t.Fatalf("bob ended with %q, want %q", bob.ended, messages.EndSlow)
	}
	if want := []string{"task_deleted", "user_left", "presence"}; !slices.Equal(alice.got, want) {
		t.Fatalf("alice got %v, want %v", alice.got, want)
	}
}
