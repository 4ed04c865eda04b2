package gateway

import (
	"bytes"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/gateway/internal/socket"
	"github.com/taskboard/taskboard/messages"
)

// sseConn is an SSE stream once it is authorised and subscribed: over HTTP/1.1 taken over
// from net/http, over HTTP/2 written through its handler's response (responseConn).
// net/http keeps two goroutines and their buffers for every open response (the handler's
// and a background reader), which made an idle stream cost about 34 KiB. Taken over, an idle
// stream is this struct and its socket: the board delivers into its outbox, the send pool
// writes it (internal/socket), a timer queues heartbeats, and the hang-up watcher notices the
// client leaving. No goroutine is its own while it is idle.
type sseConn struct {
	s      *Server
	nc     net.Conn
	board  string
	req    string // the trace id of the request that opened the stream
	meta   messages.Meta
	opened time.Time
	// release, untrack and unwatch take the stream out of the registry of live connections
	// by credential, out of the connection counts and out of the hang-up watcher.
	release, untrack, unwatch func()

	// out queues the frames written to the client; the stream ends when it closes. Lock
	// order: mu, then out's own.
	out socket.Outbox[sseFrame, *sseConn]

	mu        sync.Mutex
	heartbeat *time.Timer
	sub       *messages.Subscription
	feed
	// ending is why the stream ends once its queue is written; before the stream is set up
	// (nc is nil until then), why the board ended its subscription meanwhile (its
	// queue overflowing while the replay was read, say), for openStream to act on.
	ending string
}

// sseFrame is one queued frame: bytes shared with other streams, never modified.
type sseFrame struct {
	data  []byte
	event bool      // a board event
	at    time.Time // when a live event was committed (zero: replayed)
}

// sseHub holds the streams taken over, so that Close can end them, and watches their
// sockets for hang-ups.
type sseHub struct {
	mu      sync.Mutex
	conns   map[*sseConn]struct{}
	hangups socket.Hangups
	out     socket.Options // of every stream's outbox
}

// openStream subscribes the stream of r and answers it. Over HTTP/1.1 it hands the
// connection over to an sseConn and returns. Over HTTP/2, which cannot hand its connection
// over, the sseConn writes through w and openStream returns once the stream has ended.
// Errors before the stream starts (not_found, unavailable) are ordinary JSON answers.
func (s *Server) openStream(w http.ResponseWriter, r *http.Request, after *int64, admitted func()) error {
	c := &sseConn{s: s, board: r.PathValue("boardId"), req: requestIDFrom(r.Context()), meta: readMeta(r), opened: time.Now(), feed: feed{joining: true}}
	sub, err := s.cfg.Boards.Subscribe(r.Context(), messages.Subscribe{
		Meta: c.meta, BoardID: c.board, After: after, Limit: s.cfg.SSEBuffer, Live: true, Sink: c,
	})
	if err != nil {
		admitted()
		return err
	}
	var (
		nc   net.Conn
		resp *responseConn // HTTP/2
	)
	if r.ProtoMajor == 1 {
		if rec, ok := w.(interface{ recordStatus(int) }); ok {
			rec.recordStatus(http.StatusOK)
		}
		hijacked, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			admitted()
			s.cfg.Boards.Unsubscribe(sub)
			return err
		}
		// Whatever the client sent after its request is not for us; the buffers are dropped.
		_, _ = brw.Reader.Discard(brw.Reader.Buffered())
		nc = hijacked
	} else {
		sseHeaders(w.Header())
		w.WriteHeader(http.StatusOK)
		resp = newResponseConn(w)
		nc = resp
	}

	// Whoever ends the stream meanwhile (a revocation, a hang-up) waits for it to be set up.
	c.mu.Lock()
	c.nc = nc
	c.out.Init(&s.sse.out, c)
	p, _ := principalFrom(r.Context())
	c.release = s.live.register(p, func(error) { c.close("credential ended") }, admitted)
	c.untrack = s.track(c.board, TransportSSE)
	if !s.sse.add(c) {
		c.sub = sub
		c.mu.Unlock()
		c.close(messages.EndShutdown)
	} else {
		if resp == nil {
			c.unwatch = s.sse.hangups.Watch(nc, func() { c.close("client gone") })
			_ = c.out.PushAlways(sseFrame{data: sseHead(w.Header())})
		}
		_ = c.out.PushAlways(sseFrame{data: sseConnected(c.board, sub.Seq)})
		c.subscribedLocked(sub, after)
		early := c.ending
		c.ending = ""
		c.heartbeat = time.AfterFunc(s.cfg.Heartbeat, c.beat)
		c.endEarlyLocked(early)
		c.mu.Unlock()
		logFrom(r.Context()).Debug().Str("board", c.board).Int64("seq", sub.Seq).Bool("resync", sub.Resync).Msg("sse stream open")
	}
	if resp != nil {
		resp.serve(r.Context(), func() { c.close("client gone") })
	}
	return nil
}

// sseHead is the response's status line and headers, with those set so far (the request
// id). The body ends when the connection closes.
func sseHead(h http.Header) []byte {
	sseHeaders(h)
	h.Set("Connection", "close")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	_ = h.Write(&b)
	b.WriteString("\r\n")
	return b.Bytes()
}

// subscribedLocked queues the resync frame or replay of a subscription taken after after,
// then what the board delivered meanwhile. The caller holds c.mu.
func (c *sseConn) subscribedLocked(sub *messages.Subscription, after *int64) {
	c.sub = sub
	replay := sub.Replay
	sub.Replay = nil // the stream keeps the subscription for its id, not what it carried
	c.start(sub, after)
	if sub.Resync {
		_ = c.out.PushAlways(sseFrame{data: sseResync(sub.Seq)})
	}
	for i := range replay {
		// The first event goes past the queue's bound, as the frames a stream starts with do,
		// so that every stream gets further than the last, however small its buffer.
		if !c.queueLocked(&replay[i], true, i == 0) {
			// The replay does not fit the queue: what is queued goes out, then the client
			// resumes with Last-Event-ID from there, as a slow stream does.
			c.log(zerolog.DebugLevel).Int64("seq", c.last).Int("replay", len(replay)).Msg("sse replay exceeds the buffer")
			c.endLocked(messages.EndSlow)
			return
		}
	}
	if n := len(replay); n > 0 && replay[n-1].Seq < sub.Seq {
		// The board read no more of the replay than the queue holds (Subscribe.Limit): the
		// rest comes when the client resumes from here, as after a slow ending.
		c.log(zerolog.DebugLevel).Int64("seq", c.last).Int64("board_seq", sub.Seq).Msg("sse replay continues on resume")
		c.endLocked(messages.EndSlow)
		return
	}
	for _, m := range c.joined() {
		if !c.queueLocked(m, false, false) {
			c.endLocked(messages.EndSlow)
			break
		}
	}
}

// Deliver implements messages.Sink; the board calls it from its own goroutine.
func (c *sseConn) Deliver(m *messages.Encoded) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.out.Open() {
		return true
	}
	if held, ok := c.hold(m, c.s.cfg.SSEBuffer); held {
		return ok
	}
	return c.queueLocked(m, false, false)
}

// queueLocked queues an event's shared frame, skipping what the client already has; it
// reports false when the queue is full. A replayed event has no commit time to report; with
// unbounded it is queued however full the queue is.
func (c *sseConn) queueLocked(m *messages.Encoded, replayed, unbounded bool) bool {
	if !c.fresh(m) {
		return true
	}
	f := sseFrame{data: m.SSE, event: true}
	if !replayed {
		f.at = m.Committed
	}
	var err error
	if unbounded {
		err = c.out.PushAlways(f)
	} else {
		err = c.out.Push(f)
	}
	if err == socket.ErrFull {
		return false
	}
	if after, gap := c.advance(m.Seq, m.Seq); gap {
		c.log(zerolog.WarnLevel).Int64("seq", m.Seq).Int64("after", after).Msg("sse gap in board events")
	}
	c.log(zerolog.DebugLevel).Int64("seq", m.Seq).Str("event_req", m.RequestID).Msg("sse event")
	return true
}

// End implements messages.Sink. A board restart is bridged by subscribing again after the
// last seq queued, so the client sees neither a gap, a duplicate nor a second connected
// frame. A slow stream or a shutdown closes at once (the client resumes with Last-Event-ID);
// any other end closes once what is queued (a board_deleted, a member_removed) is written.
func (c *sseConn) End(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nc == nil {
		if c.ending == "" {
			c.ending = reason // the stream has no connection yet: openStream ends it
		}
		return
	}
	if !c.out.Open() {
		return
	}
	c.sub = nil
	c.log(zerolog.DebugLevel).Str("reason", reason).Int64("seq", c.last).Msg("sse subscription ended")
	switch {
	case c.restart(reason):
		go c.resubscribe()
	case reason == messages.EndSlow || reason == messages.EndShutdown:
		if c.out.Discard() {
			go c.teardown(reason)
		}
	default:
		c.endLocked(reason)
	}
}

// endEarlyLocked ends a stream whose subscription the board ended before the stream was set
// up: a board restart is bridged as always; anything else closes the stream once what is
// queued (its head, its connected frame, its replay) is written, and the client resumes
// from there. The caller holds c.mu.
func (c *sseConn) endEarlyLocked(reason string) {
	if reason == "" {
		return
	}
	c.sub = nil
	c.log(zerolog.DebugLevel).Str("reason", reason).Int64("seq", c.last).Msg("sse subscription ended")
	if c.restart(reason) {
		go c.resubscribe()
		return
	}
	c.endLocked(reason)
}

// log starts a log line at level with the stream's trace id and board. Every stream keeping
// a logger of its own would cost half a kilobyte each.
func (c *sseConn) log(level zerolog.Level) *zerolog.Event {
	return c.s.log.WithLevel(level).Str("req", c.req).Str("board", c.board)
}

// endLocked ends the stream once its queue is written. The caller holds c.mu.
func (c *sseConn) endLocked(reason string) {
	if c.out.Close(true) {
		c.ending = reason
	}
}

// open reports whether the stream is still open.
func (c *sseConn) open() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Open()
}

// resubscribe follows a board restart, waiting out a board that is unavailable for a while.
func (c *sseConn) resubscribe() {
	c.mu.Lock()
	after := c.last
	c.mu.Unlock()
	sub, err := c.s.resubscribe(messages.Subscribe{
		Meta: c.meta, BoardID: c.board, After: &after, Limit: c.s.cfg.SSEBuffer, Live: true, Sink: c,
	}, c.open)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil:
		c.log(zerolog.DebugLevel).Err(err).Msg("sse resubscribe failed")
		c.endLocked(messages.EndRestarted)
	case !c.out.Open():
		c.s.cfg.Boards.Unsubscribe(sub)
	default:
		c.subscribedLocked(sub, &after)
	}
}

// beat queues a heartbeat comment unless something is being written anyway.
func (c *sseConn) beat() {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.out.State() {
	case socket.Idle:
		_ = c.out.Push(sseFrame{data: sseHeartbeat})
	case socket.Busy:
	default:
		return
	}
	c.heartbeat.Reset(c.s.cfg.Heartbeat)
}

// Encode implements socket.Owner: SSE frames are written as they are.
func (c *sseConn) Encode(b *socket.Batch, frames []sseFrame) {
	b.Grow(len(frames), 0)
	for _, f := range frames {
		b.Add(f.data)
		if f.event {
			b.Times = append(b.Times, f.at)
		}
	}
}

// Sent implements socket.Owner: it reports the board events of a written batch.
func (c *sseConn) Sent(b *socket.Batch) {
	for _, at := range b.Times {
		c.s.obs.Delivered(TransportSSE, at)
	}
}

// Conn implements socket.Owner.
func (c *sseConn) Conn() net.Conn { return c.nc }

// Failed implements socket.Owner.
func (c *sseConn) Failed(err error) {
	c.log(zerolog.DebugLevel).Err(err).Msg("sse write failed")
	c.teardown("write failed")
}

// Finish implements socket.Owner: the stream that was to end once its queue was written
// ends.
func (c *sseConn) Finish() {
	c.mu.Lock()
	reason := c.ending
	c.mu.Unlock()
	c.teardown(reason)
}

// close ends the stream at once: the connection closes, the subscription ends. It is
// idempotent.
func (c *sseConn) close(reason string) {
	if c.out.Discard() {
		c.teardown(reason)
	}
}

// teardown closes the connection and ends the subscription of a stream whose outbox is
// closed; it runs once per stream.
func (c *sseConn) teardown(reason string) {
	c.mu.Lock()
	c.pending = nil // what the board delivered while a resubscription was under way
	sub := c.sub
	c.sub = nil
	if c.heartbeat != nil {
		c.heartbeat.Stop()
	}
	unwatch, release, untrack := c.unwatch, c.release, c.untrack
	c.mu.Unlock()
	if unwatch != nil {
		unwatch()
	}
	_ = c.nc.Close()
	c.s.cfg.Boards.Unsubscribe(sub)
	release()
	untrack()
	c.s.sse.remove(c)
	c.log(zerolog.DebugLevel).Str("reason", reason).Dur("duration", time.Since(c.opened)).Msg("sse stream closed")
}

// add registers a stream unless the server is closing.
func (h *sseHub) add(c *sseConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.s.closed() {
		return false
	}
	if h.conns == nil {
		h.conns = map[*sseConn]struct{}{}
	}
	h.conns[c] = struct{}{}
	return true
}

func (h *sseHub) remove(c *sseConn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// closeAll ends every stream; the server's closing channel is already closed, so none is
// added meanwhile.
func (h *sseHub) closeAll() {
	h.mu.Lock()
	conns := make([]*sseConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.close(messages.EndShutdown)
	}
}
