package gateway

import (
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// The transports of live connections, as Observer and GET /admin/connections name them.
const (
	TransportSSE       = "sse"
	TransportWebSocket = "websocket"
	TransportLongPoll  = "longpoll"
	// TransportShortPoll only delivers: a short poll is answered at once and holds nothing.
	TransportShortPoll = "shortpoll"
)

// Observer is told about connections and deliveries, for metrics. Its methods are called from
// many goroutines (handlers, boards delivering to WebSockets): they must be safe for
// concurrent use and must not block.
type Observer interface {
	// Connected and Disconnected bracket a live connection: an SSE stream, a WebSocket
	// (joined to any number of boards) or a waiting long poll.
	Connected(transport string)
	Disconnected(transport string)
	// Delivered reports one board event written to a connection. committed is when the board
	// committed it, zero for an event replayed to catch up, whose latency means nothing.
	Delivered(transport string, committed time.Time)
	// Refused reports a live connection refused past a cap: reason is RefusedUser,
	// RefusedAddr or RefusedTotal.
	Refused(transport, reason string)
}

type noObserver struct{}

func (noObserver) Refused(string, string) {}

func (noObserver) Connected(string)            {}
func (noObserver) Disconnected(string)         {}
func (noObserver) Delivered(string, time.Time) {}

// boardConns counts a board's live connections by transport.
type boardConns struct {
	BoardID   string `json:"boardId,omitempty"`
	SSE       int    `json:"sse"`
	WebSocket int    `json:"websocket"`
	LongPoll  int    `json:"longPoll"`
}

func (b *boardConns) add(transport string, n int) {
	switch transport {
	case TransportSSE:
		b.SSE += n
	case TransportWebSocket:
		b.WebSocket += n
	case TransportLongPoll:
		b.LongPoll += n
	}
}

// connCounts holds the live connections of every board: SSE streams, WebSockets joined to it
// and waiting long polls. It is safe for concurrent use; its lock is never held while taking
// another.
type connCounts struct {
	mu     sync.Mutex
	boards map[string]*boardConns
}

func newConnCounts() *connCounts { return &connCounts{boards: map[string]*boardConns{}} }

func (c *connCounts) add(boardID, transport string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.boards[boardID]
	if b == nil {
		b = &boardConns{BoardID: boardID}
		c.boards[boardID] = b
	}
	b.add(transport, n)
	if b.SSE == 0 && b.WebSocket == 0 && b.LongPoll == 0 {
		delete(c.boards, boardID)
	}
}

func (c *connCounts) of(boardID string) boardConns {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b := c.boards[boardID]; b != nil {
		return *b
	}
	return boardConns{BoardID: boardID}
}

// track counts one live connection to boardID until the returned function is called.
func (s *Server) track(boardID, transport string) (done func()) {
	s.conns.add(boardID, transport, 1)
	s.obs.Connected(transport)
	return func() {
		s.conns.add(boardID, transport, -1)
		s.obs.Disconnected(transport)
	}
}

// connectionsAnswer is the answer of GET /admin/connections.
type connectionsAnswer struct {
	Data  []boardConns `json:"data"`
	Total boardConns   `json:"total"`
}

// adminConnections answers GET /admin/connections: the live SSE, WebSocket and long-poll
// connections of each board the caller owns, and their totals (see docs/protocol-notes.md).
func (s *Server) adminConnections(w http.ResponseWriter, r *http.Request) error {
	owned := map[string]bool{}
	for page := (messages.ListBoards{Meta: readMeta(r), Limit: messages.MaxPage}); ; {
		res, err := s.cfg.Boards.Do(r.Context(), page)
		if err != nil {
			return err
		}
		for _, b := range res.Boards {
			if b.Role == messages.RoleOwner {
				owned[b.ID] = true
			}
		}
		if page.After = res.Next; page.After == "" {
			break
		}
	}
	if len(owned) == 0 {
		return messages.Errorf(messages.CodeForbidden, "only board owners may see connections")
	}
	answer := connectionsAnswer{Data: []boardConns{}}
	for _, id := range slices.Sorted(maps.Keys(owned)) {
		c := s.conns.of(id)
		answer.Data = append(answer.Data, c)
		answer.Total.SSE += c.SSE
		answer.Total.WebSocket += c.WebSocket
		answer.Total.LongPoll += c.LongPoll
	}
	writeJSON(w, http.StatusOK, answer)
	return nil
}
