package gateway

import (
	"time"

	"github.com/taskboard/taskboard/messages"
)

// maxRestarts bounds back-to-back resubscriptions to a board that keeps restarting without
// delivering anything; past it an SSE stream ends (the client resumes with Last-Event-ID) and
// a WebSocket leaves the room with an error frame (the client joins again).
const maxRestarts = 5

// feed is where a live connection is in one board's events, across the subscriptions it
// takes: a board restart ends a subscription, and the connection subscribes again after the
// last event it queued. It skips what the client already has, notices gaps, holds deliveries
// back while a subscription's replay is not queued yet (so that the replay comes first), and
// bounds the restarts bridged back to back. It is the same for an SSE stream and for each
// board a WebSocket joined: embedded in them, and guarded by their mutex.
type feed struct {
	// pending holds the deliveries of a subscription whose replay is not queued yet.
	pending []*messages.Encoded
	// last is the seq of the last board event queued, or that the client already had.
	last int64
	// restarts counts the board restarts bridged since the last event (small: it shares a
	// word with joining and, in its connection, other small fields).
	restarts int32
	// joining is set from the moment a subscription is asked for until its replay is queued.
	joining bool
}

// hold keeps m back while joining: held reports whether it did, ok false when bound
// deliveries are held already (the connection is too slow to catch up).
func (f *feed) hold(m *messages.Encoded, bound int) (held, ok bool) {
	if !f.joining {
		return false, true
	}
	if len(f.pending) >= bound {
		return true, false
	}
	f.pending = append(f.pending, m)
	return true, true
}

// fresh reports whether the client has not had m yet: a room message (seq 0), or a board
// event after the last one queued.
func (f *feed) fresh(m *messages.Encoded) bool { return m.Seq == 0 || m.Seq > f.last }

// advance records the board events first to upTo as queued. It reports a gap, and the seq it
// is after, when first does not follow the last event queued.
func (f *feed) advance(first, upTo int64) (after int64, gap bool) {
	after, gap = f.last, first != f.last+1
	f.last, f.restarts = upTo, 0
	return after, gap
}

// start sets where a subscription taken after after (nil: live only) starts: the client
// has everything up to after, or up to the subscription's seq when it resyncs or asked for
// live events only. Deliveries stay held until joined.
func (f *feed) start(sub *messages.Subscription, after *int64) {
	if after == nil || sub.Resync {
		f.last = sub.Seq
	} else {
		f.last = *after
	}
}

// joined ends a join once the subscription's replay is queued, and returns what was held
// meanwhile, to be queued next.
func (f *feed) joined() []*messages.Encoded {
	pending := f.pending
	f.pending, f.joining = nil, false
	return pending
}

// restart reports whether a subscription that ended for reason is to be taken again: a
// board restart, fewer than maxRestarts since the last event. If so, deliveries are held
// until the new subscription is joined.
func (f *feed) restart(reason string) bool {
	if reason != messages.EndRestarted || f.restarts >= maxRestarts {
		return false
	}
	f.restarts++
	f.pending, f.joining = nil, true
	return true
}

// restartPatience bounds how long a connection whose board restarted keeps asking for it
// while the board is unavailable (its database restarting, say): an outage shorter than
// that pauses the stream instead of ending it.
const restartPatience = 30 * time.Second

// resubscribe asks for sub again after a board restart. While the board answers
// unavailable it asks again, backing off from 100 ms to 2 s, for up to restartPatience,
// as long as open reports true and the server is not closing.
func (s *Server) resubscribe(sub messages.Subscribe, open func() bool) (*messages.Subscription, error) {
	wait := 100 * time.Millisecond
	giveUp := time.Now().Add(restartPatience)
	for {
		ctx, cancel := askContext()
		got, err := s.cfg.Boards.Subscribe(ctx, sub)
		cancel()
		if messages.ErrorCode(err) != messages.CodeUnavailable || time.Now().Add(wait).After(giveUp) || !open() {
			return got, err
		}
		select {
		case <-s.closing:
			return nil, err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}
