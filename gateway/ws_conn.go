package gateway

import (
	"encoding/binary"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lxzan/gws"
	"github.com/oklog/ulid/v2"
	"github.com/rs/zerolog"

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
// the send pool writes what is queued (send.go), and a writer goroutine of its own runs only
// while its socket is full or it is closing; boards deliver to its rooms from their own
// goroutines. So an idle connection costs one goroutine, with a small stack.
//
// Everything queued goes through one bounded queue shared by the connection's rooms: a
// connection that falls WSSendQueue messages behind is closed with 1013 rather than slowing
// its boards or growing without limit (gws's own queue is unbounded).
type wsConn struct {
	s  *Server
	ws *gws.Conn
	// raw writes to the socket without waiting, on the send pool (nil: it cannot).
	raw    syscall.RawConn
	id     string
	userID string
	opened time.Time
	// readOnly is set for a read-only API token: it may watch, not change.
	readOnly bool
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
	tokens    float64
	filled    time.Time
	inbox     []wsInMsg // received, waiting for the handler
	handling  bool      // a handler goroutine is running
	inStopped bool      // closing or closed: nothing more is handled
	roomy     *sync.Cond

	mu          sync.Mutex
	queue       []wsFrame
	writing     bool // a flush is scheduled, or a writer goroutine is running
	closeCode   uint16
	closeReason string
	closeAbrupt bool // no closing handshake: the peer is gone
	closeDrain  bool // write what is queued before the close frame
	closeSent   bool
	ended       bool // the read loop ended: nothing more is queued
	nextPing    time.Time
	rooms       []*wsRoom // a few at most: a slice is smaller than a map
}

// newWSConn returns the state of a connection just upgraded by the request reqID.
func newWSConn(s *Server, socket *gws.Conn, userID, reqID string) *wsConn {
	c := &wsConn{
		s:      s,
		ws:     socket,
		raw:    rawConn(socket.NetConn()),
		id:     ulid.Make().String(),
		userID: userID,
		opened: time.Now(),
		tokens: float64(s.cfg.WSBurst),
	}
	c.log(zerolog.InfoLevel).Str("req", reqID).Str("remote", socket.RemoteAddr().String()).Msg("websocket open")
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
	if c.ended || c.closeCode != 0 {
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
	if c.ended || c.closeCode != 0 {
		return true
	}
	if len(c.queue) >= c.s.cfg.WSSendQueue {
		c.log(zerolog.WarnLevel).Int("queue", len(c.queue)).Msg("websocket send queue full: closing")
		c.closeLocked(closeTryLater, "send queue full", false)
		return false
	}
	c.queue = append(c.queue, f)
	c.startWriter()
	return true
}

// startWriter has the send pool flush the queue, unless a writer is already on it.
func (c *wsConn) startWriter() {
	if c.writing {
		return
	}
	c.writing = true
	c.s.ws.wg.Add(1)
	c.s.send.schedule(c)
}

// flushRounds bounds how many batches a pool worker writes for one connection before it
// lets the others have their turn.
const flushRounds = 4

// flush implements flusher: on a pool worker, it writes what is queued without blocking.
// Whatever would block (a full socket, a closing handshake) goes on to a goroutine of the
// connection's own, in order.
func (c *wsConn) flush() {
	for range flushRounds {
		batch, turn := c.next()
		switch {
		case turn == turnDone:
			return
		case turn == turnClose:
			go c.write(nil)
			return
		case c.raw == nil:
			go c.write(c.encode(batch))
			return
		}
		out := c.encode(batch)
		switch err := out.writeNow(c.raw); {
		case err == nil:
			c.delivered(out)
		case errors.Is(err, errWouldBlock):
			go c.write(out)
			return
		default:
			c.writeFailed(err)
			return
		}
	}
	c.s.send.schedule(c)
}

// write runs on a goroutine of its own: it writes pending (framed bytes the pool could not
// write without waiting), then what is queued until the queue is empty, each batch within
// WSWriteTimeout; a requested close is sent once what was being written is out.
func (c *wsConn) write(pending *outgoing) {
	if pending != nil && !c.writeBatch(pending) {
		return
	}
	for {
		batch, turn := c.next()
		switch turn {
		case turnDone:
			return
		case turnClose:
			c.writeClose()
			return
		}
		if !c.writeBatch(c.encode(batch)) {
			return
		}
	}
}

// A writer's turn: what it does next.
type writerTurn int

const (
	turnWrite writerTurn = iota // write the batch
	turnDone                    // nothing more: the writer is released
	turnClose                   // send the close frame, which may block
)

// next takes the writer's next turn: the queue as one batch, the close frame once what was
// to be written before it is out, or the end of its turn.
func (c *wsConn) next() ([]wsFrame, writerTurn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.ended || c.closeSent:
		c.releaseWriterLocked()
		return nil, turnDone
	case c.closeCode != 0 && (!c.closeDrain || len(c.queue) == 0):
		return nil, turnClose
	case len(c.queue) == 0:
		c.releaseWriterLocked()
		return nil, turnDone
	}
	batch := c.queue
	c.queue = nil
	return batch, turnWrite
}

// releaseWriterLocked ends the writer's turn: the next push schedules a flush again.
func (c *wsConn) releaseWriterLocked() {
	c.writing = false
	c.s.ws.wg.Done()
}

// writeClose sends the close frame asked for, then releases the writer.
func (c *wsConn) writeClose() {
	c.mu.Lock()
	code, reason, abrupt := c.closeCode, c.closeReason, c.closeAbrupt
	c.closeSent, c.queue = true, nil
	c.mu.Unlock()
	c.sendClose(code, reason, abrupt)
	c.mu.Lock()
	c.releaseWriterLocked()
	c.mu.Unlock()
}

// writeBatch writes out, waiting at most WSWriteTimeout; it reports false, the writer
// released, when the write failed.
func (c *wsConn) writeBatch(out *outgoing) bool {
	if err := out.writeBlocking(c.ws.NetConn(), c.s.cfg.WSWriteTimeout); err != nil {
		c.writeFailed(err)
		return false
	}
	c.delivered(out)
	return true
}

// writeFailed ends the writer after a failed write: gws's read loop then fails too, and
// OnClose cleans up.
func (c *wsConn) writeFailed(err error) {
	c.log(zerolog.DebugLevel).Err(err).Msg("websocket write failed")
	_ = c.ws.NetConn().Close()
	c.mu.Lock()
	c.queue = nil
	c.releaseWriterLocked()
	c.mu.Unlock()
}

// delivered reports the board events of a written batch.
func (c *wsConn) delivered(out *outgoing) {
	for _, at := range out.events {
		c.s.obs.Delivered(TransportWebSocket, at)
	}
}

// encode frames a batch for one writev. Frames are written by the connection itself rather
// than through gws, whose writes take one syscall each: server frames are never masked, and
// writes of whole frames do not interleave with gws's own (a closing handshake), since the
// socket's writes are serialized. A frame cut short by a full socket is finished by the
// connection's own goroutine before anything else is written.
func (c *wsConn) encode(batch []wsFrame) *outgoing {
	n := 0
	for _, f := range batch {
		n += max(1, len(f.replay))
	}
	out := &outgoing{bufs: make(net.Buffers, 0, 2*n)}
	headers := make([]byte, 0, wsMaxHeader*n)
	add := func(opcode byte, payload []byte) {
		i := len(headers)
		headers = appendWSHeader(headers, opcode, len(payload))
		out.bufs = append(out.bufs, headers[i:len(headers):len(headers)])
		if len(payload) > 0 {
			out.bufs = append(out.bufs, payload)
		}
	}
	for _, f := range batch {
		switch {
		case f.ping:
			add(wsOpPing, nil)
		case f.pong:
			add(wsOpPong, f.data)
		case f.replay != nil:
			for _, e := range f.replay {
				add(wsOpText, e.JSON)
				out.events = append(out.events, time.Time{})
			}
		default:
			add(wsOpText, f.data)
			if f.event {
				out.events = append(out.events, f.at)
			}
		}
	}
	return out
}

// WebSocket opcodes of the frames the server writes itself (RFC 6455, 5.2), with FIN set.
const (
	wsOpText = 0x81
	wsOpPing = 0x89
	wsOpPong = 0x8A
	// wsMaxHeader is the longest header of an unmasked frame.
	wsMaxHeader = 10
)

// appendWSHeader appends the header of an unmasked, unfragmented frame of n payload bytes.
func appendWSHeader(b []byte, opcode byte, n int) []byte {
	switch {
	case n < 126:
		return append(b, opcode, byte(n))
	case n <= 0xFFFF:
		return append(b, opcode, 126, byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, opcode, 127), uint64(n))
	}
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
	if c.ended || c.closeCode != 0 {
		return
	}
	c.closeCode, c.closeReason, c.closeDrain = code, reason, true
	c.stopInbox()
	c.log(zerolog.DebugLevel).Uint16("code", code).Str("reason", reason).Msg("websocket closing after its queue")
	c.startWriter()
}

// closeAbruptly closes at once, without waiting for the peer's closing frame: for a peer that
// stopped answering.
func (c *wsConn) closeAbruptly(code uint16, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason, true)
}

func (c *wsConn) closeLocked(code uint16, reason string, abrupt bool) {
	if c.ended || c.closeCode != 0 {
		return
	}
	c.closeCode, c.closeReason, c.closeAbrupt = code, reason, abrupt
	c.queue = nil
	c.closeDrain = false
	c.stopInbox()
	c.log(zerolog.DebugLevel).Uint16("code", code).Str("reason", reason).Msg("websocket closing")
	c.startWriter()
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
	c.ended = true
	c.queue = nil
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
