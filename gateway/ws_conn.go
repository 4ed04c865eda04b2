package gateway

import (
	"encoding/binary"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
	"github.com/oklog/ulid/v2"
	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/gateway/internal/socket"
	"github.com/taskboard/taskboard/messages"
)

// wsFrame is one queued outgoing message: a text message, a run of replayed board events, a
// ping or a pong.
type wsFrame struct {
	data   []byte // shared with other connections: never modified
	replay []messages.Encoded
	ping   bool
	pong   bool
	event  bool      // data is a board event
	at     time.Time // when a live board event was committed
}

// wsConn is one WebSocket connection. gws's read loop calls it (one goroutine per connection)
// and only queues what it reads; a handler goroutine runs only while received messages wait;
// its outbox is written by the send pool, and by a writer goroutine of its own only while its
// socket is full or it is closing (internal/socket); boards deliver to its rooms from their
// own goroutines. So an idle connection costs one goroutine, with a small stack.
//
// Everything queued goes through one bounded queue shared by the connection's rooms: a
// connection that falls WSSendQueue messages behind is closed with 1013 rather than slowing
// its boards or growing without limit (gws's own queue is unbounded).
type wsConn struct {
	s      *Server
	ws     *gws.Conn
	id     string
	userID string
	opened time.Time
	// release takes the connection out of the registry of live connections by credential.
	release func()
	// lastSeen is when the last frame came in (Unix nanoseconds); the heartbeat closes a
	// connection silent for WSPingInterval + WSPongGrace.
	lastSeen  atomic.Int64
	heartbeat *time.Timer

	// inMu guards what the read loop touches for every message, apart from mu, which the
	// boards' deliveries contend for. Lock order: mu, then inMu.
	inMu sync.Mutex
	// tokens, refilled at WSRate per second up to WSBurst since filled, is the connection's
	// token bucket of incoming messages.
	tokens float64
	filled time.Time
	inbox  []wsInMsg // received, waiting for the handler
	roomy  *sync.Cond

	// out queues what is written to the client. Closing it sends the close frame (Finish);
	// the end of the read loop discards it. Lock order: mu, then out's own.
	out socket.Outbox[wsFrame, *wsConn]

	mu sync.Mutex
	// closeReason and closeCode are the close asked for, closeAbrupt a close without the
	// closing handshake: the peer is gone.
	closeReason string
	nextPing    time.Time
	rooms       []*wsRoom // a few at most: a slice is smaller than a map

	// The small fields share one word: closeCode and closeAbrupt are guarded by mu,
	// handling and inStopped by inMu, and readOnly is set once.
	closeCode   uint16
	closeAbrupt bool
	handling    bool // a handler goroutine is running
	inStopped   bool // closing or closed: nothing more is handled
	// readOnly is set for a read-only API token: it may watch, not change.
	readOnly bool
}

// newWSConn returns the state of a connection just upgraded by the request reqID.
func newWSConn(s *Server, conn *gws.Conn, userID, reqID string) *wsConn {
	c := &wsConn{
		s:      s,
		ws:     conn,
		id:     ulid.Make().String(),
		userID: userID,
		opened: time.Now(),
		tokens: float64(s.cfg.WSBurst),
	}
	c.out.Init(&s.ws.out, c)
	c.log(zerolog.InfoLevel).Str("req", reqID).Str("remote", conn.RemoteAddr().String()).Msg("websocket open")
	return c
}

// log starts a log line at level with the connection's id and user. Every connection keeping
// a logger of its own would cost half a kilobyte each.
func (c *wsConn) log(level zerolog.Level) *zerolog.Event {
	return c.s.log.WithLevel(level).Str("conn", c.id).Str("user", c.userID)
}

// room returns the joined board boardID, or nil.
func (c *wsConn) room(boardID string) *wsRoom {
	for _, r := range c.rooms {
		if r.boardID == boardID {
			return r
		}
	}
	return nil
}

// forget removes r from the joined boards, if it is still there.
func (c *wsConn) forget(r *wsRoom) {
	for i, x := range c.rooms {
		if x == r {
			c.rooms = slices.Delete(c.rooms, i, i+1)
			return
		}
	}
}

// allow takes a token from the bucket, if there is one. (A bucket of our own: x/time/rate's
// deep calls would double the stack an idle connection keeps.)
func (c *wsConn) allow() bool {
	now := time.Now()
	c.inMu.Lock()
	defer c.inMu.Unlock()
	if !c.filled.IsZero() {
		c.tokens = min(c.tokens+now.Sub(c.filled).Seconds()*c.s.cfg.WSRate, float64(c.s.cfg.WSBurst))
	}
	c.filled = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

// open starts the heartbeat.
func (c *wsConn) open() {
	now := time.Now()
	c.lastSeen.Store(now.UnixNano())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextPing = now.Add(c.s.cfg.WSPingInterval)
	c.heartbeat = time.AfterFunc(c.s.cfg.WSPingInterval, c.beat)
}

// seen records that the peer is alive.
func (c *wsConn) seen() { c.lastSeen.Store(time.Now().UnixNano()) }

// beat runs on the heartbeat timer: it pings when a ping is due and closes a connection that
// has been silent too long, then sets the timer for whichever comes next.
func (c *wsConn) beat() {
	now := time.Now()
	silentUntil := time.Unix(0, c.lastSeen.Load()).Add(c.s.cfg.WSPingInterval + c.s.cfg.WSPongGrace)
	if !now.Before(silentUntil) {
		c.log(zerolog.InfoLevel).Dur("silent", now.Sub(time.Unix(0, c.lastSeen.Load()))).Msg("websocket silent: closing")
		c.closeAbruptly(closeGoingAway, "no pong")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.out.Open() {
		return
	}
	if !now.Before(c.nextPing) {
		c.pushLocked(wsFrame{ping: true})
		c.nextPing = now.Add(c.s.cfg.WSPingInterval)
	}
	next := c.nextPing
	if silentUntil.Before(next) {
		next = silentUntil
	}
	c.heartbeat.Reset(next.Sub(now))
}

// push queues f, or closes the connection with 1013 when its queue is full. It reports whether
// f was queued or dropped harmlessly (the connection is closing).
func (c *wsConn) push(f wsFrame) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pushLocked(f)
}

func (c *wsConn) pushLocked(f wsFrame) bool {
	if err := c.out.Push(f); err == socket.ErrFull {
		c.log(zerolog.WarnLevel).Int("queue", c.s.cfg.WSSendQueue).Msg("websocket send queue full: closing")
		c.closeLocked(closeTryLater, "send queue full", false)
		return false
	}
	return true
}

// Encode implements socket.Owner: the frames go out as WebSocket frames of our own rather
// than through gws, whose writes take one syscall each. Writes of whole frames do not
// interleave with gws's own (a closing handshake), since the outbox writes one batch at a
// time and the close frame only after the batch in flight.
func (c *wsConn) Encode(b *socket.Batch, frames []wsFrame) {
	n := 0
	for _, f := range frames {
		n += max(1, len(f.replay))
	}
	b.Grow(2*n, n)
	for _, f := range frames {
		switch {
		case f.ping:
			b.AddFrame(socket.OpPing, nil)
		case f.pong:
			b.AddFrame(socket.OpPong, f.data)
		case f.replay != nil:
			for _, e := range f.replay {
				b.AddFrame(socket.OpText, e.JSON)
				b.Times = append(b.Times, time.Time{})
			}
		default:
			b.AddFrame(socket.OpText, f.data)
			if f.event {
				b.Times = append(b.Times, f.at)
			}
		}
	}
}

// Sent implements socket.Owner: it reports the board events of a written batch.
func (c *wsConn) Sent(b *socket.Batch) {
	for _, at := range b.Times {
		c.s.obs.Delivered(TransportWebSocket, at)
	}
}

// Failed implements socket.Owner: gws's read loop then fails too, and OnClose cleans up.
func (c *wsConn) Failed(err error) {
	c.log(zerolog.DebugLevel).Err(err).Msg("websocket write failed")
	_ = c.ws.NetConn().Close()
}

// Conn implements socket.Owner.
func (c *wsConn) Conn() net.Conn { return c.ws.NetConn() }

// Finish implements socket.Owner: it sends the close frame asked for.
func (c *wsConn) Finish() {
	c.mu.Lock()
	code, reason, abrupt := c.closeCode, c.closeReason, c.closeAbrupt
	c.mu.Unlock()
	c.sendClose(code, reason, abrupt)
}

// close asks for the connection to be closed with code after the frame being written, with
// a closing handshake. Only the first close counts.
func (c *wsConn) close(code uint16, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason, false)
}

// closeAfterQueuedLocked closes with code once what is already queued is written, so that
// the client learns why (a member_removed before 4003). Nothing more is queued meanwhile. The
// caller holds c.mu.
func (c *wsConn) closeAfterQueuedLocked(code uint16, reason string) {
	if !c.out.Open() {
		return
	}
	c.closeCode, c.closeReason = code, reason
	c.out.Close(true)
	c.stopInbox()
	c.log(zerolog.DebugLevel).Uint16("code", code).Str("reason", reason).Msg("websocket closing after its queue")
}

// closeAbruptly closes at once, without waiting for the peer's closing frame: for a peer that
// stopped answering.
func (c *wsConn) closeAbruptly(code uint16, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason, true)
}

func (c *wsConn) closeLocked(code uint16, reason string, abrupt bool) {
	if !c.out.Open() {
		return
	}
	c.closeCode, c.closeReason, c.closeAbrupt = code, reason, abrupt
	c.out.Close(false)
	c.stopInbox()
	c.log(zerolog.DebugLevel).Uint16("code", code).Str("reason", reason).Msg("websocket closing")
}

// sendClose writes the close frame. With a handshake it then gives the peer wsCloseTimeout to
// answer with its own, which ends the read loop; abruptly it closes the connection at once.
func (c *wsConn) sendClose(code uint16, reason string, abrupt bool) {
	_ = c.ws.SetWriteDeadline(time.Now().Add(wsCloseTimeout))
	if abrupt {
		_ = c.ws.WriteClose(code, []byte(reason))
		return
	}
	payload := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), code)
	if err := c.ws.WriteMessage(gws.OpcodeCloseConnection, append(payload, reason...)); err != nil {
		return
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(wsCloseTimeout))
}

// closed runs once the read loop has ended: the connection leaves its rooms.
func (c *wsConn) closed(err error) {
	c.mu.Lock()
	c.out.Discard()
	c.stopInbox()
	code := c.closeCode
	rooms := c.rooms
	c.rooms = nil
	if c.heartbeat != nil {
		c.heartbeat.Stop()
	}
	c.mu.Unlock()
	for _, r := range rooms {
		r.leave()
	}
	if c.release != nil {
		c.release()
	}
	ev := c.log(zerolog.InfoLevel).Uint16("code", code).Dur("duration", time.Since(c.opened)).Int("boards", len(rooms))
	if err != nil && err.Error() != "" {
		ev = ev.Str("peer", err.Error())
	}
	ev.Msg("websocket closed")
}
