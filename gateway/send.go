package gateway

import (
	"errors"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// The write path shared by WebSocket connections and SSE streams. A delivery queues a frame
// (bytes shared with every other connection) in the connection's own bounded queue, and the
// connection asks the send pool to flush it. A pool worker writes everything the connection
// has queued, several frames in one writev, without waiting: it never blocks, so a few
// workers serve every connection, and a burst of deliveries to thousands of connections
// starts no goroutine per connection. A socket whose send buffer is full (a slow reader)
// leaves the pool: the rest of its queue is written by a goroutine of its own under a write
// deadline, so that one slow client never holds the others up.

// errWouldBlock reports that a socket took only part of a write without waiting; the caller
// writes the rest from a goroutine that may block.
var errWouldBlock = errors.New("socket send buffer full")

// flusher is a connection with something queued. flush runs on a pool worker: it writes
// without blocking and hands anything that would block to a goroutine of its own.
type flusher interface{ flush() }

// sendPool runs flushes on at most GOMAXPROCS goroutines, in the order they were asked for.
// Workers start when there is work and end when there is none, so an idle server keeps none.
type sendPool struct {
	mu      sync.Mutex
	ready   []flusher
	head    int // ready[head:] wait
	workers int
	max     int
}

// poolGrab is how many flushes a worker takes at once: fewer lock round trips in a burst.
const poolGrab = 16

func newSendPool() *sendPool { return &sendPool{max: runtime.GOMAXPROCS(0)} }

// schedule queues f's flush.
func (p *sendPool) schedule(f flusher) {
	p.mu.Lock()
	p.ready = append(p.ready, f)
	start := p.workers < p.max
	if start {
		p.workers++
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

func (p *sendPool) work() {
	var batch [poolGrab]flusher
	for {
		p.mu.Lock()
		n := copy(batch[:], p.ready[p.head:])
		clear(p.ready[p.head : p.head+n])
		p.head += n
		if p.head == len(p.ready) {
			p.ready, p.head = p.ready[:0], 0
		}
		if n == 0 {
			p.workers--
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		for i, f := range batch[:n] {
			f.flush()
			batch[i] = nil
		}
	}
}

// rawConn returns the descriptor of nc for writes that must not block, or nil when nc has
// none (the connection then always writes from a goroutine of its own).
func rawConn(nc net.Conn) syscall.RawConn {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// outgoing is a batch of framed bytes ready for one writev, and the commit times of the live
// board events among them (a zero time for a replayed one), reported once written.
type outgoing struct {
	bufs   net.Buffers
	events []time.Time
}

// writeNow writes out without waiting (raw nil: it cannot). It returns nil when everything
// was written, errWouldBlock with out reduced to the rest when the socket's
// buffer is full, or the write's error.
func (out *outgoing) writeNow(raw syscall.RawConn) error {
	if raw == nil {
		return errWouldBlock
	}
	for len(out.bufs) > 0 {
		n, err := writeNonBlocking(raw, out.bufs)
		out.consume(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeBlocking writes out to nc, all of it within timeout.
func (out *outgoing) writeBlocking(nc net.Conn, timeout time.Duration) error {
	if err := nc.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	_, err := out.bufs.WriteTo(nc)
	return err
}

// consume drops the first n bytes of out.bufs.
func (out *outgoing) consume(n int) {
	for n > 0 && len(out.bufs) > 0 {
		if b := out.bufs[0]; n < len(b) {
			out.bufs[0] = b[n:]
			return
		} else {
			n -= len(b)
			out.bufs[0] = nil
			out.bufs = out.bufs[1:]
		}
	}
	for len(out.bufs) > 0 && len(out.bufs[0]) == 0 {
		out.bufs = out.bufs[1:]
	}
}
