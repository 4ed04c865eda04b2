package actors

import (
	"sync/atomic"

	"github.com/taskboard/taskboard/messages"
)

// DefaultBuffer bounds a subscriber's live queue when Subscribe does not say.
const DefaultBuffer = 256

var lastSubscriberID atomic.Uint64

// subscriber is one live consumer of a board's events. Only the board sends on or closes ch,
// and it writes reason before closing.
type subscriber struct {
	userID string
	ch     chan messages.Encoded
	reason *string
}

// subscribers are a board's live consumers by id.
type subscribers map[uint64]*subscriber

// fanOut offers e to every subscriber without blocking; one whose queue is full is dropped
// and resumes from the last seq it received.
func (s subscribers) fanOut(e messages.Encoded) {
	for id, sub := range s {
		select {
		case sub.ch <- e:
		default:
			s.close(id, messages.EndSlow)
		}
	}
}

// close ends one subscription with a reason; closing an unknown id does nothing.
func (s subscribers) close(id uint64, reason string) {
	sub, ok := s[id]
	if !ok {
		return
	}
	delete(s, id)
	*sub.reason = reason
	close(sub.ch)
}

// closeUser ends every subscription of one user.
func (s subscribers) closeUser(userID, reason string) {
	for id, sub := range s {
		if sub.userID == userID {
			s.close(id, reason)
		}
	}
}

func (s subscribers) closeAll(reason string) {
	for id := range s {
		s.close(id, reason)
	}
}

// subscribe answers a Subscribe: the events to replay from memory and, when older ones are
// needed, the range (fetchAfter, fetchUpTo] the caller must read from the store first.
func (b *board) subscribe(c messages.Subscribe, id uint64) (sub *messages.Subscription, fetchAfter, fetchUpTo int64, err error) {
	if _, err := b.authorize(c.UserID, messages.RoleViewer); err != nil {
		return nil, 0, 0, err
	}
	buffer := c.Buffer
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	s := &subscriber{userID: c.UserID, ch: make(chan messages.Encoded, buffer), reason: new(string)}
	sub = messages.NewSubscription(id, b.id, c.UserID, s.ch, s.reason)
	sub.Seq = b.seq
	if c.After != nil {
		after := *c.After
		oldestInRing := b.ring.oldest(b.seq + 1)
		switch {
		case after > b.seq || after < b.firstSeq-1:
			sub.Resync = true
		case after >= oldestInRing-1:
			sub.Replay = b.ring.after(after)
		default:
			sub.Replay = b.ring.after(after)
			fetchAfter, fetchUpTo = after, oldestInRing-1
		}
	}
	if c.Live {
		b.subs[id] = s
	} else {
		*s.reason = messages.EndUnsubscribed
		close(s.ch)
	}
	return sub, fetchAfter, fetchUpTo, nil
}
