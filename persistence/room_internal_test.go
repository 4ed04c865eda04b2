package persistence

import (
	"slices"
	"testing"

	"github.com/rs/zerolog"
)

// A keyed room message waiting to be sent is replaced in its place by a newer one with the
// same key; messages without a key all go, in order.
func TestPublishRoomCoalescesByKey(t *testing.T) {
	p := &roomPublisher{keys: map[string]int{}, wake: make(chan struct{}, 1)} // not running: nothing is sent
	db := &DB{room: p, log: zerolog.Nop()}
	db.PublishRoom("cursor/b/u", []byte("c1"))
	db.PublishRoom("", []byte("join"))
	db.PublishRoom("cursor/b/u", []byte("c2"))
	db.PublishRoom("", []byte("leave"))
	db.PublishRoom("", []byte("leave"))
	db.PublishRoom("cursor/b/v", []byte("v1"))
	if want := []string{"c2", "join", "leave", "leave", "v1"}; !slices.Equal(p.pending, want) {
		t.Fatalf("pending %q, want %q", p.pending, want)
	}
}
