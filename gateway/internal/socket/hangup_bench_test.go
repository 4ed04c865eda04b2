package socket

import (
	"fmt"
	"net"
	"runtime"
	"testing"
)

// BenchmarkHangupWatch watches n idle loopback connections for hang-ups, with the epoll set
// or with a reading goroutine each (as where epoll is not available), and reports the memory,
// heap and stacks, that watching keeps per connection. An op is one client hanging up and
// being noticed.
func BenchmarkHangupWatch(b *testing.B) {
	for _, via := range []string{"epoll", "goroutine"} {
		b.Run(fmt.Sprintf("via=%s/conns=1000", via), func(b *testing.B) {
			const n = 1000
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			dial := func() (client, server net.Conn) {
				client, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				server, err = ln.Accept()
				if err != nil {
					b.Fatal(err)
				}
				return client, server
			}
			var h Hangups
			watch := func(nc net.Conn, gone func()) func() {
				if via == "epoll" {
					return h.Watch(nc, gone)
				}
				return watchByReading(nc, gone)
			}
			clients := make([]net.Conn, n)
			servers := make([]net.Conn, n)
			for i := range n {
				clients[i], servers[i] = dial()
			}
			before := inUse()
			stops := make([]func(), n)
			for i := range n {
				stops[i] = watch(servers[i], func() {})
			}
			idle := float64(inUse()-before) / n
			gone := make(chan struct{}, 1)
			for b.Loop() {
				client, server := dial()
				stop := watch(server, func() {
					select {
					case gone <- struct{}{}: // the epoll set may report a hang-up until stop
					default:
					}
				})
				client.Close()
				<-gone
				stop()
				server.Close()
			}
			b.StopTimer()
			b.ReportMetric(idle, "idle-B/conn")
			for i := range n {
				stops[i]()
				servers[i].Close()
				clients[i].Close()
			}
		})
	}
}

// inUse returns the live heap and the stacks after a collection.
func inUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}
