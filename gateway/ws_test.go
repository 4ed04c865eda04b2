package gateway_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lxzan/gws"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/actors/actorstest"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
)

func viewers(names ...string) []messages.Viewer {
	var out []messages.Viewer
	for _, n := range names {
		out = append(out, messages.Viewer{UserID: "user-" + strings.ToLower(n), Name: n})
	}
	return out
}

func wantViewers(t *testing.T, m wsMsg, names ...string) {
	t.Helper()
	if m.Type != "presence" || m.BoardID != "board-1" {
		t.Fatalf("got %s, want presence of board-1", m.Raw)
	}
	if diff := cmp.Diff(viewers(names...), m.Viewers); diff != "" {
		t.Fatalf("viewers (-want +got):\n%s", diff)
	}
}

func TestWSPresenceIsPerUser(t *testing.T) {
	e := newServer(t)
	alice, bob := e.as(t, "alice"), e.as(t, "bob")

	tab1 := alice.ws(t, gwsLib)
	tab1.send(t, map[string]any{"type": "join", "boardId": "board-1"})
	wantViewers(t, tab1.next(t), "Alice")

	b := bob.ws(t, coderLib)
	b.send(t, map[string]any{"type": "join", "boardId": "board-1"})
	wantViewers(t, b.next(t), "Alice", "Bob")
	if m := expect(t, tab1, "user_joined"); m.UserID != "user-bob" || m.Name != "Bob" || m.BoardID != "board-1" {
		t.Fatalf("user_joined %s", m.Raw)
	}
	wantViewers(t, tab1.next(t), "Alice", "Bob")

	// A second tab of Alice, through the other library: one viewer, no news for anyone.
	tab2 := alice.ws(t, coderLib)
	tab2.send(t, map[string]any{"type": "join", "boardId": "board-1"})
	wantViewers(t, tab2.next(t), "Alice", "Bob")
	quiet(t, b)
	quiet(t, tab1)

	// Leaving with one tab is not leaving; losing the last one is.
	tab1.send(t, map[string]any{"type": "leave", "boardId": "board-1"})
	quiet(t, tab1)
	settle(t, b)
	tab2.close()
	if m := expect(t, b, "user_left"); m.UserID != "user-alice" || m.Name != "Alice" {
		t.Fatalf("user_left %s", m.Raw)
	}
	wantViewers(t, b.next(t), "Bob")
	quiet(t, tab1) // it left: it hears nothing of board-1 any more
}

func TestWSTypingExpires(t *testing.T) {
	clock := actorstest.NewClock()
	e := newServerWith(t, setup{actors: clock.Options()})
	a := e.as(t, "alice").joined(t, gwsLib, "board-1")
	b := e.as(t, "bob").joined(t, coderLib, "board-1")
	expect(t, a, "user_joined")
	expect(t, a, "presence")

	typing := map[string]any{"type": "typing", "boardId": "board-1", "taskId": "task-1"}
	b.send(t, typing)
	if m := expect(t, a, "user_typing"); m.UserID != "user-bob" || m.Name != "Bob" || m.TaskID == nil || *m.TaskID != "task-1" {
		t.Fatalf("user_typing %s", m.Raw)
	}
	quiet(t, b) // nobody sees their own typing

	// A refresh at 4 s moves the expiry to 9 s; the tick at 5 s finds nothing due.
	clock.Advance(4 * time.Second)
	b.send(t, typing)
	quiet(t, b)
	clock.Advance(2 * time.Second)
	settle(t, a)
	clock.Advance(3 * time.Second)
	if m := expect(t, a, "user_stopped_typing"); m.UserID != "user-bob" || m.TaskID == nil || *m.TaskID != "task-1" {
		t.Fatalf("user_stopped_typing %s", m.Raw)
	}
	settle(t, a)

	// stop_typing ends it at once; a connection that goes away while typing stops typing.
	b.send(t, typing)
	expect(t, a, "user_typing")
	b.send(t, map[string]any{"type": "stop_typing", "boardId": "board-1"})
	expect(t, a, "user_stopped_typing")
	b.send(t, typing)
	expect(t, a, "user_typing")
	b.close()
	expect(t, a, "user_stopped_typing")
	expect(t, a, "user_left")
	wantViewers(t, a.next(t), "Alice")
}

func TestWSCursorsAreCoalesced(t *testing.T) {
	clock := actorstest.NewClock()
	e := newServerWith(t, setup{actors: clock.Options()})
	a := e.as(t, "alice").joined(t, coderLib, "board-1")
	b := e.as(t, "bob").joined(t, gwsLib, "board-1")
	expect(t, a, "user_joined")
	expect(t, a, "presence")

	cursor := func(x float64) map[string]any {
		return map[string]any{"type": "cursor", "boardId": "board-1", "x": x, "y": x / 2, "taskId": "task-2"}
	}
	b.send(t, cursor(1))
	if m := expect(t, a, "cursor"); m.X != 1 || m.Y != 0.5 || m.UserID != "user-bob" || m.TaskID == nil || *m.TaskID != "task-2" {
		t.Fatalf("first cursor %s", m.Raw)
	}
	for x := 2.0; x <= 30; x++ {
		b.send(t, cursor(x))
	}
	// Handled in order after the cursors: typing shows that none of them went out.
	b.send(t, map[string]any{"type": "typing", "boardId": "board-1"})
	expect(t, a, "user_typing")
	clock.Advance(messages.CursorInterval)
	if m := expect(t, a, "cursor"); m.X != 30 {
		t.Fatalf("coalesced cursor %s, want the latest (x 30)", m.Raw)
	}
	settle(t, a)
	quiet(t, b)
}

// normalized is an event without what differs between two runs of the same change.
func normalized(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"seq", "at", "requestId"} {
		delete(m, k)
	}
	if task, ok := m["task"].(map[string]any); ok {
		for _, k := range []string{"id", "position", "createdAt", "updatedAt"} {
			delete(task, k)
		}
	}
	return m
}

func TestWSMutationsMatchREST(t *testing.T) {
	e := newServer(t)
	alice, carol := e.as(t, "alice"), e.as(t, "carol")
	a := alice.joined(t, gwsLib, "board-1")
	c := carol.joined(t, coderLib, "board-1")
	expect(t, a, "user_joined")
	expect(t, a, "presence")
	sse := alice.stream(t, "/boards/board-1/events")
	sse.connected(t, "board-1")

	// The same creation over REST, then over WebSocket.
	body := map[string]any{"listId": "list-todo", "title": "Same change", "description": "d"}
	alice.do(t, "POST", "/tasks", body).want(t, http.StatusCreated)
	restEvent := expect(t, a, "task_created")
	if m := expect(t, c, "task_created"); string(m.Raw) != string(restEvent.Raw) {
		t.Fatalf("members got different bytes:\n%s\n%s", restEvent.Raw, m.Raw)
	}
	if f := sse.nextEvent(t); f.Data != string(restEvent.Raw) {
		t.Fatalf("SSE data differs from the WebSocket message:\n%s\n%s", f.Data, restEvent.Raw)
	}

	ws := map[string]any{"type": "create_task", "requestId": "r-1", "clientMutationId": "m-1"}
	for k, v := range body {
		ws[k] = v
	}
	a.send(t, ws)
	wsEvent := expect(t, a, "task_created") // the event reaches the sender before its ack
	ack := expect(t, a, "ack")
	if ack.RequestID != "r-1" || ack.Task == nil || !cmp.Equal(*ack.Task, *wsEvent.Task) {
		t.Fatalf("ack %s for event %s", ack.Raw, wsEvent.Raw)
	}
	if m := expect(t, c, "task_created"); string(m.Raw) != string(wsEvent.Raw) {
		t.Fatalf("members got different bytes:\n%s\n%s", wsEvent.Raw, m.Raw)
	}
	if f := sse.nextEvent(t); f.Data != string(wsEvent.Raw) {
		t.Fatalf("SSE data differs from the WebSocket message:\n%s\n%s", f.Data, wsEvent.Raw)
	}
	if wsEvent.Seq != restEvent.Seq+1 || wsEvent.ClientMutationID != "m-1" || wsEvent.RequestID == "" {
		t.Fatalf("WebSocket event %s after %s", wsEvent.Raw, restEvent.Raw)
	}
	restNorm, wsNorm := normalized(t, restEvent.Raw), normalized(t, wsEvent.Raw)
	delete(wsNorm, "clientMutationId")
	if diff := cmp.Diff(restNorm, wsNorm); diff != "" {
		t.Fatalf("REST and WebSocket events differ (-rest +ws):\n%s", diff)
	}

	// Update, move and delete over WebSocket: ack for the sender, the event for everyone.
	id := ack.Task.ID
	steps := []struct {
		msg  map[string]any
		want string
	}{
		{map[string]any{"type": "update_task", "requestId": "r-2", "taskId": id, "title": "Renamed", "description": nil, "ifMatch": 1}, "task_updated"},
		{map[string]any{"type": "move_task", "requestId": "r-3", "taskId": id, "listId": "list-done", "position": 0}, "task_moved"},
		{map[string]any{"type": "delete_task", "requestId": "r-4", "taskId": id}, "task_deleted"},
	}
	for _, s := range steps {
		a.send(t, s.msg)
		ev := expect(t, a, s.want)
		ack := expect(t, a, "ack")
		if ack.RequestID != s.msg["requestId"] {
			t.Fatalf("%s: ack %s", s.want, ack.Raw)
		}
		if s.want == "task_deleted" {
			if ack.TaskID == nil || *ack.TaskID != id || ack.Task != nil {
				t.Fatalf("delete ack %s, want {requestId, taskId}", ack.Raw)
			}
		} else if ack.Task == nil || !cmp.Equal(*ack.Task, *ev.Task) {
			t.Fatalf("%s: ack %s for event %s", s.want, ack.Raw, ev.Raw)
		}
		if m := expect(t, c, s.want); string(m.Raw) != string(ev.Raw) {
			t.Fatalf("%s differs between members", s.want)
		}
		if f := sse.nextEvent(t); f.Data != string(ev.Raw) {
			t.Fatalf("%s differs on SSE", s.want)
		}
	}

	// Errors answer the request and change nothing.
	bad := []struct {
		who  peer
		msg  map[string]any
		code messages.Code
		want string // a field of the error, or the task of a failed precondition
	}{
		{c, map[string]any{"type": "create_task", "requestId": "e-1", "listId": "list-todo", "title": "viewer"}, messages.CodeForbidden, ""},
		{a, map[string]any{"type": "create_task", "requestId": "e-2", "listId": "list-todo", "title": " "}, messages.CodeValidation, "title"},
		{a, map[string]any{"type": "create_task", "requestId": "e-3", "listId": "list-nope", "title": "x"}, messages.CodeValidation, "listId"},
		{a, map[string]any{"type": "update_task", "requestId": "e-4", "taskId": "task-404", "title": "x"}, messages.CodeNotFound, ""},
		{a, map[string]any{"type": "update_task", "requestId": "e-5", "taskId": "task-1", "title": "x", "ifMatch": 9}, messages.CodePreconditionFailed, "task"},
		{a, map[string]any{"type": "move_task", "requestId": "e-6", "taskId": "task-1", "listId": "list-done"}, messages.CodeValidation, "position"},
		{a, map[string]any{"type": "delete_task", "requestId": "e-7"}, messages.CodeValidation, "taskId"},
		{a, map[string]any{"type": "create_task", "listId": "list-todo", "title": "no id"}, messages.CodeValidation, "requestId"},
		{a, map[string]any{"type": "create_task", "requestId": "e-9", "listId": "list-todo", "title": 7}, messages.CodeBadRequest, "title"},
	}
	for _, tc := range bad {
		tc.who.send(t, tc.msg)
		m := expect(t, tc.who, "error")
		if messages.Code(m.Code) != tc.code || m.Message == "" || m.RequestID != stringOr(tc.msg["requestId"]) {
			t.Errorf("%v: got %s, want %s with the requestId", tc.msg, m.Raw, tc.code)
		}
		switch {
		case tc.want == "task":
			if m.Task == nil || m.Task.ID != "task-1" {
				t.Errorf("%v: %s lacks the current task", tc.msg, m.Raw)
			}
		case tc.want != "" && m.Fields[tc.want] == "":
			t.Errorf("%v: %s lacks fields.%s", tc.msg, m.Raw, tc.want)
		}
	}
	quiet(t, a)
	quiet(t, c)
	if res := alice.do(t, "GET", "/boards/board-1", nil); !strings.Contains(string(res.Body), `"seq":5`) {
		t.Fatalf("snapshot after the failed changes: %s, want seq 5", res.Body)
	}
}

func stringOr(v any) string {
	s, _ := v.(string)
	return s
}

func TestWSReplayAndResync(t *testing.T) {
	// A ring of 2: the oldest missed events come from the database.
	e := newServerWith(t, setup{actors: actors.Options{RingSize: 2}})
	alice := e.as(t, "alice")
	for i := range 4 {
		alice.createTask(t, "list-todo", "t"+string(rune('1'+i)))
	}
	for _, l := range []lib{gwsLib, coderLib} {
		p := alice.ws(t, l)
		p.send(t, map[string]any{"type": "join", "boardId": "board-1", "lastSeq": 1})
		expect(t, p, "presence")
		for seq := int64(2); seq <= 4; seq++ {
			if m := expect(t, p, "task_created"); m.Seq != seq {
				t.Fatalf("%s: replayed seq %d, want %d", l, m.Seq, seq)
			}
		}
		quiet(t, p)
		p.send(t, map[string]any{"type": "join", "boardId": "board-1"})
		if m := expect(t, p, "error"); m.Code != string(messages.CodeConflict) {
			t.Fatalf("second join: %s", m.Raw)
		}
	}
	// Ahead of the board (a reset database): resync, then live events.
	p := alice.ws(t, gwsLib)
	p.send(t, map[string]any{"type": "join", "boardId": "board-1", "lastSeq": 99})
	expect(t, p, "presence")
	if m := expect(t, p, "resync"); m.Seq != 4 || m.BoardID != "board-1" {
		t.Fatalf("resync %s, want seq 4", m.Raw)
	}
	alice.createTask(t, "list-todo", "live")
	if m := expect(t, p, "task_created"); m.Seq != 5 {
		t.Fatalf("live event seq %d, want 5", m.Seq)
	}
}

func TestWSBadMessages(t *testing.T) {
	e := newServer(t)
	for _, l := range []lib{gwsLib, coderLib} {
		t.Run(l.String(), func(t *testing.T) {
			p := e.as(t, "bob").ws(t, l)
			for _, tc := range []struct {
				raw    string
				binary bool
				code   messages.Code
			}{
				{`{"type":"join","boardId":`, false, messages.CodeBadRequest},
				{`[1,2]`, false, messages.CodeBadRequest},
				{`{"type":"dance"}`, false, messages.CodeBadRequest},
				{`{"boardId":"board-1"}`, false, messages.CodeBadRequest},
				{`{"type":"ping"}`, true, messages.CodeBadRequest},
				{`{"type":"join"}`, false, messages.CodeValidation},
				{`{"type":"join","boardId":"board-1","lastSeq":-1}`, false, messages.CodeValidation},
				{`{"type":"join","boardId":"board-2"}`, false, messages.CodeNotFound},
				{`{"type":"join","boardId":"no-such-board"}`, false, messages.CodeNotFound},
				{`{"type":"typing","boardId":"board-1"}`, false, messages.CodeBadRequest},
				{`{"type":"cursor","boardId":"board-1","x":1}`, false, messages.CodeValidation},
			} {
				p.sendRaw(t, tc.binary, []byte(tc.raw))
				if m := expect(t, p, "error"); m.Code != string(tc.code) || m.Message == "" {
					t.Errorf("%s: got %s, want %s", tc.raw, m.Raw, tc.code)
				}
			}
			quiet(t, p) // still open

			// The largest message allowed is fine; one byte more closes with 1009.
			pad := strings.Repeat("x", 64<<10-len(`{"type":"ping","pad":""}`))
			p.sendRaw(t, false, []byte(`{"type":"ping","pad":"`+pad+`"}`))
			expect(t, p, "pong")
			// The server closes as soon as it has read the frame's header, so the client may not
			// manage to write all of it.
			_ = p.write(false, []byte(`{"type":"ping","pad":"x`+pad+`"}`))
			if code := p.awaitClose(t); code != 1009 {
				t.Fatalf("oversized message: close %d, want 1009", code)
			}
		})
	}
}

func TestWSInvalidUTF8Closes(t *testing.T) {
	e := newServer(t)
	p := e.as(t, "bob").ws(t, gwsLib) // gws sends what it is given
	p.sendRaw(t, false, []byte("{\"type\":\"ping\",\"x\":\"\xff\"}"))
	if code := p.awaitClose(t); code != 1007 {
		t.Fatalf("invalid UTF-8: close %d, want 1007", code)
	}
}

func TestWSFloodingCloses(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.WSRate, c.WSBurst = 5, 10 })
	for _, l := range []lib{gwsLib, coderLib} {
		p := e.as(t, "bob").ws(t, l)
		quiet(t, p)
		for range 50 {
			if p.write(false, []byte(`{"type":"ping"}`)) != nil {
				break // closed meanwhile
			}
		}
		if code := p.awaitClose(t); code != 1008 {
			t.Fatalf("%s: flooding closed with %d, want 1008", l, code)
		}
		e.logs.await(t, map[string]any{"message": "websocket flooding: closing"})
	}
}

func TestWSSilentClientIsClosedAndLeaves(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.WSPingInterval, c.WSPongGrace = 40*time.Millisecond, 60*time.Millisecond })
	a := e.as(t, "alice").joined(t, coderLib, "board-1") // answers pings while it reads
	silent := e.as(t, "bob").joined(t, gwsLib, "board-1").(*gwsPeer)
	expect(t, a, "user_joined")
	expect(t, a, "presence")
	silent.silent.Store(true)

	if m := expect(t, a, "user_left"); m.UserID != "user-bob" {
		t.Fatalf("user_left %s", m.Raw)
	}
	wantViewers(t, a.next(t), "Alice")
	silent.awaitClose(t)
	e.logs.await(t, map[string]any{"message": "websocket silent: closing", "user": "user-bob"})
	// Alice answered every ping in the meantime: still there.
	quiet(t, a)
}

// smallBuffers makes the kernel's socket buffers small, so that a client that stops reading
// backs up into the server's send queue after a few kilobytes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

func smallReadBuffer(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	return c, err
}

func TestWSSlowReaderIsClosed(t *testing.T) {
	e := newServerWith(t, setup{listen: func(l net.Listener) net.Listener { return smallBuffers{l} }},
		func(c *gateway.Config) { c.WSSendQueue = 8 })
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	fast := alice.joined(t, gwsLib, "board-1")
	slow := dialCoder(t, e.wsURL("/ws"), http.Header{"Authorization": {"Bearer " + bob.token}}, smallReadBuffer, false)
	slow.send(t, map[string]any{"type": "join", "boardId": "board-1"})
	expect(t, fast, "user_joined")
	expect(t, fast, "presence")

	// Big events until the slow client's queue overflows; the fast one gets every one.
	description := strings.Repeat("d", 5000)
	var seq int64
	for len(e.logs.all(map[string]any{"message": "websocket send queue full: closing", "user": "user-bob"})) == 0 {
		if seq++; seq > 500 {
			t.Fatal("the slow client was never closed")
		}
		alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "big", "description": description}).want(t, http.StatusCreated)
		if m := expect(t, fast, "task_created"); m.Seq != seq {
			t.Fatalf("fast client got seq %d, want %d", m.Seq, seq)
		}
	}
	// The slow client reads what was sent before the close, then the close: 1013.
	if code := slow.awaitClose(t); code != 1013 {
		t.Fatalf("slow client closed with %d (%v), want 1013", code, slow.err)
	}
	if m := expect(t, fast, "user_left"); m.UserID != "user-bob" {
		t.Fatalf("user_left %s", m.Raw)
	}
	expect(t, fast, "presence")
	alice.createTask(t, "list-todo", "after")
	if m := expect(t, fast, "task_created"); m.Seq != seq+1 {
		t.Fatalf("fast client after the close: seq %d, want %d", m.Seq, seq+1)
	}
}

func TestWSBoardIsolation(t *testing.T) {
	e := newServer(t)
	alice, carol := e.as(t, "alice"), e.as(t, "carol")
	a1 := alice.joined(t, gwsLib, "board-1")
	c2 := carol.joined(t, coderLib, "board-2")

	carol.createTask(t, "list-b2-todo", "on board 2")
	if m := expect(t, c2, "task_created"); m.BoardID != "board-2" || m.Seq != 1 {
		t.Fatalf("board-2 event %s", m.Raw)
	}
	quiet(t, a1)
	alice.createTask(t, "list-todo", "on board 1")
	quiet(t, c2)
	expect(t, a1, "task_created")

	// One connection in both rooms gets both boards' events and room messages, each tagged.
	both := alice.ws(t, coderLib)
	both.send(t, map[string]any{"type": "join", "boardId": "board-1"})
	expect(t, both, "presence")
	both.send(t, map[string]any{"type": "join", "boardId": "board-2"})
	if m := expect(t, both, "presence"); m.BoardID != "board-2" {
		t.Fatalf("presence %s", m.Raw)
	}
	if m := expect(t, c2, "user_joined"); m.BoardID != "board-2" || m.UserID != "user-alice" {
		t.Fatalf("user_joined %s", m.Raw)
	}
	expect(t, c2, "presence")
	carol.createTask(t, "list-b2-todo", "again")
	if m := expect(t, both, "task_created"); m.BoardID != "board-2" || m.Seq != 2 {
		t.Fatalf("board-2 event %s", m.Raw)
	}
	expect(t, c2, "task_created")
	both.send(t, map[string]any{"type": "typing", "boardId": "board-2"})
	if m := expect(t, c2, "user_typing"); m.BoardID != "board-2" {
		t.Fatalf("typing %s", m.Raw)
	}
	quiet(t, a1) // typing on board-2 is not news on board-1
}

func TestWSHandshake(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")

	// Without credentials: an HTTP 401, not an upgrade.
	if _, resp, err := dialGWS(e.wsURL("/ws"), nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous upgrade: %v %v, want 401", err, resp)
	}
	if _, resp, err := dialGWS(e.wsURL("/ws?token=nope"), nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %v %v, want 401", err, resp)
	}
	// The session cookie, from a foreign page: refused.
	cookie := http.Header{"Cookie": {"session=" + alice.token}, "Origin": {"https://evil.example"}}
	if _, resp, err := dialGWS(e.wsURL("/ws"), cookie); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin cookie upgrade: %v %v, want 403", err, resp)
	}
	// A plain GET of /ws is not an upgrade.
	alice.do(t, "GET", "/ws", nil).wantError(t, http.StatusBadRequest, messages.CodeBadRequest)

	// The root path upgrades too, with ?token= or the cookie from the same origin.
	for _, dial := range []struct {
		url    string
		header http.Header
	}{
		{e.wsURL("/?token=" + alice.token), nil},
		{e.wsURL("/"), http.Header{"Cookie": {"session=" + alice.token}, "Origin": {e.srv.URL}}},
	} {
		p, resp, err := dialGWS(dial.url, dial.header)
		if err != nil {
			t.Fatalf("upgrade at %s: %v %v", dial.url, err, resp)
		}
		p.send(t, map[string]any{"type": "join", "boardId": "board-1"})
		wantViewers(t, expect(t, p, "presence"), "Alice")
		p.close()
	}
	// A plain GET / is not taken by the upgrade.
	if res := alice.do(t, "GET", "/", nil); res.Status == http.StatusSwitchingProtocols || res.Status == http.StatusBadRequest {
		t.Fatalf("GET /: %d %s", res.Status, res.Body)
	}
	e.logs.await(t, map[string]any{"message": "request", "path": "/", "status": 101, "user": "user-alice"})
}

func TestWSShutdownCloses(t *testing.T) {
	e := newServer(t)
	peers := []peer{e.as(t, "alice").joined(t, gwsLib, "board-1"), e.as(t, "bob").joined(t, coderLib, "board-1")}
	e.gw.Close()
	for _, p := range peers {
		if code := p.awaitClose(t); code != 1001 {
			t.Fatalf("close %d on shutdown, want 1001", code)
		}
	}
	if _, resp, err := dialGWS(e.wsURL("/ws"), http.Header{"Authorization": {"Bearer " + e.as(t, "carol").token}}); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("upgrade after Close: %v %v, want 503", err, resp)
	}
}

// crashingStore makes a board crash on committing a task titled "crash": nothing is written.
type crashingStore struct{ actors.Store }

func (s crashingStore) Commit(ctx context.Context, changes ...messages.Change) error {
	for _, c := range changes {
		if c.Event.Task != nil && c.Event.Task.Title == "crash" {
			panic("crash before commit")
		}
	}
	return s.Store.Commit(ctx, changes...)
}

func TestWSRejoinsAfterBoardRestart(t *testing.T) {
	e := newServerWith(t, setup{
		store:  func(s actors.Store) actors.Store { return crashingStore{s} },
		actors: actors.Options{AskTimeout: 300 * time.Millisecond},
	})
	alice := e.as(t, "alice")
	alice.createTask(t, "list-todo", "before")
	p := alice.ws(t, coderLib)
	p.send(t, map[string]any{"type": "join", "boardId": "board-1", "lastSeq": 0})
	expect(t, p, "presence")
	if m := expect(t, p, "task_created"); m.Seq != 1 {
		t.Fatalf("replayed seq %d", m.Seq)
	}

	// The crash ends the subscription; the connection joins the new board instance again
	// after the last seq it sent, so the client misses nothing and sees nothing twice.
	alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "crash"}).wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
	alice.createTask(t, "list-todo", "after")
	var got []string
	for len(got) < 2 {
		m := p.next(t)
		got = append(got, m.Type)
		if m.Type == "task_created" && m.Seq != 2 {
			t.Fatalf("after the restart: seq %d, want 2", m.Seq)
		}
	}
	if got[0] != "presence" || got[1] != "task_created" {
		// The rejoin's presence comes first, then the event, replayed or live.
		t.Fatalf("after the restart got %v, want presence then task_created", got)
	}
	e.logs.await(t, map[string]any{"message": "websocket rejoined after a board restart"})
	quiet(t, p)
}

// panickyBoards panics on the creation of a task titled "panic".
type panickyBoards struct{ gateway.Boards }

func (b panickyBoards) Do(ctx context.Context, cmd messages.Command) (messages.Result, error) {
	if c, ok := cmd.(messages.CreateTask); ok && c.Title == "panic" {
		panic("boom")
	}
	return b.Boards.Do(ctx, cmd)
}

func TestWSPanicIsContained(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.Boards = panickyBoards{c.Boards} })
	p := e.as(t, "alice").joined(t, gwsLib, "board-1")
	p.send(t, map[string]any{"type": "create_task", "requestId": "r", "listId": "list-todo", "title": "panic"})
	if m := expect(t, p, "error"); m.Code != string(messages.CodeInternal) || strings.Contains(m.Message, "boom") {
		t.Fatalf("after a panic: %s", m.Raw)
	}
	quiet(t, p)
	e.logs.await(t, map[string]any{"message": "websocket callback panicked", "callback": "message"})
}

func TestWSMessagesAreTraced(t *testing.T) {
	e := newServer(t)
	p := e.as(t, "alice").joined(t, coderLib, "board-1")
	p.send(t, map[string]any{"type": "create_task", "requestId": "client-7", "listId": "list-todo", "title": "traced"})
	ev := expect(t, p, "task_created")
	expect(t, p, "ack")
	line := e.logs.await(t, map[string]any{"message": "websocket message", "type": "create_task", "requestId": "client-7"})
	if line["req"] != ev.RequestID || line["user"] != "user-alice" || line["conn"] == nil || line["board"] != "board-1" {
		t.Fatalf("log line %v for event %s: want its req, user and conn", line, ev.Raw)
	}
}

var _ gws.Event = (*gwsPeer)(nil)

// After a board restart the connections join its new instance again; nobody left, so nobody
// is announced as joining: the room only gets fresh presences. Whichever connection rejoins
// second would announce itself to the first, so both are watched.
func TestWSRestartAnnouncesNobody(t *testing.T) {
	e := newServerWith(t, setup{
		store:  func(s actors.Store) actors.Store { return crashingStore{s} },
		actors: actors.Options{AskTimeout: 300 * time.Millisecond},
	})
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	a := alice.joined(t, coderLib, "board-1")
	b := bob.joined(t, gwsLib, "board-1")
	expect(t, a, "user_joined")
	expect(t, a, "presence")

	alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "crash"}).wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
	for _, p := range []peer{a, b} {
		for {
			m := p.next(t)
			if m.Type == "user_joined" {
				t.Fatalf("after the restart: %s, but nobody left", m.Raw)
			}
			if m.Type == "presence" && len(m.Viewers) == 2 {
				break
			}
		}
		quiet(t, p)
	}
}

// A board that keeps restarting without delivering anything is joined again maxRestarts
// times; then the connection leaves its room with an error frame and stays open.
func TestWSRestartsAreBounded(t *testing.T) {
	const maxRestarts = 5
	var boards *endingBoards
	e := newServer(t, func(c *gateway.Config) {
		boards = &endingBoards{Boards: c.Boards, added: make(chan struct{}, maxRestarts+2)}
		c.Boards = boards
	})
	p := e.as(t, "alice").joined(t, coderLib, "board-1")
	recv(t, boards.added, "subscription")
	for range maxRestarts {
		boards.end(messages.EndRestarted)
		recv(t, boards.added, "subscription after a restart")
		expect(t, p, "presence")
	}
	boards.end(messages.EndRestarted)
	if m := expect(t, p, "error"); m.Code != string(messages.CodeUnavailable) || m.BoardID != "board-1" {
		t.Fatalf("after too many restarts: %s, want an unavailable error for board-1", m.Raw)
	}
	quiet(t, p)
	if n := boards.count(); n != maxRestarts+1 {
		t.Fatalf("%d subscriptions, want %d", n, maxRestarts+1)
	}
}

// A board that cannot reload for a while (its database restarting) pauses a room instead of
// ending it: the connection asks again until the board is back, then rejoins after its last
// seq.
func TestWSRoomWaitsOutAnUnavailableBoard(t *testing.T) {
	down, back := new(atomic.Int32), make(chan struct{}, 1)
	down.Store(-1 << 20)
	e := newServerWith(t, setup{store: func(s actors.Store) actors.Store { return outageStore{s, down, back} }})
	alice := e.as(t, "alice")
	p := alice.ws(t, coderLib)
	p.send(t, map[string]any{"type": "join", "boardId": "board-1", "lastSeq": 0})
	expect(t, p, "presence")
	alice.do(t, "POST", "/tasks", map[string]any{"listId": "list-todo", "title": "outage"}).wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
	recv(t, back, "the board reloaded after the outage")
	alice.createTask(t, "list-todo", "after")
	var got []string
	for len(got) < 2 {
		m := p.next(t)
		got = append(got, m.Type)
		if m.Type == "task_created" && m.Seq != 1 {
			t.Fatalf("after the outage: seq %d, want 1", m.Seq)
		}
	}
	if got[0] != "presence" || got[1] != "task_created" {
		t.Fatalf("after the outage got %v, want presence then task_created", got)
	}
	e.logs.await(t, map[string]any{"message": "websocket rejoined after a board restart"})
}
