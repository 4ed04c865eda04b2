package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
)

// pollAnswer is a poll's answer, events decoded.
type pollAnswer struct {
	Data    []messages.Event `json:"data"`
	Seq     int64            `json:"seq"`
	Timeout bool             `json:"timeout"`
	Resync  bool             `json:"resync"`
}

func (c *client) poll(t *testing.T, path string) (pollAnswer, *response) {
	t.Helper()
	res := c.do(t, "GET", path, nil)
	res.want(t, http.StatusOK)
	var a pollAnswer
	res.decode(t, &a)
	return a, res
}

func seqs(evs []messages.Event) []int64 {
	out := []int64{}
	for _, ev := range evs {
		out = append(out, ev.Seq)
	}
	return out
}

// asyncPoll starts a request in the background; its answer arrives on the channel.
func (c *client) asyncPoll(t *testing.T, ctx context.Context, path, reqID string) <-chan *response {
	t.Helper()
	req := c.request(t, ctx, "GET", path, nil, "X-Request-Id", reqID)
	out := make(chan *response, 1)
	go func() {
		resp, err := c.e.srv.Client().Do(req)
		if err != nil {
			out <- &response{Status: -1, Body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out <- &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	}()
	return out
}

func TestLongPollAnswersAtOnce(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	alice.createTask(t, "list-todo", "one")
	alice.createTask(t, "list-todo", "two")
	a, res := alice.poll(t, "/boards/board-1/poll?since=0")
	if got := seqs(a.Data); len(got) != 2 || got[0] != 1 || got[1] != 2 || a.Seq != 2 || a.Timeout || a.Resync {
		t.Fatalf("poll answer %s, want events 1 and 2 with seq 2", res.Body)
	}
	if a.Data[0].Type != messages.TaskCreated || a.Data[0].Task.Title != "one" {
		t.Fatalf("event %+v, want the task_created of one", a.Data[0])
	}
	a, res = alice.poll(t, "/boards/board-1/poll?since=1")
	if got := seqs(a.Data); len(got) != 1 || got[0] != 2 || a.Seq != 2 {
		t.Fatalf("poll answer %s, want event 2", res.Body)
	}
}

func TestLongPollWaitsForEvent(t *testing.T) {
	for _, query := range []string{"?since=0", ""} {
		t.Run("query "+query, func(t *testing.T) {
			e := newServer(t)
			alice := e.as(t, "alice")
			answer := alice.asyncPoll(t, context.Background(), "/boards/board-1/poll"+query, "poll-1")
			e.logs.await(t, map[string]any{"req": "poll-1", "message": "long poll waiting"})
			task := alice.createTask(t, "list-todo", "awaited")
			res, _ := recv(t, answer, "poll answer")
			res.want(t, http.StatusOK)
			var a pollAnswer
			res.decode(t, &a)
			if len(a.Data) != 1 || a.Data[0].Seq != 1 || a.Data[0].Task.ID != task.ID || a.Seq != 1 || a.Timeout {
				t.Fatalf("poll answer %s, want the new task at seq 1", res.Body)
			}
		})
	}
}

func TestLongPollTimeout(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	alice.createTask(t, "list-todo", "one")
	res := alice.do(t, "GET", "/boards/board-1/poll?since=1&timeout=1", nil)
	res.want(t, http.StatusOK)
	var raw map[string]json.RawMessage
	res.decode(t, &raw)
	if string(raw["data"]) != "[]" || string(raw["seq"]) != "1" || string(raw["timeout"]) != "true" {
		t.Fatalf("poll answer %s, want {data:[], seq:1, timeout:true}", res.Body)
	}
}

func TestLongPollReleasedWhenClientLeaves(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.MaxLongPolls = 1 })
	alice := e.as(t, "alice")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answer := alice.asyncPoll(t, ctx, "/boards/board-1/poll?since=0", "poll-leaving")
	e.logs.await(t, map[string]any{"req": "poll-leaving", "message": "long poll waiting"})

	// The one slot is taken.
	res := alice.do(t, "GET", "/boards/board-1/poll?since=0&timeout=1", nil)
	res.wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}

	cancel()
	if res, _ := recv(t, answer, "answer of the canceled poll"); res.Status != -1 {
		t.Fatalf("canceled poll answered %d", res.Status)
	}
	// The handler returns (its access line is written once it has) and frees the slot.
	e.logs.await(t, map[string]any{"req": "poll-leaving", "message": "request"})
	a, res := alice.poll(t, "/boards/board-1/poll?since=0&timeout=1")
	if !a.Timeout {
		t.Fatalf("poll answer %s, want a timeout", res.Body)
	}
}

func TestLongPollEndsOnServerClose(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	answer := alice.asyncPoll(t, context.Background(), "/boards/board-1/poll", "poll-closing")
	e.logs.await(t, map[string]any{"req": "poll-closing", "message": "long poll waiting"})
	e.gw.Close()
	res, _ := recv(t, answer, "poll answer")
	res.want(t, http.StatusOK)
	if string(res.Body) != `{"data":[],"seq":0}`+"\n" {
		t.Fatalf("poll answer %s, want {data:[], seq:0}", res.Body)
	}
	alice.do(t, "GET", "/boards/board-1/poll", nil).wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
}

func TestPollResync(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	alice.createTask(t, "list-todo", "one")
	for _, path := range []string{"/boards/board-1/poll?since=7", "/boards/board-1/updates?since=7"} {
		res := alice.do(t, "GET", path, nil)
		res.want(t, http.StatusOK)
		if string(res.Body) != `{"resync":true,"seq":1}`+"\n" {
			t.Fatalf("%s: %s, want {resync:true, seq:1}", path, res.Body)
		}
	}
}

func TestShortPoll(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	a, res := alice.poll(t, "/boards/board-1/updates")
	if len(a.Data) != 0 || a.Seq != 0 || a.Timeout || string(res.Body) != `{"data":[],"seq":0}`+"\n" {
		t.Fatalf("short poll %s, want {data:[], seq:0}", res.Body)
	}
	alice.createTask(t, "list-todo", "one")
	alice.createTask(t, "list-todo", "two")
	a, res = alice.poll(t, "/boards/board-1/updates?since=0")
	if got := seqs(a.Data); len(got) != 2 || got[0] != 1 || got[1] != 2 || a.Seq != 2 {
		t.Fatalf("short poll %s, want events 1 and 2", res.Body)
	}
	a, res = alice.poll(t, "/boards/board-1/updates?since=2")
	if len(a.Data) != 0 || a.Seq != 2 {
		t.Fatalf("short poll %s, want nothing new at seq 2", res.Body)
	}
	a, _ = alice.poll(t, "/boards/board-1/updates")
	if len(a.Data) != 0 || a.Seq != 2 {
		t.Fatalf("short poll without since: %+v, want no events and seq 2", a)
	}
}

func TestPollValidation(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	for _, path := range []string{
		"/boards/board-1/poll?since=abc",
		"/boards/board-1/poll?since=-1",
		"/boards/board-1/poll?since=0&timeout=0",
		"/boards/board-1/poll?since=0&timeout=soon",
		"/boards/board-1/updates?since=1.5",
	} {
		alice.do(t, "GET", path, nil).wantError(t, http.StatusBadRequest, messages.CodeValidation)
	}
	e.as(t, "bob").do(t, "GET", "/boards/board-2/poll?since=0", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	e.as(t, "bob").do(t, "GET", "/boards/board-2/updates?since=0", nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
	e.anon().do(t, "GET", "/boards/board-1/updates", nil).wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
}

func TestLongPollLeavesNoSubscriber(t *testing.T) {
	idle := newIdleBoards()
	e := newServerWith(t, idle.setup())
	alice := e.as(t, "alice")
	ctx, cancel := context.WithCancel(context.Background())
	answer := alice.asyncPoll(t, ctx, "/boards/board-1/poll", "poll-gone")
	e.logs.await(t, map[string]any{"req": "poll-gone", "message": "long poll waiting"})
	cancel()
	recv(t, answer, "answer of the canceled poll")
	// An idle board without subscribers leaves memory: the poll's subscription is gone.
	idle.awaitStopped(t, "board-1", "board-1 still has the subscriber of a long poll whose client left")
}
