package socket

import (
	"encoding/binary"
	"errors"
	"net"
	"slices"
	"sync"
	"syscall"
	"time"
)

// errWouldBlock reports that a socket took only part of a write without waiting; the caller
// writes the rest from a goroutine that may block.
var errWouldBlock = errors.New("socket send buffer full")

// Batch is what one write sends: the bytes of a run of frames for one writev, and the
// owner's notes on them. An outbox reuses its batches once written: an owner keeps nothing
// of one after Sent returns.
type Batch struct {
	bufs    net.Buffers // what is left to write
	all     net.Buffers // what was encoded: bufs before any was written
	headers []byte      // the WebSocket headers among bufs
	// Times are the owner's notes on the batch's frames (when the events among them were
	// committed), handed back with it by Sent.
	Times []time.Time
	sysBatch
}

// batches keeps written batches for the next ones, with their slices: a fan-out to
// thousands of connections then allocates no batch per connection.
var batches = sync.Pool{New: func() any { return new(Batch) }}

// maxPooled bounds the slices of a batch kept for reuse: a long replay's are let go.
const maxPooled = 64

func newBatch() *Batch { return batches.Get().(*Batch) }

// free returns b for reuse, holding on to none of the bytes it wrote.
func (b *Batch) free() {
	if cap(b.all) > maxPooled {
		return
	}
	clear(b.all)
	b.bufs, b.all, b.headers = b.all[:0], b.all[:0], b.headers[:0]
	b.Times = b.Times[:0]
	batches.Put(b)
}

// Grow makes room for n more slices of bytes, of which headers are WebSocket frame headers.
func (b *Batch) Grow(n, headers int) {
	b.bufs = slices.Grow(b.bufs, n)
	if headers > 0 {
		b.headers = slices.Grow(b.headers, maxHeader*headers)
	}
}

// Add adds p, written as it is: shared bytes, never modified.
func (b *Batch) Add(p []byte) {
	if len(p) > 0 {
		b.bufs = append(b.bufs, p)
	}
}

// AddFrame adds an unmasked, unfragmented WebSocket frame of opcode (one of the Op
// constants) carrying payload.
func (b *Batch) AddFrame(opcode byte, payload []byte) {
	i := len(b.headers)
	b.headers = AppendHeader(b.headers, opcode, len(payload))
	b.bufs = append(b.bufs, b.headers[i:len(b.headers):len(b.headers)])
	b.Add(payload)
}

// WebSocket opcodes of the frames a server writes itself (RFC 6455, 5.2), with FIN set.
const (
	OpText = 0x81
	OpPing = 0x89
	OpPong = 0x8A
	// maxHeader is the longest header of an unmasked frame.
	maxHeader = 10
)

// AppendHeader appends the header of an unmasked, unfragmented WebSocket frame of n payload
// bytes. A server's frames are never masked, so a frame is its header and the payload as it
// is: the payload can be shared by every connection.
func AppendHeader(b []byte, opcode byte, n int) []byte {
	switch {
	case n < 126:
		return append(b, opcode, byte(n))
	case n <= 0xFFFF:
		return append(b, opcode, 126, byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, opcode, 127), uint64(n))
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

// writeNow writes b without waiting (raw nil: it cannot). It returns nil when everything
// was written, errWouldBlock with b reduced to the rest when the socket's buffer is full,
// or the write's error.
func (b *Batch) writeNow(raw syscall.RawConn) error {
	if raw == nil {
		return errWouldBlock
	}
	for len(b.bufs) > 0 {
		n, err := b.writeNonBlocking(raw)
		b.consume(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeBlocking writes b to nc, all of it within timeout.
func (b *Batch) writeBlocking(nc net.Conn, timeout time.Duration) error {
	if err := nc.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	_, err := b.bufs.WriteTo(nc)
	return err
}

// consume drops the first n bytes of b.bufs.
func (b *Batch) consume(n int) {
	for n > 0 && len(b.bufs) > 0 {
		if p := b.bufs[0]; n < len(p) {
			b.bufs[0] = p[n:]
			return
		} else {
			n -= len(p)
			b.bufs[0] = nil
			b.bufs = b.bufs[1:]
		}
	}
	for len(b.bufs) > 0 && len(b.bufs[0]) == 0 {
		b.bufs = b.bufs[1:]
	}
}
