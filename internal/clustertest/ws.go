package clustertest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// WS is one WebSocket joined to a board, recording the board's events into a Recorder.
type WS struct {
	// Done is closed when the connection has closed; Code is then its close code (0 if it
	// ended without a close frame).
	Done chan struct{}
	Code int

	conn   *gws.Conn
	rec    *Recorder
	joined chan struct{}
	once   sync.Once
}

// JoinWS connects to the node at url with token, joins board (from after lastSeq if it is
// positive) and waits for the presence that answers the join. t's cleanup closes it.
func JoinWS(t testing.TB, url, token, board string, lastSeq int64, rec *Recorder) *WS {
	t.Helper()
	w := &WS{Done: make(chan struct{}), rec: rec, joined: make(chan struct{})}
	conn, _, err := gws.NewClient(w, &gws.ClientOption{Addr: "ws" + strings.TrimPrefix(url, "http") + "/ws?token=" + token})
	if err != nil {
		t.Fatalf("WebSocket at %s: %v", url, err)
	}
	w.conn = conn
	go conn.ReadLoop()
	t.Cleanup(func() {
		_ = conn.NetConn().Close()
		<-w.Done
	})
	join := fmt.Sprintf(`{"type":"join","boardId":%q}`, board)
	if lastSeq > 0 {
		join = fmt.Sprintf(`{"type":"join","boardId":%q,"lastSeq":%d}`, board, lastSeq)
	}
	if err := conn.WriteString(join); err != nil {
		t.Fatalf("join over WebSocket at %s: %v", url, err)
	}
	select {
	case <-w.joined:
	case <-w.Done:
		t.Fatalf("WebSocket at %s closed (%d) before the join was answered", url, w.Code)
	case <-time.After(Wait):
		t.Fatalf("WebSocket at %s: no presence within %v of the join", url, Wait)
	}
	return w
}

// OnMessage records board events and notes the join's answer.
func (w *WS) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	data := m.Bytes()
	if e, ok := parseEvent(data); ok {
		w.rec.add(e)
		return
	}
	if strings.HasPrefix(string(data), `{"type":"presence"`) {
		w.once.Do(func() { close(w.joined) })
	}
}

// OnClose notes the close code.
func (w *WS) OnClose(_ *gws.Conn, err error) {
	var ce *gws.CloseError
	if errors.As(err, &ce) {
		w.Code = int(ce.Code)
	}
	close(w.Done)
}

// OnPing answers the server's pings.
func (w *WS) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

// OnOpen, OnPong: nothing to do.
func (w *WS) OnOpen(*gws.Conn)         {}
func (w *WS) OnPong(*gws.Conn, []byte) {}
