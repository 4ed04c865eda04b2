package gateway

import (
	"encoding/json"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/gateway/internal/socket"
	"github.com/taskboard/taskboard/messages"
)

// wsRoom is one board a connection joined. It is the board's messages.Sink for that
// subscription: deliveries go into the connection's shared queue, so joining a board costs
// this small struct, not a goroutine. Its fields are guarded by the connection's mutex.
type wsRoom struct {
	c       *wsConn
	boardID string
	sub     *messages.Subscription // nil until the board answered the join
	// feed holds deliveries back while the join's presence and replay are not queued yet, so
	// that they come first; a rejoin after a board restart resumes after its last seq, and
	// nothing at or before it is sent twice.
	feed
	left    bool
	counted bool // in the board's count of WebSockets: joined and not left yet
}

// Deliver implements messages.Sink; the board calls it from its own goroutine.
func (r *wsRoom) Deliver(m *messages.Encoded) bool {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.left || !c.out.Open() {
		return true
	}
	if held, ok := r.hold(m, c.s.cfg.WSSendQueue); held {
		if !ok {
			c.closeLocked(closeTryLater, "send queue full", false)
		}
		return ok
	}
	return r.queueLocked(m)
}

// queueLocked queues a delivery, skipping board events the client already has.
func (r *wsRoom) queueLocked(m *messages.Encoded) bool {
	if !r.fresh(m) {
		return true
	}
	if m.Seq > 0 {
		r.advanced(m.Seq, m.Seq)
	}
	return r.c.pushLocked(wsFrame{data: m.JSON, event: m.Seq > 0, at: m.Committed})
}

// advanced records the board events first to upTo as queued, and logs a gap before them.
func (r *wsRoom) advanced(first, upTo int64) {
	if after, gap := r.advance(first, upTo); gap {
		r.c.log(zerolog.WarnLevel).Str("board", r.boardID).Int64("seq", first).Int64("after", after).Msg("websocket gap in board events")
	}
}

// End implements messages.Sink. A board restart is bridged by joining again after the last
// seq queued, so the client sees no gap; a deleted board just leaves the room (the client
// has had board_deleted); a revoked one leaves the room with an error frame, or closes the
// connection with 4003 if it was its last room; a slow or shut down one closes it.
func (r *wsRoom) End(reason string) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.left || c.out.State() == socket.Closed {
		return
	}
	if code, ok := closeCodeOf[reason]; ok {
		if reason == messages.EndRevoked {
			if len(c.rooms) > 1 {
				// The connection stays for the other boards it joined; this one is gone.
				r.left = true
				c.forget(r)
				c.pushLocked(wsFrame{data: mustJSON(wsError{Type: "error", Code: messages.CodeNotFound,
					Message: "your access to this board was revoked", BoardID: r.boardID})})
				return
			}
			// What the board sent before (its member_removed) goes out first.
			c.closeAfterQueuedLocked(code, reason)
			return
		}
		c.closeLocked(code, reason, false)
		return
	}
	if c.out.Open() && r.restart(reason) {
		r.sub = nil
		c.s.ws.wg.Add(1)
		go r.rejoin()
		return
	}
	r.leftLocked()
	c.forget(r)
	if reason == messages.EndRestarted {
		c.pushLocked(wsFrame{data: mustJSON(wsError{Type: "error", Code: messages.CodeUnavailable,
			Message: "the board keeps restarting: join it again", BoardID: r.boardID})})
	}
}

// open reports whether the room is still wanted: not left, on an open connection.
func (r *wsRoom) open() bool {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	return !r.left && r.c.out.Open()
}

// rejoin follows a board restart: the fresh board instance has an empty room.
func (r *wsRoom) rejoin() {
	c := r.c
	defer c.s.ws.wg.Done()
	c.mu.Lock()
	after := r.last
	c.mu.Unlock()
	req := newTraceID()
	if err := r.subscribe(c.meta(req, ""), &after, true); err != nil {
		c.log(zerolog.WarnLevel).Err(err).Str("req", req).Str("board", r.boardID).Msg("websocket rejoin failed")
		c.reply(c.errorFrame(req, "", r.boardID, err))
		return
	}
	c.log(zerolog.DebugLevel).Str("req", req).Str("board", r.boardID).Int64("seq", after).Msg("websocket rejoined after a board restart")
}

// subscribe joins the board's room and queues, in this order: the presence the board
// answered with, the missed events after after (or resync), then whatever the board delivered
// meanwhile. On error the room is forgotten.
func (r *wsRoom) subscribe(meta messages.Meta, after *int64, rejoin bool) error {
	c := r.c
	req := messages.Subscribe{Meta: meta, BoardID: r.boardID, After: after, Live: true, Sink: r, Room: true, Rejoin: rejoin}
	var sub *messages.Subscription
	var err error
	if rejoin { // after a board restart: wait out a board that is unavailable for a while
		sub, err = c.s.resubscribe(req, r.open)
	} else {
		ctx, cancel := askContext()
		sub, err = c.s.cfg.Boards.Subscribe(ctx, req)
		cancel()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		r.leftLocked()
		c.forget(r)
		return err
	}
	if r.left || c.out.State() == socket.Closed {
		// Left, or the connection ended, while joining.
		c.s.cfg.Boards.Unsubscribe(sub)
		return nil
	}
	r.sub = sub
	if !r.counted {
		r.counted = true
		c.s.conns.add(r.boardID, TransportWebSocket, 1)
	}
	presence, replay := sub.Presence, sub.Replay
	// The room keeps the subscription for its id: not what it carried, which a replay makes big.
	sub.Presence, sub.Replay = nil, nil
	c.pushLocked(wsFrame{data: presence})
	r.start(sub, after)
	switch n := len(replay); {
	case sub.Resync:
		c.pushLocked(wsFrame{data: mustJSON(wsResync{Type: "resync", BoardID: r.boardID, Seq: sub.Seq})})
	case n > 0:
		// One queue entry however long: the replay is bounded by what the board keeps.
		c.pushLocked(wsFrame{replay: replay})
		r.advanced(replay[0].Seq, replay[n-1].Seq)
	}
	for _, m := range r.joined() {
		if !r.queueLocked(m) {
			break
		}
	}
	return nil
}

// leave ends the room's subscription; the connection has already forgotten the room.
func (r *wsRoom) leave() {
	c := r.c
	c.mu.Lock()
	r.leftLocked()
	sub := r.sub
	c.mu.Unlock()
	if sub != nil {
		c.s.cfg.Boards.Unsubscribe(sub)
	}
}

// leftLocked marks the room left and takes it out of the board's count. The caller holds the
// connection's mutex.
func (r *wsRoom) leftLocked() {
	r.left = true
	if r.counted {
		r.counted = false
		r.c.s.conns.add(r.boardID, TransportWebSocket, -1)
	}
}

// mustJSON encodes one of our own frames; failing is a programming error.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
