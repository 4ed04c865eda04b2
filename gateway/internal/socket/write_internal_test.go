package socket

import (
	"bytes"
	"net"
	"testing"
	"time"
)

func TestBatchConsumeKeepsTheUnwrittenRest(t *testing.T) {
	frames := [][]byte{[]byte("ab"), []byte("cde"), []byte("f")}
	all := bytes.Join(frames, nil)
	for n := 0; n <= len(all); n++ {
		out := &Batch{bufs: append(net.Buffers(nil), frames...)}
		out.consume(n)
		if got := bytes.Join(out.bufs, nil); !bytes.Equal(got, all[n:]) {
			t.Fatalf("after %d bytes: %q, want %q", n, got, all[n:])
		}
		for _, b := range out.bufs {
			if len(b) == 0 {
				t.Fatalf("after %d bytes: an empty slice left in %q", n, out.bufs)
			}
		}
	}
}

func TestSendPoolFlushesEachScheduledConnection(t *testing.T) {
	p := &Pool{max: 2}
	const n = 1000
	done := make(chan int, n)
	for i := range n {
		p.schedule(flushFunc(func() { done <- i }))
	}
	seen := make(map[int]bool, n)
	deadline := time.After(10 * time.Second)
	for range n {
		select {
		case i := <-done:
			seen[i] = true
		case <-deadline:
			t.Fatalf("%d of %d flushes within 10 s", len(seen), n)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d distinct flushes, want %d", len(seen), n)
	}
}

type flushFunc func()

func (f flushFunc) flush() { f() }

func TestWriteNowStopsAtAFullSocketAndTheRestFollows(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	_ = server.(*net.TCPConn).SetWriteBuffer(4096)
	_ = client.(*net.TCPConn).SetReadBuffer(4096)
	raw := rawConn(server)
	if raw == nil {
		t.Skip("no descriptor to write to without blocking")
	}

	// Far more than the socket buffers hold, in frames of uneven sizes.
	var frames [][]byte
	var want []byte
	for i := range 150 {
		f := bytes.Repeat([]byte{byte('a' + i%26)}, 100+i*7%900)
		frames = append(frames, f)
		want = append(want, f...)
	}
	out := &Batch{bufs: frames}
	if err := out.writeNow(raw); err != errWouldBlock {
		t.Fatalf("writeNow: %v, want %v: the socket cannot take %d bytes at once", err, errWouldBlock, len(want))
	}
	got := make(chan []byte)
	go func() {
		var b bytes.Buffer
		_, _ = b.ReadFrom(client)
		got <- b.Bytes()
	}()
	if err := out.writeBlocking(server, 10*time.Second); err != nil {
		t.Fatalf("the rest: %v", err)
	}
	server.Close()
	select {
	case b := <-got:
		if !bytes.Equal(b, want) {
			t.Fatalf("read %d bytes, want the %d written, in order", len(b), len(want))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reader did not see the end within 10 s")
	}
}
