package gateway

import (
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/messages"
)

// feedConsumer is a connection reduced to its feed: what it queues for the client.
type feedConsumer struct {
	feed
	queued []int64
}

func (c *feedConsumer) deliver(t *testing.T, m *messages.Encoded) {
	t.Helper()
	if held, ok := c.hold(m, 4); held {
		if !ok {
			t.Fatalf("seq %d: held too many", m.Seq)
		}
		return
	}
	c.queue(t, m)
}

func (c *feedConsumer) queue(t *testing.T, m *messages.Encoded) {
	t.Helper()
	if !c.fresh(m) {
		return
	}
	if m.Seq > 0 {
		if after, gap := c.advance(m.Seq, m.Seq); gap {
			t.Fatalf("gap: seq %d after %d", m.Seq, after)
		}
	}
	c.queued = append(c.queued, m.Seq)
}

func (c *feedConsumer) subscribed(t *testing.T, sub *messages.Subscription, after *int64) {
	t.Helper()
	c.start(sub, after)
	for i := range sub.Replay {
		c.queue(t, &sub.Replay[i])
	}
	for _, m := range c.joined() {
		c.queue(t, m)
	}
}

func events(seqs ...int64) []messages.Encoded {
	out := make([]messages.Encoded, len(seqs))
	for i, seq := range seqs {
		out[i] = messages.Encoded{Seq: seq}
	}
	return out
}

// A feed follows a board across a restart: the events delivered while it joins again wait
// for the replay, and what the old subscription and the new one both carry is queued once.
func TestFeedBridgesRestart(t *testing.T) {
	c := &feedConsumer{feed: feed{joining: true}}
	after := int64(1)
	// Delivered live while the replay is not queued yet.
	c.deliver(t, &events(4)[0])
	c.subscribed(t, &messages.Subscription{Seq: 3, Replay: events(2, 3)}, &after)
	c.deliver(t, &events(5)[0])
	if !c.restart(messages.EndRestarted) {
		t.Fatal("a board restart ends the subscription: want it taken again")
	}
	// The new subscription's live events come before its replay; some the client has.
	for _, m := range events(5, 7) {
		c.deliver(t, &m)
	}
	again := c.last
	c.subscribed(t, &messages.Subscription{Seq: 6, Replay: events(6)}, &again)
	c.deliver(t, &messages.Encoded{}) // a room message
	c.deliver(t, &events(8)[0])
	if diff := cmp.Diff([]int64{2, 3, 4, 5, 6, 7, 0, 8}, c.queued); diff != "" {
		t.Fatalf("queued (-want +got):\n%s", diff)
	}
}

// A resync starts the feed at the board's seq; a live-only subscription too.
func TestFeedStart(t *testing.T) {
	after := int64(99)
	for _, tc := range []struct {
		name  string
		sub   messages.Subscription
		after *int64
		want  int64
	}{
		{"live only", messages.Subscription{Seq: 7}, nil, 7},
		{"resume", messages.Subscription{Seq: 7}, &after, 99},
		{"resync", messages.Subscription{Seq: 7, Resync: true}, &after, 7},
	} {
		var f feed
		f.start(&tc.sub, tc.after)
		if f.last != tc.want {
			t.Errorf("%s: last %d, want %d", tc.name, f.last, tc.want)
		}
	}
}

// Restarts are bridged maxRestarts times back to back, then the subscription ends; an event
// in between starts the count again. Other ends are never bridged.
func TestFeedRestartBound(t *testing.T) {
	var f feed
	for _, reason := range []string{messages.EndSlow, messages.EndDeleted, messages.EndRevoked, messages.EndShutdown, messages.EndUnsubscribed} {
		if f.restart(reason) {
			t.Fatalf("%s bridged, want it to end the subscription", reason)
		}
	}
	for i := range maxRestarts {
		if !f.restart(messages.EndRestarted) {
			t.Fatalf("restart %d not bridged", i+1)
		}
		f.joined()
	}
	if f.restart(messages.EndRestarted) {
		t.Fatalf("restart %d bridged, want the subscription ended", maxRestarts+1)
	}
	f.advance(1, 1)
	if !f.restart(messages.EndRestarted) {
		t.Fatal("restart after an event not bridged")
	}
}

// A feed holds at most bound deliveries while joining.
func TestFeedHoldBound(t *testing.T) {
	f := feed{joining: true}
	for seq := range int64(3) {
		if held, ok := f.hold(&messages.Encoded{Seq: seq + 1}, 3); !held || !ok {
			t.Fatalf("seq %d: held %v ok %v, want held", seq+1, held, ok)
		}
	}
	if held, ok := f.hold(&messages.Encoded{Seq: 4}, 3); !held || ok {
		t.Fatalf("past the bound: held %v ok %v, want refused", held, ok)
	}
	if got := len(f.joined()); got != 3 {
		t.Fatalf("%d held, want 3", got)
	}
	if held, _ := f.hold(&messages.Encoded{Seq: 5}, 3); held {
		t.Fatal("held once joined")
	}
}

// The structs every idle connection keeps do not grow (docs/performance.md): an SSE stream
// (304 bytes, in the 320-byte size class) and each board room of a WebSocket (80 bytes).
func TestLiveConnectionSizes(t *testing.T) {
	if got := unsafe.Sizeof(sseConn{}); got > 320 {
		t.Errorf("sseConn is %d bytes, want at most 320", got)
	}
	if got := unsafe.Sizeof(wsRoom{}); got > 80 {
		t.Errorf("wsRoom is %d bytes, want at most 80", got)
	}
	if got := unsafe.Sizeof(feed{}); got > 40 {
		t.Errorf("feed is %d bytes, want at most 40", got)
	}
}
