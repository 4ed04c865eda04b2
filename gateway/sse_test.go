package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
)

func TestSSEDeliversTaskCreated(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events")
	for name, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := s.Header.Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	if seq := s.connected(t, "board-1"); seq != 0 {
		t.Fatalf("connected seq %d, want 0 on a fresh board", seq)
	}

	res := alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "Live"},
		"X-Request-Id", "trace-create-1", "Idempotency-Key", "c-7f3a")
	res.want(t, http.StatusCreated)
	var task messages.Task
	res.decode(t, &task)
	if loc := res.Header.Get("Location"); loc != "/tasks/"+task.ID {
		t.Errorf("Location %q, want /tasks/%s", loc, task.ID)
	}
	if etag := res.Header.Get("ETag"); etag != `"1"` {
		t.Errorf("ETag %q, want \"1\"", etag)
	}
	if id := res.Header.Get("X-Request-Id"); id != "trace-create-1" {
		t.Errorf("X-Request-Id %q, want trace-create-1", id)
	}

	ev := s.event(t)
	if ev.Type != messages.TaskCreated || ev.Seq != 1 || ev.BoardID != "board-1" || ev.Task == nil || ev.Task.ID != task.ID {
		t.Fatalf("event %+v, want task_created 1 of %s", ev, task.ID)
	}
	if ev.RequestID != "trace-create-1" || ev.ClientMutationID != "c-7f3a" || ev.ActorID != "user-alice" {
		t.Fatalf("event requestId %q clientMutationId %q actorId %q, want trace-create-1, c-7f3a, user-alice",
			ev.RequestID, ev.ClientMutationID, ev.ActorID)
	}
	// The trace: the stream logs the delivery under its own request id and the event's.
	e.logs.await(t, map[string]any{"req": s.ReqID, "event_req": "trace-create-1", "seq": 1, "board": "board-1"})

	// A snapshot's seq is where a stream picks up.
	var snap messages.Snapshot
	alice.do(t, "GET", "/boards/board-1", nil).decode(t, &snap)
	s2 := alice.stream(t, "/boards/board-1/events")
	if seq := s2.connected(t, "board-1"); seq != snap.Seq || seq != 1 {
		t.Fatalf("connected seq %d, want the snapshot's %d", seq, snap.Seq)
	}
}

func TestSSEResume(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	first := alice.createTask(t, "list-todo", "one")
	if ev := s.event(t); ev.Seq != 1 {
		t.Fatalf("seq %d, want 1", ev.Seq)
	}
	s.close()

	// Three changes while disconnected.
	alice.createTask(t, "list-todo", "two")
	alice.do(t, "PATCH", "/tasks/"+first.ID, map[string]any{"title": "one, renamed"}).want(t, http.StatusOK)
	alice.do(t, "PATCH", "/tasks/"+first.ID+"/move", map[string]any{"listId": "list-done", "position": 0}).want(t, http.StatusOK)

	check := func(t *testing.T, s *sseStream, from int64) {
		t.Helper()
		if seq := s.connected(t, "board-1"); seq != 4 {
			t.Fatalf("connected seq %d, want 4", seq)
		}
		types := []messages.EventType{messages.TaskCreated, messages.TaskUpdated, messages.TaskMoved}
		for seq := from + 1; seq <= 4; seq++ {
			if ev := s.event(t); ev.Seq != seq || ev.Type != types[seq-2] {
				t.Fatalf("replayed %s %d, want %s %d", ev.Type, ev.Seq, types[seq-2], seq)
			}
		}
	}
	t.Run("Last-Event-ID", func(t *testing.T) {
		s := alice.stream(t, "/boards/board-1/events", "Last-Event-ID", "1")
		check(t, s, 1)
		// Then live.
		alice.do(t, "DELETE", "/tasks/"+first.ID, nil).want(t, http.StatusNoContent)
		if ev := s.event(t); ev.Seq != 5 || ev.Type != messages.TaskDeleted || ev.TaskID != first.ID {
			t.Fatalf("live event %+v, want task_deleted 5", ev)
		}
	})
	t.Run("lastEventId", func(t *testing.T) {
		s := alice.stream(t, "/boards/board-1/events?lastEventId=2")
		if seq := s.connected(t, "board-1"); seq != 5 {
			t.Fatalf("connected seq %d, want 5", seq)
		}
		for seq := int64(3); seq <= 5; seq++ {
			if ev := s.event(t); ev.Seq != seq {
				t.Fatalf("replayed %d, want %d", ev.Seq, seq)
			}
		}
	})
	t.Run("header beats query", func(t *testing.T) {
		s := alice.stream(t, "/boards/board-1/events?lastEventId=0", "Last-Event-ID", "4")
		s.connected(t, "board-1")
		if ev := s.event(t); ev.Seq != 5 {
			t.Fatalf("replayed %d, want 5", ev.Seq)
		}
	})
	t.Run("resync when ahead", func(t *testing.T) {
		s := alice.stream(t, "/boards/board-1/events", "Last-Event-ID", "999")
		if seq := s.connected(t, "board-1"); seq != 5 {
			t.Fatalf("connected seq %d, want 5", seq)
		}
		f := s.nextEvent(t)
		if f.Event != "resync" || f.Data != `{"type":"resync","seq":5}` || f.ID != "5" {
			t.Fatalf("frame %+v, want a resync to 5 with id 5", f)
		}
		alice.createTask(t, "list-todo", "after resync")
		if ev := s.event(t); ev.Seq != 6 {
			t.Fatalf("live event %d, want 6", ev.Seq)
		}
	})
	t.Run("bad id", func(t *testing.T) {
		alice.do(t, "GET", "/boards/board-1/events?lastEventId=abc", nil).wantError(t, http.StatusBadRequest, messages.CodeValidation)
		alice.do(t, "GET", "/boards/board-1/events", nil, "Last-Event-ID", "-3").wantError(t, http.StatusBadRequest, messages.CodeValidation)
	})
}

func TestSSEResumeAcrossRestart(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	alice.createTask(t, "list-todo", "one")
	alice.createTask(t, "list-todo", "two")
	alice.createTask(t, "list-todo", "three")
	e.stop()

	e2 := startServer(t, e.path)
	alice = e2.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events", "Last-Event-ID", "1")
	if seq := s.connected(t, "board-1"); seq != 3 {
		t.Fatalf("connected seq %d after restart, want 3", seq)
	}
	for seq := int64(2); seq <= 3; seq++ {
		if ev := s.event(t); ev.Seq != seq || ev.Type != messages.TaskCreated {
			t.Fatalf("replayed %s %d, want task_created %d", ev.Type, ev.Seq, seq)
		}
	}
	alice.createTask(t, "list-todo", "four")
	if ev := s.event(t); ev.Seq != 4 {
		t.Fatalf("live event %d, want 4", ev.Seq)
	}
}

// TestSSEResumeWhileWriting resumes from an id old enough for the replay to come from the
// events table, then the ring (RingSize 3), while another user keeps writing: the stream must
// be contiguous across the table, the ring and the live events.
func TestSSEResumeWhileWriting(t *testing.T) {
	e := newServerWith(t, setup{actors: actors.Options{RingSize: 3}})
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	for i := range 10 {
		bob.createTask(t, "list-todo", fmt.Sprint("before ", i))
	}

	const writes = 40
	started := make(chan struct{})
	failed := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range writes {
			if i == 5 {
				close(started)
			}
			req := bob.request(t, context.Background(), "POST", "/tasks", map[string]any{"listId": "list-in-progress", "title": fmt.Sprint("during ", i)})
			resp, err := e.srv.Client().Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			if err != nil {
				failed <- fmt.Errorf("POST during the replay: %w", err)
				return
			}
		}
	}()
	select {
	case <-started:
	case err := <-failed:
		t.Fatal(err)
	case <-time.After(wait):
		t.Fatalf("bob's first writes took over %s", wait)
	}
	last := int64(2)
	s := alice.stream(t, "/boards/board-1/events", "Last-Event-ID", strconv.FormatInt(last, 10))
	s.connected(t, "board-1")
	for last < 10+writes {
		ev := s.event(t)
		if ev.Seq != last+1 {
			t.Fatalf("got seq %d after %d: a gap or a duplicate", ev.Seq, last)
		}
		last = ev.Seq
	}
	wg.Wait()
	select {
	case err := <-failed:
		t.Fatal(err)
	default:
	}
}

func TestSSEBoardIsolation(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	s1 := alice.stream(t, "/boards/board-1/events")
	s1.connected(t, "board-1")
	s2 := alice.stream(t, "/boards/board-2/events")
	s2.connected(t, "board-2")

	alice.createTask(t, "list-b2-todo", "board two")
	if ev := s2.event(t); ev.BoardID != "board-2" || ev.Seq != 1 {
		t.Fatalf("board-2 stream got %+v", ev)
	}
	// Had the board-2 event leaked, it would come first: it was fanned out before this post.
	alice.createTask(t, "list-todo", "board one")
	if ev := s1.event(t); ev.BoardID != "board-1" || ev.Seq != 1 || ev.Task.Title != "board one" {
		t.Fatalf("board-1 stream got %+v, want only board-1's event", ev)
	}
}

func TestSSEAccess(t *testing.T) {
	e := newServer(t)
	e.anon().do(t, "GET", "/boards/board-1/events", nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	e.as(t, "bob").do(t, "GET", "/boards/board-2/events", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	e.as(t, "bob").do(t, "GET", "/boards/nope/events", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	// A viewer streams.
	e.as(t, "carol").stream(t, "/boards/board-1/events").connected(t, "board-1")
}

func TestSSEHeartbeat(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.Heartbeat = 20 * time.Millisecond })
	s := e.as(t, "alice").stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	for range 2 {
		if f := s.next(t); f.Comment != "heartbeat" {
			t.Fatalf("frame %+v, want a heartbeat comment", f)
		}
	}
}

func TestSSEEndsWhenClientLeaves(t *testing.T) {
	idle := newIdleBoards()
	e := newServerWith(t, idle.setup())
	alice := e.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	s.close()
	// The access log line is written when the handler has returned.
	e.logs.await(t, map[string]any{"req": s.ReqID, "message": "request", "path": "/boards/board-1/events"})
	// The board forgot the subscriber: an idle board with none leaves memory.
	idle.awaitStopped(t, "board-1", "board-1 still has the subscriber of a stream that ended")
}

func TestSSEEndsOnServerClose(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	s1 := alice.stream(t, "/boards/board-1/events")
	s1.connected(t, "board-1")
	s2 := alice.stream(t, "/boards/board-2/events")
	s2.connected(t, "board-2")
	e.gw.Close()
	s1.awaitEnd(t)
	s2.awaitEnd(t)
	e.logs.await(t, map[string]any{"req": s1.ReqID, "message": "request"})
	e.logs.await(t, map[string]any{"req": s2.ReqID, "message": "request"})
	alice.do(t, "GET", "/boards/board-1/events", nil).wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
}

// endingBoards wraps the real boards so that a test can end live subscriptions the way a
// board does when it restarts or finds a subscriber too slow.
type endingBoards struct {
	gateway.Boards
	// added, if set, receives once for each live subscription opened.
	added      chan struct{}
	mu         sync.Mutex
	ends       []func(reason string)
	subscribes int
}

func (b *endingBoards) Subscribe(ctx context.Context, c messages.Subscribe) (*messages.Subscription, error) {
	if !c.Live {
		return b.Boards.Subscribe(ctx, c)
	}
	if c.Sink != nil {
		sink := &endingSink{Sink: c.Sink}
		c.Sink = sink
		real, err := b.Boards.Subscribe(ctx, c)
		if err == nil {
			b.add(func(why string) {
				sink.End(why)
				b.Boards.Unsubscribe(real)
			})
		}
		return real, err
	}
	real, err := b.Boards.Subscribe(ctx, c)
	if err != nil {
		return real, err
	}
	events, reason, end := make(chan *messages.Encoded, c.Buffer), new(string), make(chan string, 1)
	sub := messages.NewSubscription(real.ID, real.BoardID, real.UserID, events, reason)
	sub.Seq, sub.Resync, sub.Replay = real.Seq, real.Resync, real.Replay
	b.add(func(why string) { end <- why })
	go func() {
		defer close(events)
		for {
			select {
			case enc, ok := <-real.Events:
				if !ok {
					*reason = real.Err()
					return
				}
				events <- enc
			case why := <-end:
				b.Boards.Unsubscribe(real)
				*reason = why
				return
			}
		}
	}()
	return sub, nil
}

func (b *endingBoards) add(end func(reason string)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ends = append(b.ends, end)
	b.subscribes++
	if b.added != nil {
		b.added <- struct{}{}
	}
}

// end ends every live subscription opened so far with reason.
func (b *endingBoards) end(reason string) {
	b.mu.Lock()
	ends := b.ends
	b.ends = nil
	b.mu.Unlock()
	for _, end := range ends {
		end(reason)
	}
}

// endingSink passes a board's deliveries on until the test ends it: then the subscriber
// hears the test's reason, and nothing of the real subscription's own end.
type endingSink struct {
	messages.Sink
	mu    sync.Mutex
	ended bool
}

func (s *endingSink) Deliver(m *messages.Encoded) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended || s.Sink.Deliver(m)
}

func (s *endingSink) End(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.ended = true
		s.Sink.End(reason)
	}
}

func (b *endingBoards) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.subscribes
}

func TestSSEBridgesBoardRestart(t *testing.T) {
	var boards *endingBoards
	e := newServer(t, func(c *gateway.Config) {
		boards = &endingBoards{Boards: c.Boards}
		c.Boards = boards
	})
	alice := e.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	alice.createTask(t, "list-todo", "one")
	if ev := s.event(t); ev.Seq != 1 {
		t.Fatalf("seq %d, want 1", ev.Seq)
	}
	boards.end(messages.EndRestarted)
	alice.createTask(t, "list-todo", "two")
	alice.createTask(t, "list-todo", "three")
	for seq := int64(2); seq <= 3; seq++ {
		if ev := s.event(t); ev.Seq != seq {
			t.Fatalf("seq %d after the restart, want %d (no second connected, no gap, no duplicate)", ev.Seq, seq)
		}
	}
	if n := boards.count(); n != 2 {
		t.Fatalf("%d subscriptions, want 2: the stream subscribes again after a restart", n)
	}
}

func TestSSEEndsWhenDropped(t *testing.T) {
	var boards *endingBoards
	e := newServer(t, func(c *gateway.Config) {
		boards = &endingBoards{Boards: c.Boards}
		c.Boards = boards
	})
	s := e.as(t, "alice").stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	boards.end(messages.EndSlow)
	s.awaitEnd(t)
	e.logs.await(t, map[string]any{"req": s.ReqID, "message": "sse subscription ended", "reason": messages.EndSlow})
	if n := boards.count(); n != 1 {
		t.Fatalf("%d subscriptions, want 1: a dropped client resumes by itself", n)
	}
}

func TestSSEStreamLeavesTheHTTPServer(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	// Taken over from net/http, the stream is delimited by the connection's end: neither
	// chunked nor kept alive.
	if s.Header.Get("Content-Type") != "text/event-stream" || s.Header.Get("X-Request-Id") == "" {
		t.Fatalf("headers %v", s.Header)
	}
	if len(s.TransferEncoding) != 0 || !s.Close {
		t.Fatalf("transfer encoding %v, close %v: want an identity body ended by closing", s.TransferEncoding, s.Close)
	}
	alice.createTask(t, "list-todo", "one")
	if ev := s.event(t); ev.Seq != 1 || ev.Type != "task_created" {
		t.Fatalf("event %+v", ev)
	}
	e.logs.await(t, map[string]any{"req": s.ReqID, "message": "request", "status": float64(http.StatusOK)})
}

func TestSSEOverHTTP2(t *testing.T) {
	e := newServerWith(t, setup{http2: true}, func(c *gateway.Config) { c.Heartbeat = 20 * time.Millisecond })
	alice := e.as(t, "alice")
	alice.createTask(t, "list-todo", "one")
	s := alice.stream(t, "/boards/board-1/events", "Last-Event-ID", "0")
	if s.ProtoMajor != 2 {
		t.Fatalf("protocol %d, want HTTP/2", s.ProtoMajor)
	}
	s.connected(t, "board-1")
	if ev := s.event(t); ev.Seq != 1 {
		t.Fatalf("replayed seq %d, want 1", ev.Seq)
	}
	alice.createTask(t, "list-todo", "two")
	if ev := s.event(t); ev.Seq != 2 {
		t.Fatalf("live seq %d, want 2", ev.Seq)
	}
	if f := s.next(t); f.Comment != "heartbeat" {
		t.Fatalf("frame %+v, want a heartbeat", f)
	}
}

func TestSSESlowReaderIsDropped(t *testing.T) {
	e := newServerWith(t, setup{listen: func(l net.Listener) net.Listener { return smallBuffers{l} }},
		func(c *gateway.Config) { c.SSEBuffer = 8 })
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	fast := alice.stream(t, "/boards/board-1/events")
	fast.connected(t, "board-1")

	// A client that asks for the stream and never reads it.
	slow, err := smallReadBuffer(context.Background(), "tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "GET /boards/board-1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Request-Id: slow-reader\r\n\r\n", bob.token)
	e.logs.await(t, map[string]any{"req": "slow-reader", "message": "request"})

	description := strings.Repeat("d", 5000)
	for seq := int64(1); len(e.logs.all(map[string]any{"req": "slow-reader", "message": "sse subscription ended", "reason": messages.EndSlow})) == 0; seq++ {
		if seq > 500 {
			t.Fatal("the slow reader was never dropped")
		}
		alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "big", "description": description}).want(t, http.StatusCreated)
		if ev := fast.event(t); ev.Seq != seq {
			t.Fatalf("fast stream got seq %d, want %d", ev.Seq, seq)
		}
	}
	// Dropped, the slow stream is closed at once, while its client still reads nothing: not
	// after its blocked write has timed out.
	e.logs.await(t, map[string]any{"req": "slow-reader", "message": "sse stream closed", "reason": messages.EndSlow})
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, slow); err != nil {
		t.Fatalf("slow reader: %v, want the connection closed", err)
	}
}

// A replay longer than the stream's buffer is not cut short silently: the stream writes what
// fits (at least one event, however small the buffer) and ends, and the client resumes with
// Last-Event-ID until it has every event.
func TestSSEReplayLongerThanBuffer(t *testing.T) {
	for _, buffer := range []int{1, 4} {
		t.Run(fmt.Sprint("buffer=", buffer), func(t *testing.T) {
			e := newServer(t, func(c *gateway.Config) { c.SSEBuffer = buffer })
			alice := e.as(t, "alice")
			const events = 20
			for i := range events {
				alice.createTask(t, "list-todo", fmt.Sprint("task ", i))
			}
			last := int64(0)
			for streams := 0; last < events; streams++ {
				if streams > events {
					t.Fatalf("still at seq %d after %d streams", last, streams)
				}
				s := alice.stream(t, "/boards/board-1/events", "Last-Event-ID", fmt.Sprint(last))
				if seq := s.connected(t, "board-1"); seq != events {
					t.Fatalf("connected seq %d, want %d", seq, events)
				}
				from := last
				timeout := time.After(wait)
			read:
				for last < events {
					select {
					case f, ok := <-s.frames:
						if !ok {
							break read // ended: resume from last
						}
						if f.Comment != "" {
							continue
						}
						if f.ID != fmt.Sprint(last+1) {
							t.Fatalf("frame id %q after %d: want no gap", f.ID, last)
						}
						last++
					case <-timeout:
						t.Fatalf("stream neither went on nor ended after seq %d", last)
					}
				}
				if last == from {
					t.Fatalf("a stream from %d ended without an event", from)
				}
				s.close()
			}
		})
	}
}

// Over HTTP/2 the stream is the same as over HTTP/1.1, written through the handler's
// response: it bridges a board restart, ends when dropped, and ends when the client leaves.
func TestSSEOverHTTP2Lifecycle(t *testing.T) {
	var boards *endingBoards
	e := newServerWith(t, setup{http2: true}, func(c *gateway.Config) {
		boards = &endingBoards{Boards: c.Boards}
		c.Boards = boards
	})
	alice := e.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events")
	if s.ProtoMajor != 2 {
		t.Fatalf("protocol %d, want HTTP/2", s.ProtoMajor)
	}
	s.connected(t, "board-1")
	alice.createTask(t, "list-todo", "one")
	if ev := s.event(t); ev.Seq != 1 {
		t.Fatalf("seq %d, want 1", ev.Seq)
	}
	boards.end(messages.EndRestarted)
	alice.createTask(t, "list-todo", "two")
	if ev := s.event(t); ev.Seq != 2 {
		t.Fatalf("seq %d after the restart, want 2 (no second connected, no gap, no duplicate)", ev.Seq)
	}
	boards.end(messages.EndSlow)
	s.awaitEnd(t)
	e.logs.await(t, map[string]any{"req": s.ReqID, "message": "sse stream closed", "reason": messages.EndSlow})

	gone := alice.stream(t, "/boards/board-1/events")
	gone.connected(t, "board-1")
	gone.close()
	e.logs.await(t, map[string]any{"req": gone.ReqID, "message": "sse stream closed", "reason": "client gone"})
}

// A real board crash: the stream subscribes again to the board's new instance, over HTTP/1.1
// and HTTP/2 alike, and the client sees no gap, no duplicate and no second connected frame.
func TestSSEBridgesBoardCrash(t *testing.T) {
	for _, http2 := range []bool{false, true} {
		t.Run(fmt.Sprint("http2=", http2), func(t *testing.T) {
			e := newServerWith(t, setup{
				http2:  http2,
				store:  func(s actors.Store) actors.Store { return crashingStore{s} },
				actors: actors.Options{AskTimeout: 300 * time.Millisecond},
			})
			alice := e.as(t, "alice")
			alice.createTask(t, "list-todo", "before")
			s := alice.stream(t, "/boards/board-1/events", "Last-Event-ID", "0")
			s.connected(t, "board-1")
			if ev := s.event(t); ev.Seq != 1 {
				t.Fatalf("replayed seq %d, want 1", ev.Seq)
			}
			alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "crash"}).wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
			alice.createTask(t, "list-todo", "after")
			alice.createTask(t, "list-todo", "later")
			for seq := int64(2); seq <= 3; seq++ {
				if ev := s.event(t); ev.Seq != seq {
					t.Fatalf("seq %d after the crash, want %d", ev.Seq, seq)
				}
			}
		})
	}
}

// A board that keeps restarting without delivering anything is followed maxRestarts times,
// then the stream ends; the client resumes with Last-Event-ID.
func TestSSERestartsAreBounded(t *testing.T) {
	const maxRestarts = 5
	var boards *endingBoards
	e := newServer(t, func(c *gateway.Config) {
		boards = &endingBoards{Boards: c.Boards, added: make(chan struct{}, maxRestarts+2)}
		c.Boards = boards
	})
	s := e.as(t, "alice").stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	recv(t, boards.added, "subscription")
	for range maxRestarts {
		boards.end(messages.EndRestarted)
		recv(t, boards.added, "subscription after a restart")
	}
	boards.end(messages.EndRestarted)
	s.awaitEnd(t)
	e.logs.await(t, map[string]any{"req": s.ReqID, "message": "sse stream closed", "reason": messages.EndRestarted})
	if n := boards.count(); n != maxRestarts+1 {
		t.Fatalf("%d subscriptions, want %d", n, maxRestarts+1)
	}
}

// limitSpy records the replay limit of each subscription the gateway takes.
type limitSpy struct {
	gateway.Boards
	limits chan int
}

func (s limitSpy) Subscribe(ctx context.Context, c messages.Subscribe) (*messages.Subscription, error) {
	s.limits <- c.Limit
	return s.Boards.Subscribe(ctx, c)
}

// TestSSEReadsNoMoreThanItHolds: a resuming stream asks the board for no more of its replay
// than its queue holds; the rest comes on the next resume.
func TestSSEReadsNoMoreThanItHolds(t *testing.T) {
	spy := limitSpy{limits: make(chan int, 8)}
	e := newServer(t, func(c *gateway.Config) {
		c.SSEBuffer = 4
		spy.Boards = c.Boards
		c.Boards = spy
	})
	s := e.as(t, "alice").stream(t, "/boards/board-1/events", "Last-Event-ID", "0")
	s.connected(t, "board-1")
	if got, _ := recv(t, spy.limits, "a subscription"); got != 4 {
		t.Fatalf("the stream asked for a replay of %d events, want its buffer's 4", got)
	}
}

// outageStore fails a commit of a task titled "outage" as a database that went away does,
// and then the next reloads of the board, as while the database comes back.
type outageStore struct {
	actors.Store
	down *atomic.Int32 // reloads still to fail
	back chan struct{} // receives when a reload succeeds after them
}

func (s outageStore) Commit(ctx context.Context, changes ...messages.Change) error {
	for _, c := range changes {
		if c.Event.Task != nil && c.Event.Task.Title == "outage" {
			s.down.Store(3)
			return messages.Unavailable(errors.New("database went away"))
		}
	}
	return s.Store.Commit(ctx, changes...)
}

func (s outageStore) LoadBoard(ctx context.Context, boardID string, recent int) (messages.BoardState, error) {
	switch left := s.down.Add(-1); {
	case left >= 0:
		return messages.BoardState{}, messages.Unavailable(errors.New("database still away"))
	case left == -1:
		defer func() { s.back <- struct{}{} }()
	}
	return s.Store.LoadBoard(ctx, boardID, recent)
}

// A board that cannot reload for a while (its database restarting) pauses a stream instead
// of ending it: the stream asks again until the board is back, and the client sees the next
// events on the same connection.
func TestSSEWaitsOutAnUnavailableBoard(t *testing.T) {
	down, back := new(atomic.Int32), make(chan struct{}, 1)
	down.Store(-1 << 20)
	e := newServerWith(t, setup{store: func(s actors.Store) actors.Store { return outageStore{s, down, back} }})
	alice := e.as(t, "alice")
	s := alice.stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "outage"}).wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
	e.logs.await(t, map[string]any{"req": s.ReqID, "message": "sse subscription ended", "reason": messages.EndRestarted})
	recv(t, back, "the board reloaded after the outage")
	alice.createTask(t, "list-todo", "after")
	if ev := s.event(t); ev.Seq != 1 {
		t.Fatalf("seq %d after the outage, want 1", ev.Seq)
	}
}

// earlyEndBoards ends every live subscription with a sink as slow before Subscribe returns:
// a board that drops a stream whose replay overflowed its queue while it was being set up.
type earlyEndBoards struct{ gateway.Boards }

func (b earlyEndBoards) Subscribe(ctx context.Context, c messages.Subscribe) (*messages.Subscription, error) {
	sub, err := b.Boards.Subscribe(ctx, c)
	if err == nil && c.Live && c.Sink != nil {
		c.Sink.End(messages.EndSlow) // the gateway's Unsubscribe ends the board's side
	}
	return sub, err
}

// A stream the board ends before it is set up is ended once it is, as a slow one: it closes
// after its connected frame, and the client resumes with Last-Event-ID.
func TestSSEEndedBeforeItIsSetUp(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.Boards = earlyEndBoards{c.Boards} })
	s := e.as(t, "alice").stream(t, "/boards/board-1/events")
	s.connected(t, "board-1")
	s.awaitEnd(t)
	e.logs.await(t, map[string]any{"req": s.ReqID, "message": "sse stream closed", "reason": messages.EndSlow})
}
