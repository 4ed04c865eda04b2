package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// responseConn is the net.Conn of an sseConn over HTTP/2, where net/http cannot hand the
// connection over: it writes through the handler's response, so the stream's framing,
// replay, resync and resume are those of HTTP/1.1 and only the writing differs. The response
// must not be used once its handler returns, so the handler waits in serve until the stream
// is closed and no write is in flight. Reads never return data: the client's hanging up is
// the request's context ending.
type responseConn struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	done chan struct{} // closed by Close
	once sync.Once

	mu     sync.Mutex // held by each write, so that serve waits for the one in flight
	closed bool       // the handler has returned, or is about to
}

func newResponseConn(w http.ResponseWriter) *responseConn {
	return &responseConn{w: w, rc: http.NewResponseController(w), done: make(chan struct{})}
}

// serve waits until the stream ends; gone ends it when the client goes away first. Then it
// waits for the write in flight, if any, and clears the write deadline.
func (c *responseConn) serve(ctx context.Context, gone func()) {
	select {
	case <-ctx.Done():
		gone()
		<-c.done
	case <-c.done:
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	_ = c.rc.SetWriteDeadline(time.Time{})
}

// Write writes p to the response and flushes it.
func (c *responseConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	n, err := c.w.Write(p)
	if err == nil {
		err = c.rc.Flush()
	}
	return n, err
}

// SetWriteDeadline sets the response's write deadline.
func (c *responseConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return net.ErrClosed
	}
	return c.rc.SetWriteDeadline(t)
}

// Close ends the stream: its handler returns once no write is in flight. It is idempotent.
func (c *responseConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}

// Read implements net.Conn; a stream reads nothing.
func (c *responseConn) Read([]byte) (int, error) { return 0, io.EOF }

// SetDeadline implements net.Conn: only writes have a deadline.
func (c *responseConn) SetDeadline(t time.Time) error { return c.SetWriteDeadline(t) }

// SetReadDeadline implements net.Conn; a stream reads nothing.
func (c *responseConn) SetReadDeadline(time.Time) error { return nil }

// LocalAddr implements net.Conn; the address is not known through a response.
func (c *responseConn) LocalAddr() net.Addr { return responseAddr{} }

// RemoteAddr implements net.Conn; the address is not known through a response.
func (c *responseConn) RemoteAddr() net.Addr { return responseAddr{} }

// responseAddr is the address of a responseConn.
type responseAddr struct{}

func (responseAddr) Network() string { return "http2" }
func (responseAddr) String() string  { return "http2" }
