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

// floorMessage is the size of one event's frame.
const floorMessage = 350

// BenchmarkLoopbackFloor measures what no fan-out can beat on this machine: one message of
// an event's size written to n loopback TCP connections by GOMAXPROCS writers, timed until
// each of n reading goroutines has it. There is no server, no WebSocket framing and no JSON:
// only the writes, the kernel's loopback and the reads, on the same cores a load run shares.
// ns/op is the time from the first write until the last receiver has the message.
func BenchmarkLoopbackFloor(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			senders, receivers := loopbackPairs(b, n)
			var received sync.WaitGroup
			for _, in := range receivers {
				go func() {
					buf := make([]byte, floorMessage)
					for {
						if _, err := io.ReadFull(in, buf); err != nil {
							return
						}
						received.Done()
					}
				}()
			}
			b.ResetTimer()
			for range b.N {
				received.Add(n)
				writeAll(b, senders)
				received.Wait()
			}
		})
	}
}

// BenchmarkLoopbackWrites times the writes of BenchmarkLoopbackFloor alone: nobody reads
// while they run (each connection is drained after the timer stops). It is the part of the
// floor a server pays whatever its clients do.
func BenchmarkLoopbackWrites(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			senders, receivers := loopbackPairs(b, n)
			buf := make([]byte, floorMessage)
			b.ResetTimer()
			for range b.N {
				writeAll(b, senders)
				b.StopTimer()
				for _, in := range receivers {
					if _, err := io.ReadFull(in, buf); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
			}
		})
	}
}

// loopbackPairs opens n loopback TCP connections and returns both ends of each; the benchmark
// is skipped if they would pass the open-files limit.
func loopbackPairs(b *testing.B, n int) (senders, receivers []net.Conn) {
	b.Helper()
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err == nil && limit.Cur < uint64(2*n+64) {
		b.Skipf("%d connections need %d open files; the limit is %d", n, 2*n+64, limit.Cur)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	for range n {
		out, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		in, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { out.Close(); in.Close() })
		senders, receivers = append(senders, in), append(receivers, out)
	}
	return senders, receivers
}

// writeAll writes one message to every sender from GOMAXPROCS goroutines.
func writeAll(b *testing.B, senders []net.Conn) {
	msg := make([]byte, floorMessage)
	writers := runtime.GOMAXPROCS(0)
	var wrote sync.WaitGroup
	for w := range writers {
		wrote.Add(1)
		go func() {
			defer wrote.Done()
			for i := w; i < len(senders); i += writers {
				if _, err := senders[i].Write(msg); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	wrote.Wait()
}
