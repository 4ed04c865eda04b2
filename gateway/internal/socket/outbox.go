// Package socket writes to the sockets of live connections and watches them: a bounded
// outbox per connection, written by a small pool of workers with one non-blocking writev
// (a goroutine of the connection's own only while its socket is full), the header of an
// unmasked WebSocket frame, and one epoll set that notices clients hanging up. It knows
// nothing of boards, events or protocols beyond WebSocket framing: the gateway's WebSocket
// and SSE connections give it frames and are told what was written. It imports the standard
// library and golang.org/x/sys only.
package socket

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// State is where an outbox is in its life. Idle and Busy are open; the others are closing or
// closed and queue nothing more.
type State uint8

const (
	Idle     State = iota // open, nothing queued, no writer
	Busy                  // open, a flush is scheduled or a writer goroutine runs
	Draining              // closing once what is queued is written
	Closing               // closing once the write in flight is out: the queue was dropped
	Closed                // nothing more is written
)

// Errors of Push.
var (
	// ErrFull reports a full queue: the connection fell Options.Limit frames behind. The
	// outbox stays open; the caller ends the connection as its protocol says.
	ErrFull = errors.New("send queue full")
	// ErrClosed reports an outbox that is closing or closed: the frame is dropped.
	ErrClosed = errors.New("connection closing")
)

// Owner is the connection an outbox writes for. The outbox calls it without holding its own
// lock, from a pool worker or the connection's writer goroutine, one call at a time.
type Owner[F any] interface {
	// Encode adds the bytes of frames, in order, to b.
	Encode(b *Batch, frames []F)
	// Sent reports that b was written whole. b is reused once Sent returns.
	Sent(b *Batch)
	// Failed reports a failed write; the outbox is closed and the owner closes the connection.
	Failed(err error)
	// Finish ends the connection once what Close asked to be written is out. It runs on a
	// goroutine of its own and may block (a closing handshake).
	Finish()
	// Conn returns the connection written to.
	Conn() net.Conn
}

// Options are the settings shared by the outboxes of one kind of connection.
type Options struct {
	Pool *Pool
	// Limit is the most frames an outbox holds; Push past it fails with ErrFull.
	Limit int
	// WriteTimeout bounds each batch written by a connection's own goroutine.
	WriteTimeout time.Duration
	// Writers, if set, counts the outboxes with a flush scheduled or a writer running, so
	// that a server can wait for them.
	Writers *sync.WaitGroup
}

// Outbox is one connection's bounded queue of outgoing frames of type F, with the state of
// its writing, for its owner O (a pointer to the connection). Push and Close may be called
// from any goroutine. Frames are written in the order they were pushed; their bytes are
// shared, never modified. The zero Outbox must be set up with Init before use; it is meant to
// be embedded in its connection, whose idle cost it adds to: keep it small.
type Outbox[F any, O Owner[F]] struct {
	opts  *Options
	owner O
	raw   syscall.RawConn // writes without waiting, on the pool (nil: it cannot)

	mu    sync.Mutex
	state State
	queue []F
}

// Init sets o up to write to owner's connection.
func (o *Outbox[F, O]) Init(opts *Options, owner O) {
	o.opts, o.owner, o.raw = opts, owner, rawConn(owner.Conn())
}

// State returns o's state.
func (o *Outbox[F, O]) State() State {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.state
}

// Open reports whether o still queues frames.
func (o *Outbox[F, O]) Open() bool { return o.State() <= Busy }

// Push queues f to be written. It returns ErrFull when Options.Limit frames wait already,
// and ErrClosed when o is closing or closed.
func (o *Outbox[F, O]) Push(f F) error { return o.push(f, true) }

// PushAlways queues f even past the limit: for the few frames a connection starts with. It
// returns ErrClosed when o is closing or closed.
func (o *Outbox[F, O]) PushAlways(f F) error { return o.push(f, false) }

func (o *Outbox[F, O]) push(f F, bounded bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state > Busy {
		return ErrClosed
	}
	if bounded && len(o.queue) >= o.opts.Limit {
		return ErrFull
	}
	o.queue = append(o.queue, f)
	if o.state == Idle {
		o.state = Busy
		o.startLocked()
	}
	return nil
}

// Close stops o queueing. With drain, what is queued is written first; without, the queue
// is dropped and only the write in flight completes. Then the owner's Finish runs. Close
// reports whether it started closing: only the first Close, Discard or failed write counts.
func (o *Outbox[F, O]) Close(drain bool) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state > Busy {
		return false
	}
	idle := o.state == Idle
	if drain {
		o.state = Draining
	} else {
		o.state, o.queue = Closing, nil
	}
	if idle {
		o.startLocked()
	}
	return true
}

// Discard closes o at once: the queue is dropped, nothing more is written and Finish does
// not run (the owner is closing the connection itself). It reports whether o was not
// closed already.
func (o *Outbox[F, O]) Discard() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state == Closed {
		return false
	}
	o.state, o.queue = Closed, nil
	return true
}

// startLocked has the pool flush o: o has just got a writer.
func (o *Outbox[F, O]) startLocked() {
	if o.opts.Writers != nil {
		o.opts.Writers.Add(1)
	}
	o.opts.Pool.schedule(o)
}

// release ends the writer's turn.
func (o *Outbox[F, O]) release() {
	if o.opts.Writers != nil {
		o.opts.Writers.Done()
	}
}

// flushRounds bounds how many batches a pool worker writes for one connection before it
// lets the others have their turn.
const flushRounds = 4

// flush implements flusher: on a pool worker, it writes what is queued without blocking.
// Whatever would block (a full socket, a closing handshake) goes on to a goroutine of the
// connection's own, in order.
func (o *Outbox[F, O]) flush() {
	for range flushRounds {
		frames, turn := o.next()
		switch turn {
		case turnDone:
			return
		case turnFinish:
			go o.finish()
			return
		}
		b := o.encode(frames)
		switch err := b.writeNow(o.raw); {
		case err == nil:
			o.owner.Sent(b)
			b.free()
		case errors.Is(err, errWouldBlock):
			go o.write(b)
			return
		default:
			b.free()
			o.failed(err)
			return
		}
	}
	o.opts.Pool.schedule(o)
}

// write runs on a goroutine of the connection's own: it writes pending (what the pool could
// not write without waiting), then what is queued until the queue is empty, each batch
// within Options.WriteTimeout, then finishes a close.
func (o *Outbox[F, O]) write(pending *Batch) {
	for b := pending; ; {
		if err := b.writeBlocking(o.owner.Conn(), o.opts.WriteTimeout); err != nil {
			b.free()
			o.failed(err)
			return
		}
		o.owner.Sent(b)
		b.free()
		frames, turn := o.next()
		switch turn {
		case turnDone:
			return
		case turnFinish:
			o.finish()
			return
		}
		b = o.encode(frames)
	}
}

func (o *Outbox[F, O]) encode(frames []F) *Batch {
	b := newBatch()
	o.owner.Encode(b, frames)
	b.all = b.bufs
	return b
}

// A writer's turn: what it does next.
type turn int

const (
	turnWrite  turn = iota // write the frames
	turnDone               // nothing more: the writer is released
	turnFinish             // close: the owner's Finish, which may block
)

// next takes the writer's next turn: the queue as one batch, the close once what was to be
// written before it is out, or the end of its turn.
func (o *Outbox[F, O]) next() ([]F, turn) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.state == Closed:
		o.release()
		return nil, turnDone
	case o.state == Closing, o.state == Draining && len(o.queue) == 0:
		o.state, o.queue = Closed, nil
		return nil, turnFinish
	case len(o.queue) == 0:
		o.state = Idle
		o.release()
		return nil, turnDone
	}
	frames := o.queue
	o.queue = nil
	return frames, turnWrite
}

// finish runs the owner's Finish, then releases the writer.
func (o *Outbox[F, O]) finish() {
	defer o.release()
	o.owner.Finish()
}

// failed ends the writer after a failed write and tells the owner, unless the outbox was
// discarded meanwhile (the owner closed the connection, which failed the write).
func (o *Outbox[F, O]) failed(err error) {
	o.mu.Lock()
	discarded := o.state == Closed
	o.state, o.queue = Closed, nil
	o.release()
	o.mu.Unlock()
	if !discarded {
		o.owner.Failed(err)
	}
}
