package persistence_test

import (
	"context"
	"strings"
	"testing"

	"github.com/taskboard/taskboard/persistence"
)

// Room messages published on one node reach every node's WatchRoom in the order they were
// published; one too large for a notification is dropped.
func TestWatchRoomHearsEveryNode(t *testing.T) {
	postgresOnly(t)
	ctx, cancel := context.WithCancel(context.Background())
	a, _ := openSeeded(t)
	b := openAt(t, a.URL(), newClock())
	heard, resynced := make(chan string, 10), make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.WatchRoom(ctx, func(p []byte) { heard <- string(p) }, func() { resynced <- struct{}{} })
	}()
	defer func() { cancel(); <-done }()
	recvOrFail(t, resynced, "resync on listen")

	a.PublishRoom("", []byte(`{"n":1}`))
	a.PublishRoom("", []byte(strings.Repeat("x", persistence.MaxRoomPayload+1)))
	a.PublishRoom("cursor", []byte(`{"n":2}`))
	b.PublishRoom("", []byte(`{"n":3}`))
	var fromA []string
	fromB := false
	for range 3 {
		switch got := recvOrFail(t, heard, "room message"); got {
		case `{"n":3}`:
			fromB = true
		default:
			fromA = append(fromA, got)
		}
	}
	if !fromB || strings.Join(fromA, " ") != `{"n":1} {"n":2}` {
		t.Fatalf("heard %q from a (and b's: %v), want 1 then 2", fromA, fromB)
	}
}

// On SQLite there is one node: nothing to tell and nothing to hear.
func TestWatchRoomOnSQLiteReturns(t *testing.T) {
	sqliteOnly(t)
	db, _ := openSeeded(t)
	db.PublishRoom("", []byte(`{}`))
	db.WatchRoom(context.Background(), func([]byte) { t.Error("heard something") }, func() { t.Error("resync") })
}
