package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/lxzan/gws"

	"github.com/taskboard/taskboard/messages"
)

// wsMsg is any message the server sends, decoded loosely; Raw keeps its exact bytes.
type wsMsg struct {
	Raw              []byte            `json:"-"`
	Type             string            `json:"type"`
	BoardID          string            `json:"boardId"`
	Seq              int64             `json:"seq"`
	ActorID          string            `json:"actorId"`
	RequestID        string            `json:"requestId"`
	ClientMutationID string            `json:"clientMutationId"`
	UserID           string            `json:"userId"`
	Name             string            `json:"name"`
	TaskID           *string           `json:"taskId"`
	X                float64           `json:"x"`
	Y                float64           `json:"y"`
	Viewers          []messages.Viewer `json:"viewers"`
	Task             *messages.Task    `json:"task"`
	Code             string            `json:"code"`
	Message          string            `json:"message"`
	Fields           map[string]string `json:"fields"`
}

// peer is a WebSocket client under test: gwsPeer (gws, the server's own library) or
// coderPeer (github.com/coder/websocket, an independent implementation).
type peer interface {
	send(t *testing.T, v any)
	sendRaw(t *testing.T, binary bool, b []byte)
	write(binary bool, b []byte) error
	// next returns the next text message, failing after wait.
	next(t *testing.T) wsMsg
	// awaitClose waits for the connection to end and returns the close code the server sent
	// (0 if none).
	awaitClose(t *testing.T) int
	close()
}

// lib picks a client library.
type lib int

const (
	gwsLib lib = iota
	coderLib
)

func (l lib) String() string { return [...]string{"gws", "coder"}[l] }

// wsURL returns the WebSocket address of path on the test server.
func (e *env) wsURL(path string) string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + path }

// ws connects to /ws as c's user with l, and fails unless the upgrade succeeds.
func (c *client) ws(t *testing.T, l lib) peer {
	t.Helper()
	header := http.Header{}
	if c.token != "" {
		header.Set("Authorization", "Bearer "+c.token)
	}
	if l == coderLib {
		return dialCoder(t, c.e.wsURL("/ws"), header, nil, true)
	}
	p, resp, err := dialGWS(c.e.wsURL("/ws"), header)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", c.e.wsURL("/ws"), err, resp)
	}
	t.Cleanup(p.close)
	return p
}

// joined connects with l and joins boardID, checking the presence that answers.
func (c *client) joined(t *testing.T, l lib, boardID string) peer {
	t.Helper()
	p := c.ws(t, l)
	p.send(t, map[string]any{"type": "join", "boardId": boardID})
	expect(t, p, "presence")
	return p
}

func decodeMsg(t *testing.T, b []byte) wsMsg {
	t.Helper()
	var m wsMsg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	m.Raw = b
	return m
}

// expect returns p's next message, which must be of type typ.
func expect(t *testing.T, p peer, typ string) wsMsg {
	t.Helper()
	m := p.next(t)
	if m.Type != typ {
		t.Fatalf("got %s, want a %s message", m.Raw, typ)
	}
	return m
}

// quiet checks that p has been sent nothing before the answer to a ping: the server handles
// a connection's messages in order, and boards deliver before they answer.
func quiet(t *testing.T, p peer) {
	t.Helper()
	p.send(t, map[string]any{"type": "ping"})
	if m := p.next(t); m.Type != "pong" {
		t.Fatalf("got %s, want nothing before the pong", m.Raw)
	}
}

// settle checks that p has been sent nothing before an answer that went through board-1: a
// typing on a task that does not exist, which the board refuses. Whatever the board delivered
// to p before comes first.
func settle(t *testing.T, p peer) {
	t.Helper()
	p.send(t, map[string]any{"type": "typing", "boardId": "board-1", "taskId": "no-such-task"})
	if m := p.next(t); m.Type != "error" || m.Fields["taskId"] == "" {
		t.Fatalf("got %s, want nothing before the board's answer", m.Raw)
	}
}

// received is what a test client has read: messages, and the connection's end.
type received struct {
	msgs chan []byte
	done chan struct{}
	err  error // how the connection ended; set before done closes
}

func newReceived() received {
	return received{msgs: make(chan []byte, 4096), done: make(chan struct{})}
}

// next returns the next message, even one read just before the connection ended.
func (r *received) next(t *testing.T) wsMsg {
	t.Helper()
	select {
	case b := <-r.msgs:
		return decodeMsg(t, b)
	case <-r.done:
		select {
		case b := <-r.msgs:
			return decodeMsg(t, b)
		default:
		}
		t.Fatalf("connection ended (%v), want a message", r.err)
	case <-time.After(wait):
		t.Fatalf("no message within %s", wait)
	}
	return wsMsg{}
}

// awaitEnd waits for the connection to end and returns how.
func (r *received) awaitEnd(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(wait):
		t.Fatalf("connection still open after %s", wait)
	}
	return r.err
}

// gwsPeer is a gws client.
type gwsPeer struct {
	received
	conn    *gws.Conn
	silent  atomic.Bool
	closing sync.Once
}

func dialGWS(url string, header http.Header) (*gwsPeer, *http.Response, error) {
	p := &gwsPeer{received: newReceived()}
	conn, resp, err := gws.NewClient(p, &gws.ClientOption{Addr: url, RequestHeader: header, ReadMaxPayloadSize: 1 << 20})
	if err != nil {
		return nil, resp, err
	}
	p.conn = conn
	go conn.ReadLoop()
	return p, resp, nil
}

func (p *gwsPeer) OnOpen(*gws.Conn) {}

func (p *gwsPeer) OnClose(_ *gws.Conn, err error) {
	p.err = err
	close(p.done)
}

// OnPing answers, unless the peer plays dead.
func (p *gwsPeer) OnPing(c *gws.Conn, payload []byte) {
	if !p.silent.Load() {
		_ = c.WritePong(payload)
	}
}

func (p *gwsPeer) OnPong(*gws.Conn, []byte) {}

func (p *gwsPeer) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	select {
	case p.msgs <- bytes.Clone(m.Bytes()):
	case <-time.After(wait):
	}
}

func (p *gwsPeer) send(t *testing.T, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p.sendRaw(t, false, b)
}

func (p *gwsPeer) sendRaw(t *testing.T, binary bool, b []byte) {
	t.Helper()
	if err := p.write(binary, b); err != nil {
		t.Fatalf("send %.80s: %v", b, err)
	}
}

func (p *gwsPeer) write(binary bool, b []byte) error {
	op := gws.OpcodeText
	if binary {
		op = gws.OpcodeBinary
	}
	return p.conn.WriteMessage(op, b)
}

func (p *gwsPeer) awaitClose(t *testing.T) int {
	t.Helper()
	var ce *gws.CloseError
	if errors.As(p.awaitEnd(t), &ce) {
		return int(ce.Code)
	}
	return 0
}

func (p *gwsPeer) close() {
	p.closing.Do(func() {
		_ = p.conn.WriteClose(1000, nil)
		if !within(p.done) { // no answer to the close: cut the connection
			_ = p.conn.NetConn().Close()
			within(p.done)
		}
	})
}

// coderPeer is a github.com/coder/websocket client. Unless started reading, it reads nothing:
// a client that stopped reading.
type coderPeer struct {
	received
	conn    *websocket.Conn
	reading sync.Once
	closing sync.Once
}

// dialCoder connects to url; dial, if set, opens the TCP connection.
func dialCoder(t *testing.T, url string, header http.Header, dial func(ctx context.Context, network, addr string) (net.Conn, error), read bool) *coderPeer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DialContext: dial}}
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: header, HTTPClient: client})
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", url, err, resp)
	}
	conn.SetReadLimit(1 << 20)
	p := &coderPeer{conn: conn, received: newReceived()}
	if read {
		p.startReading()
	}
	t.Cleanup(p.close)
	return p
}

func (p *coderPeer) startReading() {
	p.reading.Do(func() {
		go func() {
			defer close(p.done)
			for {
				_, b, err := p.conn.Read(context.Background())
				if err != nil {
					p.err = err
					return
				}
				p.msgs <- b
			}
		}()
	})
}

func (p *coderPeer) send(t *testing.T, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p.sendRaw(t, false, b)
}

func (p *coderPeer) sendRaw(t *testing.T, binary bool, b []byte) {
	t.Helper()
	if err := p.write(binary, b); err != nil {
		t.Fatalf("send %.80s: %v", b, err)
	}
}

func (p *coderPeer) write(binary bool, b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	typ := websocket.MessageText
	if binary {
		typ = websocket.MessageBinary
	}
	return p.conn.Write(ctx, typ, b)
}

func (p *coderPeer) next(t *testing.T) wsMsg {
	t.Helper()
	p.startReading()
	return p.received.next(t)
}

func (p *coderPeer) awaitClose(t *testing.T) int {
	t.Helper()
	p.startReading()
	return max(int(websocket.CloseStatus(p.awaitEnd(t))), 0)
}

func (p *coderPeer) close() {
	p.closing.Do(func() {
		_ = p.conn.Close(websocket.StatusNormalClosure, "")
		_ = p.conn.CloseNow()
		p.startReading()
		within(p.done)
	})
}
