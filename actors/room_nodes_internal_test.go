package actors

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/messages"
)

// noteRecorder keeps what a board tells the other nodes.
type noteRecorder struct {
	SharedStore
	keys  []string
	notes [][]byte
}

func (r *noteRecorder) PublishRoom(key string, payload []byte) {
	r.keys, r.notes = append(r.keys, key), append(r.notes, payload)
}

// A room too large for one note is announced in several, each small enough to send, that
// together name every user once.
func TestAnnounceSplitsLargeRooms(t *testing.T) {
	st := messages.BoardState{Board: messages.Board{ID: "board-1", Name: "Launch"}, FirstSeq: 1}
	const users = 300
	for i := range users {
		st.Members = append(st.Members, messages.Member{
			UserID: fmt.Sprintf("user-%03d", i), Name: strings.Repeat("n", 90), Role: messages.RoleViewer})
	}
	b := newBoard("board-1", stateStore{state: st}, Options{Logger: zerolog.Nop()}.withDefaults())
	if err := b.load(); err != nil {
		t.Fatal(err)
	}
	rec := &noteRecorder{}
	b.node, b.nodes = "node-a", rec
	for _, m := range st.Members {
		b.joinAs(t, m.UserID, &sinkRecorder{room: 1000})
	}
	if len(rec.notes) != users {
		t.Fatalf("%d notes for %d joins", len(rec.notes), users)
	}
	rec.keys, rec.notes = nil, nil

	b.announce(false)
	if len(rec.notes) < 2 {
		t.Fatalf("%d notes, want the room split", len(rec.notes))
	}
	seen, keys := map[string]bool{}, map[string]bool{}
	for i, data := range rec.notes {
		if len(data) > maxNote {
			t.Fatalf("note %d has %d bytes, over %d", i, len(data), maxNote)
		}
		var n roomNote
		if err := json.Unmarshal(data, &n); err != nil || n.Kind != noteHere || n.Node != "node-a" || n.Board != "board-1" {
			t.Fatalf("note %d: %s (%v)", i, data, err)
		}
		for _, v := range n.Users {
			if seen[v.UserID] {
				t.Fatalf("%s announced twice", v.UserID)
			}
			seen[v.UserID] = true
		}
		if keys[rec.keys[i]] {
			t.Fatalf("key %q used twice: a part would replace another", rec.keys[i])
		}
		keys[rec.keys[i]] = true
	}
	if len(seen) != users {
		t.Fatalf("%d users announced, want %d", len(seen), users)
	}
}
