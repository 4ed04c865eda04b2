package socket_test

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/taskboard/taskboard/gateway/internal/socket"
)

// conn is an outbox's owner writing raw bytes to one end of a loopback TCP connection.
type conn struct {
	out      socket.Outbox[[]byte, *conn]
	nc       net.Conn
	sent     chan int
	failed   chan error
	finished chan struct{}
}

func (c *conn) Encode(b *socket.Batch, frames [][]byte) {
	for _, f := range frames {
		b.Add(f)
	}
}
func (c *conn) Sent(b *socket.Batch) { c.sent <- 1 }
func (c *conn) Failed(err error)     { c.failed <- err }
func (c *conn) Finish()              { close(c.finished) }
func (c *conn) Conn() net.Conn       { return c.nc }

// pair returns an owner writing to a socket and the socket's other end.
func pair(t *testing.T, opts *socket.Options) (*conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	c := &conn{nc: server, sent: make(chan int, 100), failed: make(chan error, 1), finished: make(chan struct{})}
	c.out.Init(opts, c)
	return c, client
}

func options(limit int) *socket.Options {
	return &socket.Options{Pool: socket.NewPool(), Limit: limit, WriteTimeout: 5 * time.Second, Writers: &sync.WaitGroup{}}
}

func await(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s", what)
	}
}

func TestOutboxDrainsThenFinishes(t *testing.T) {
	opts := options(2)
	c, client := pair(t, opts)
	for _, f := range []string{"a", "b"} {
		if err := c.out.Push([]byte(f)); err != nil {
			t.Fatalf("Push(%q): %v", f, err)
		}
	}
	if err := c.out.Push([]byte("c")); err != nil && err != socket.ErrFull {
		t.Fatalf("Push past the limit: %v, want nil or %v", err, socket.ErrFull)
	}
	if !c.out.Close(true) {
		t.Fatal("Close(true) did not start closing")
	}
	if c.out.Close(false) || c.out.Push([]byte("d")) != socket.ErrClosed {
		t.Fatal("a closing outbox took another close or frame")
	}
	await(t, c.finished, "Finish")
	if c.out.State() != socket.Closed || c.out.Discard() {
		t.Fatalf("state %d after Finish, want closed", c.out.State())
	}
	opts.Writers.Wait()
	c.nc.Close()
	got, _ := io.ReadAll(client)
	if !bytes.HasPrefix(got, []byte("ab")) || bytes.Contains(got, []byte("d")) {
		t.Fatalf("read %q, want ab, maybe c, then nothing", got)
	}
}

func TestOutboxFullQueue(t *testing.T) {
	opts := options(1)
	c, _ := pair(t, opts)
	// Nobody reads: the socket fills and the queue behind it too.
	big := bytes.Repeat([]byte("x"), 1<<20)
	full := false
	for range 1000 {
		if err := c.out.Push(big); err == socket.ErrFull {
			full = true
			break
		}
	}
	if !full {
		t.Fatal("the queue never filled")
	}
	if !c.out.Open() {
		t.Fatal("a full outbox closed itself: closing is the caller's")
	}
	if !c.out.Discard() || c.out.Discard() {
		t.Fatal("Discard should count once")
	}
	c.nc.Close() // fails the blocked write: discarded, the owner hears nothing
	opts.Writers.Wait()
	select {
	case err := <-c.failed:
		t.Fatalf("Failed(%v) after Discard", err)
	case <-c.finished:
		t.Fatal("Finish after Discard")
	default:
	}
}

func TestOutboxCloseDropsTheQueue(t *testing.T) {
	opts := options(10)
	c, client := pair(t, opts)
	if !c.out.Close(false) {
		t.Fatal("Close(false) did not start closing")
	}
	if err := c.out.Push([]byte("late")); err != socket.ErrClosed {
		t.Fatalf("Push after Close: %v, want %v", err, socket.ErrClosed)
	}
	await(t, c.finished, "Finish")
	opts.Writers.Wait()
	c.nc.Close()
	if got, _ := io.ReadAll(client); len(got) != 0 {
		t.Fatalf("read %q, want nothing", got)
	}
}

func TestOutboxFailedWrite(t *testing.T) {
	opts := options(10)
	c, client := pair(t, opts)
	client.Close()
	c.nc.Close()
	if err := c.out.Push([]byte("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.failed:
	case <-time.After(5 * time.Second):
		t.Fatal("no Failed")
	}
	if c.out.State() != socket.Closed {
		t.Fatalf("state %d after a failed write, want closed", c.out.State())
	}
	opts.Writers.Wait()
}

func TestAppendHeader(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []byte
	}{
		{0, []byte{socket.OpText, 0}},
		{125, []byte{socket.OpText, 125}},
		{126, []byte{socket.OpText, 126, 0, 126}},
		{65535, []byte{socket.OpText, 126, 0xFF, 0xFF}},
		{65536, []byte{socket.OpText, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	} {
		if got := socket.AppendHeader(nil, socket.OpText, tc.n); !bytes.Equal(got, tc.want) {
			t.Fatalf("header of %d bytes: %x, want %x", tc.n, got, tc.want)
		}
	}
}
