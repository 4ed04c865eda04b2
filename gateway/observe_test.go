package gateway_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/taskboard/taskboard/gateway"
)

type connections struct {
	Data []struct {
		BoardID   string `json:"boardId"`
		SSE       int    `json:"sse"`
		WebSocket int    `json:"websocket"`
		LongPoll  int    `json:"longPoll"`
	} `json:"data"`
	Total struct {
		SSE       int `json:"sse"`
		WebSocket int `json:"websocket"`
		LongPoll  int `json:"longPoll"`
	} `json:"total"`
}

// awaitConnections asks GET /admin/connections until boardID has the counts want (sse,
// websocket, longPoll), failing after the test's bound. The counts change on the server's
// goroutines after what the client sees, so it asks again rather than once.
func awaitConnections(t *testing.T, c *client, boardID string, want [3]int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var got connections
		res := c.do(t, "GET", "/admin/connections", nil)
		res.want(t, http.StatusOK)
		res.decode(t, &got)
		var counts [3]int
		for _, b := range got.Data {
			if b.BoardID == boardID {
				counts = [3]int{b.SSE, b.WebSocket, b.LongPoll}
			}
		}
		if counts == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections of %s: got %v, want %v (%s)", boardID, counts, want, res.Body)
		}
		<-tick.C
	}
}

func TestAdminConnectionsCountsLiveConnectionsOfOwnedBoards(t *testing.T) {
	e := newServer(t)
	alice, carol := e.as(t, "alice"), e.as(t, "carol")

	e.anon().do(t, "GET", "/admin/connections", nil).wantError(t, http.StatusUnauthorized, "unauthorized")
	e.as(t, "bob").do(t, "GET", "/admin/connections", nil).wantError(t, http.StatusForbidden, "forbidden")

	sse := alice.stream(t, "/boards/board-1/events")
	sse.connected(t, "board-1")
	ws := alice.joined(t, gwsLib, "board-1")
	ws.send(t, map[string]any{"type": "join", "boardId": "board-2"})
	expect(t, ws, "presence")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polled := make(chan error, 1)
	go func() {
		resp, err := e.srv.Client().Do(alice.request(t, ctx, "GET", "/boards/board-1/poll?timeout=30", nil))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		polled <- err
	}()

	awaitConnections(t, alice, "board-1", [3]int{1, 1, 1})
	var own connections
	res := alice.do(t, "GET", "/admin/connections", nil)
	res.decode(t, &own)
	if len(own.Data) != 1 || own.Data[0].BoardID != "board-1" || own.Total.SSE != 1 || own.Total.WebSocket != 1 || own.Total.LongPoll != 1 {
		t.Fatalf("alice sees %s, want board-1 alone (board-2 is carol's)", res.Body)
	}
	awaitConnections(t, carol, "board-2", [3]int{0, 1, 0})

	cancel()
	recv(t, polled, "end of the canceled poll")
	sse.close()
	ws.send(t, map[string]any{"type": "leave", "boardId": "board-2"})
	awaitConnections(t, alice, "board-1", [3]int{0, 1, 0})
	awaitConnections(t, carol, "board-2", [3]int{0, 0, 0})
	ws.close()
	awaitConnections(t, alice, "board-1", [3]int{0, 0, 0})
}

// recorder is a gateway.Observer that remembers deliveries.
type recorder struct {
	mu        sync.Mutex
	open      map[string]int
	delivered map[string]int
	timed     map[string]int // deliveries with a commit time
	changed   chan struct{}
}

func newRecorder() *recorder {
	return &recorder{open: map[string]int{}, delivered: map[string]int{}, timed: map[string]int{}, changed: make(chan struct{}, 1)}
}

func (r *recorder) update(f func()) {
	r.mu.Lock()
	f()
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) Connected(tr string)    { r.update(func() { r.open[tr]++ }) }
func (r *recorder) Disconnected(tr string) { r.update(func() { r.open[tr]-- }) }
func (r *recorder) Refused(string, string) {}
func (r *recorder) Delivered(tr string, at time.Time) {
	r.update(func() {
		r.delivered[tr]++
		if !at.IsZero() {
			r.timed[tr]++
		}
	})
}

// await waits until cond holds of the recorded counts.
func (r *recorder) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(wait)
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("no %s within %v: open %v, delivered %v, timed %v", what, wait, r.open, r.delivered, r.timed)
		}
	}
}

func TestObserverSeesConnectionsAndTimedDeliveries(t *testing.T) {
	rec := newRecorder()
	e := newServer(t, func(c *gateway.Config) { c.Observer = rec })
	alice := e.as(t, "alice")

	sse := alice.stream(t, "/boards/board-1/events")
	sse.connected(t, "board-1")
	ws := alice.joined(t, gwsLib, "board-1")
	rec.await(t, "two connections", func() bool { return rec.open["sse"] == 1 && rec.open["websocket"] == 1 })

	alice.createTask(t, "list-todo", "one")
	sse.event(t)
	expect(t, ws, "task_created")
	rec.await(t, "timed live deliveries", func() bool { return rec.timed["sse"] == 1 && rec.timed["websocket"] == 1 })

	// A replay is delivered but not timed.
	alice.do(t, "GET", "/boards/board-1/poll?since=0", nil).want(t, http.StatusOK)
	rec.await(t, "an untimed replay", func() bool { return rec.delivered["longpoll"] == 1 && rec.timed["longpoll"] == 0 })

	sse.close()
	ws.close()
	rec.await(t, "the connections to end", func() bool { return rec.open["sse"] == 0 && rec.open["websocket"] == 0 })
}
