package main

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"syscall"
	"testing"
)

// BenchmarkLoopbackFloor measures what no fan-out can beat on this machine: one message of
// an event's size written to n loopback TCP connections by GOMAXPROCS writers, timed until
// each of n reading goroutines has it. There is no server, no WebSocket framing and no JSON:
// only the writes, the kernel's loopback and the reads, on the same cores a load run shares.
// ns/op is the time from the first write until the last receiver has the message.
func BenchmarkLoopbackFloor(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { loopbackFloor(b, n) })
	}
}

func loopbackFloor(b *testing.B, n int) {
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err == nil && limit.Cur < uint64(2*n+64) {
		b.Skipf("%d connections need %d open files; the limit is %d", n, 2*n+64, limit.Cur)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	senders := make([]net.Conn, 0, n)
	var received sync.WaitGroup
	msg := make([]byte, 350)
	for range n {
		out, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		in, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		defer out.Close()
		defer in.Close()
		senders = append(senders, in)
		go func() {
			buf := make([]byte, len(msg))
			for {
				if _, err := io.ReadFull(out, buf); err != nil {
					return
				}
				received.Done()
			}
		}()
	}
	writers := runtime.GOMAXPROCS(0)
	b.ResetTimer()
	for range b.N {
		received.Add(n)
		var wrote sync.WaitGroup
		for w := range writers {
			wrote.Add(1)
			go func() {
				defer wrote.Done()
				for i := w; i < n; i += writers {
					if _, err := senders[i].Write(msg); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		wrote.Wait()
		received.Wait()
	}
}
