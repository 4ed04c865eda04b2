package actors

import (
	"time"

	"github.com/taskboard/taskboard/messages"
)

// DefaultBuffer bounds a subscriber's live queue when Subscribe does not say.
const DefaultBuffer = 256

// subscriber is one live consumer of a board's events: an SSE stream or a long poll behind a
// channel, or a WebSocket connection behind its own sink. Only the board delivers to it or
// ends it.
type subscriber struct {
	userID string
	sink   messages.Sink
	room   *member // set when the subscriber joined the board's room
}

// subscribers are a board's live consumers by id.
type subscribers map[uint64]*subscriber

// chanSink is the sink of a Subscription without one of its own: a bounded channel, closed
// when the board ends the subscription, after reason is written. It holds pointers: a channel
// allocates its whole buffer at once, and 256 slots of Encoded values made an idle SSE stream
// cost 28 KiB.
type chanSink struct {
	ch     chan *messages.Encoded
	reason *string
}

// Deliver implements messages.Sink.
func (c chanSink) Deliver(e *messages.Encoded) bool {
	select {
	case c.ch <- e:
		return true
	default:
		return false
	}
}

// End implements messages.Sink.
func (c chanSink) End(reason string) {
	*c.reason = reason
	close(c.ch)
}

// fanOut offers a board event to every subscriber without blocking; one whose queue is full
// is dropped and resumes from the last seq it received.
func (b *board) fanOut(e messages.Encoded) { b.deliver(e, nil) }

// deliver offers m to every subscriber that to accepts (nil: all), then drops those whose sink
// was full. Dropping a room member tells the room, which may drop more. Every sink gets the
// same pointer: one allocation per message, whatever the number of subscribers.
func (b *board) deliver(m messages.Encoded, to func(*subscriber) bool) {
	shared := &m
	var slow []uint64
	for id, s := range b.subs {
		if (to == nil || to(s)) && !s.sink.Deliver(shared) {
			slow = append(slow, id)
		}
	}
	for _, id := range slow {
		b.opts.Observer.Dropped()
		b.drop(id, messages.EndSlow)
	}
}

// unsubscribe ends a subscription at its owner's request; an unknown id does nothing.
func (b *board) unsubscribe(id uint64) { b.drop(id, messages.EndUnsubscribed) }

// drop ends one subscription with a reason and, for a room member, tells the room it left.
// Dropping an unknown id does nothing.
func (b *board) drop(id uint64, reason string) {
	s, ok := b.subs[id]
	if !ok {
		return
	}
	delete(b.subs, id)
	s.sink.End(reason)
	if s.room != nil {
		b.leaveRoom(s)
	}
}

// endUser ends every subscription of a user with reason; the room sees the user leave. It is
// how a member whose access is revoked loses its live streams (messages.EndRevoked), which a
// WebSocket connection answers with close 4003.
func (b *board) endUser(userID, reason string) {
	var ids []uint64
	for id, s := range b.subs {
		if s.userID == userID {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		b.drop(id, reason)
	}
}

// closeAll ends every subscription at once, as the board stops or is deleted: nobody is left
// here to hear about the room. Other nodes hear that its users left, unless the board
// restarts: its connections come back.
func (b *board) closeAll(reason string) {
	for id, s := range b.subs {
		delete(b.subs, id)
		s.sink.End(reason)
	}
	if reason != messages.EndRestarted {
		for id := range b.roomUsers {
			b.tell(roomNote{Kind: noteLeave, User: id}, "")
		}
	}
	clear(b.roomUsers)
	b.announceAt = time.Time{}
	b.stopRoomTimer()
	if next, ok := b.nodesDeadline(); ok {
		b.armRoomTimer(next) // users on other nodes still expire
	}
}

// subscribe answers a Subscribe: the events to replay from memory and, when older ones are
// needed, the range (fetchAfter, fetchUpTo] the caller must read from the store first.
func (b *board) subscribe(c messages.Subscribe, id uint64) (sub *messages.Subscription, fetchAfter, fetchUpTo int64, err error) {
	m, err := b.authorize(c.UserID, messages.RoleViewer)
	if err != nil {
		return nil, 0, 0, err
	}
	if c.Room && (c.Sink == nil || !c.Live) {
		return nil, 0, 0, messages.Errorf(messages.CodeBadRequest, "joining a room needs a live sink")
	}
	s := &subscriber{userID: c.UserID, sink: c.Sink}
	if c.Sink != nil {
		sub = messages.NewSubscription(id, b.id, c.UserID, nil, nil)
	} else {
		buffer := c.Buffer
		if buffer <= 0 {
			buffer = DefaultBuffer
		}
		cs := chanSink{ch: make(chan *messages.Encoded, buffer), reason: new(string)}
		s.sink = cs
		sub = messages.NewSubscription(id, b.id, c.UserID, cs.ch, cs.reason)
	}
	sub.Seq = b.seq
	if c.After != nil {
		after := *c.After
		upTo := b.seq
		if c.Limit > 0 {
			upTo = min(upTo, after+int64(c.Limit))
		}
		oldestInRing := b.ring.oldest(b.seq + 1)
		switch {
		case after > b.seq || after < b.firstSeq-1:
			sub.Resync = true
		case after >= oldestInRing-1:
			sub.Replay = b.ring.between(after, upTo)
		default:
			sub.Replay = b.ring.between(after, upTo)
			fetchAfter, fetchUpTo = after, min(oldestInRing-1, upTo)
		}
	}
	switch {
	case !c.Live:
		s.sink.End(messages.EndUnsubscribed)
	case c.Room:
		b.subs[id] = s
		sub.Presence = b.joinRoom(s, m, c.Rejoin)
	default:
		b.subs[id] = s
	}
	return sub, fetchAfter, fetchUpTo, nil
}
