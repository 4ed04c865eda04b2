package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// closeRecorder is a gws client that records the close code it was sent.
type closeRecorder struct {
	gws.BuiltinEventHandler
	joined chan struct{}
	code   chan int
}

func (c *closeRecorder) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	if strings.HasPrefix(string(m.Bytes()), `{"type":"presence"`) {
		close(c.joined)
	}
}

func (c *closeRecorder) OnClose(_ *gws.Conn, err error) {
	var ce *gws.CloseError
	if errors.As(err, &ce) {
		c.code <- int(ce.Code)
		return
	}
	c.code <- 0
}

// TestRevokedRoomCloses4003 checks the revocation hook's last step: a board ending a room's
// subscription with EndRevoked closes the connection with 4003.
func TestRevokedRoomCloses4003(t *testing.T) {
	ctx := context.Background()
	db, err := persistence.Open(ctx, filepath.Join(t.TempDir(), "tb.db"), persistence.Options{HashParams: persistence.HashParams{Time: 1, Memory: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	boards := actors.NewBoards(db, actors.Options{Logger: zerolog.Nop()})
	defer boards.Shutdown(ctx)
	s := New(Config{Logger: zerolog.Nop(), Boards: boards, Accounts: db})
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer s.Close()
	sess, err := db.Login(ctx, "bob@example.com", persistence.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}

	rec := &closeRecorder{joined: make(chan struct{}), code: make(chan int, 1)}
	conn, _, err := gws.NewClient(rec, &gws.ClientOption{
		Addr:          "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws",
		RequestHeader: http.Header{"Authorization": {"Bearer " + sess.Token}},
	})
	if err != nil {
		t.Fatal(err)
	}
	go conn.ReadLoop()
	if err := conn.WriteString(`{"type":"join","boardId":"board-1"}`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.joined:
	case <-time.After(10 * time.Second):
		t.Fatal("no presence")
	}

	s.ws.mu.Lock()
	var room *wsRoom
	for c := range s.ws.conns {
		c.mu.Lock()
		room = c.room("board-1")
		c.mu.Unlock()
	}
	s.ws.mu.Unlock()
	room.End(messages.EndRevoked)
	select {
	case code := <-rec.code:
		if code != 4003 {
			t.Fatalf("closed with %d, want 4003", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still open")
	}
}
