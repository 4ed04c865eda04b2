package actors

import "github.com/taskboard/taskboard/messages"

// ring holds a board's most recent events, oldest first, in a fixed-size circular buffer.
type ring struct {
	buf   []messages.Encoded
	start int // index of the oldest event
	n     int
}

func newRing(size int, recent []messages.Encoded) *ring {
	r := &ring{buf: make([]messages.Encoded, size)}
	for _, e := range recent {
		r.push(e)
	}
	return r
}

func (r *ring) push(e messages.Encoded) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = e
		r.n++
		return
	}
	r.buf[r.start] = e
	r.start = (r.start + 1) % len(r.buf)
}

// oldest returns the seq of the oldest buffered event, or next when the ring is empty.
func (r *ring) oldest(next int64) int64 {
	if r.n == 0 {
		return next
	}
	return r.buf[r.start].Seq
}

// between returns a copy of the buffered events with after < seq <= upTo.
func (r *ring) between(after, upTo int64) []messages.Encoded {
	var out []messages.Encoded
	for i := 0; i < r.n; i++ {
		if e := r.buf[(r.start+i)%len(r.buf)]; e.Seq > after && e.Seq <= upTo {
			out = append(out, e)
		}
	}
	return out
}
