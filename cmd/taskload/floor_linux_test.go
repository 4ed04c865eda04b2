package main

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkLoopbackFloorEpoll is BenchmarkLoopbackFloor with the cheapest readers Linux
// offers instead of a goroutine per connection: one thread per epoll set, one read per ready
// socket, no scheduler in between. If a lighter client could beat the floor, this would.
func BenchmarkLoopbackFloorEpoll(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			senders, receivers := loopbackPairs(b, n)
			var remaining atomic.Int64
			all := make(chan struct{}, 1)
			stop := epollReaders(b, receivers, 2, func(messages int) {
				if remaining.Add(-int64(messages)) == 0 {
					all <- struct{}{}
				}
			})
			defer stop()
			b.ResetTimer()
			for range b.N {
				remaining.Store(int64(n))
				writeAll(b, senders)
				<-all
			}
		})
	}
}

// epollReaders reads conns from sets epoll sets, each waited on by a thread of its own,
// and calls got with the whole messages each read returned. conns are taken over: the
// readers read duplicates of their descriptors, closed by stop.
func epollReaders(b *testing.B, conns []net.Conn, sets int, got func(messages int)) (stop func()) {
	b.Helper()
	eps := make([]int, sets)
	for i := range eps {
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			b.Fatal(err)
		}
		eps[i] = ep
	}
	var fds []int
	for i, c := range conns {
		raw, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			b.Fatal(err)
		}
		fd, dupErr := -1, error(nil)
		if err := raw.Control(func(s uintptr) { fd, dupErr = syscall.Dup(int(s)) }); err != nil || dupErr != nil {
			b.Fatal(err, dupErr)
		}
		c.Close() // Go's poller lets go of it; the duplicate keeps the socket open
		fds = append(fds, fd)
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		if err := unix.EpollCtl(eps[i%sets], unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			b.Fatal(err)
		}
	}
	var done atomic.Bool
	var readers sync.WaitGroup
	for _, ep := range eps {
		readers.Add(1)
		go func() {
			defer readers.Done()
			events := make([]unix.EpollEvent, 256)
			buf := make([]byte, 16*floorMessage)
			for !done.Load() {
				k, err := unix.EpollWait(ep, events, 50)
				if err != nil {
					continue // EINTR
				}
				for _, ev := range events[:k] {
					if m, _ := unix.Read(int(ev.Fd), buf); m > 0 {
						got(m / floorMessage)
					}
				}
			}
		}()
	}
	return func() {
		done.Store(true)
		readers.Wait()
		for _, fd := range append(fds, eps...) {
			unix.Close(fd)
		}
	}
}
