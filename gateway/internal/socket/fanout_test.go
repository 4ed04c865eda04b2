//go:build unix

package socket_test

import (
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/taskboard/taskboard/gateway/internal/socket"
)

// BenchmarkFanOut writes one pre-encoded event (350 bytes, an event's size), or a burst of
// 8 back to back, to n WebSocket connections over loopback and waits until each of n gws
// clients in the same process has read them: through outboxes (our frames, one writev per connection from the pool's workers),
// through gws's WriteAsync (its unbounded queue per connection, a goroutine per busy
// connection, one write per message), and through gws's Broadcaster (the frame encoded once,
// then the same queues). cpu-ns/fan-out is the process's CPU time, the clients' reads
// included. idle-B/conn is the memory, live heap and stacks, that the server and clients
// keep per connection after the fan-outs, against the same connections before any.
func BenchmarkFanOut(b *testing.B) {
	payload := []byte(`{"type":"task_created","boardId":"board-1","seq":1,"task":{"id":"` +
		strings.Repeat("x", 26) + `","title":"` + strings.Repeat("t", 200) + `"}}`)
	payload = append(payload, strings.Repeat(" ", max(0, 350-len(payload)))...)
	const n = 1000
	for _, events := range []int{1, 8} {
		for _, via := range []string{"outbox", "gws-WriteAsync", "gws-Broadcaster"} {
			b.Run(fmt.Sprintf("events=%d/via=%s/conns=%d", events, via, n), func(b *testing.B) {
				benchFanOut(b, via, n, events, payload)
			})
		}
	}
}

// fanConn is an outbox's owner for one server connection of the benchmark.
type fanConn struct {
	out socket.Outbox[[]byte, *fanConn]
	nc  net.Conn
}

func (c *fanConn) Encode(b *socket.Batch, frames [][]byte) {
	b.Grow(2*len(frames), len(frames))
	for _, f := range frames {
		b.AddFrame(socket.OpText, f)
	}
}
func (c *fanConn) Sent(*socket.Batch) {}
func (c *fanConn) Failed(error)       {}
func (c *fanConn) Finish()            {}
func (c *fanConn) Conn() net.Conn     { return c.nc }

func benchFanOut(b *testing.B, via string, n, events int, payload []byte) {
	srv := newFanServer(b)
	var got sync.WaitGroup
	clients := make([]*gws.Conn, n)
	servers := make([]*gws.Conn, n)
	for i := range n {
		conn, _, err := gws.NewClient(&fanClient{got: &got}, &gws.ClientOption{Addr: "ws://" + srv.addr + "/"})
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = conn
		go conn.ReadLoop()
		servers[i] = <-srv.conns
	}
	b.Cleanup(func() {
		for _, c := range clients {
			_ = c.WriteClose(1000, nil)
		}
	})
	before := heapInUse()

	fanOut := func() {}
	switch via {
	case "outbox":
		opts := &socket.Options{Pool: socket.NewPool(), Limit: 256, WriteTimeout: 10 * time.Second}
		outs := make([]*fanConn, n)
		for i, s := range servers {
			outs[i] = &fanConn{nc: s.NetConn()}
			outs[i].out.Init(opts, outs[i])
		}
		fanOut = func() {
			for _, c := range outs {
				if err := c.out.Push(payload); err != nil {
					b.Fatal(err)
				}
			}
		}
	case "gws-WriteAsync":
		fanOut = func() {
			for _, s := range servers {
				s.WriteAsync(gws.OpcodeText, payload, nil)
			}
		}
	case "gws-Broadcaster":
		fanOut = func() {
			bc := gws.NewBroadcaster(gws.OpcodeText, payload)
			for _, s := range servers {
				_ = bc.Broadcast(s)
			}
			_ = bc.Close()
		}
	}
	once := func() {
		got.Add(n * events)
		for range events {
			fanOut()
		}
		got.Wait()
	}
	once()
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		once()
	}
	b.StopTimer()
	cpu = cpuTime() - cpu
	b.ReportMetric(float64(heapInUse()-before)/float64(n), "idle-B/conn")
	b.ReportMetric(0, "ns/op") // replaced below: per fan-out, the unit is clearer
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/fan-out")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/fan-out")
}

// cpuTime returns the CPU time the process has used, user and system: on a shared machine
// steadier than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapInUse returns the live heap and the stacks after a collection.
func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}

// fanServer upgrades every connection with gws and hands the server's side over.
type fanServer struct {
	addr  string
	conns chan *gws.Conn
}

func newFanServer(b *testing.B) *fanServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &fanServer{addr: ln.Addr().String(), conns: make(chan *gws.Conn)}
	up := gws.NewUpgrader(gws.BuiltinEventHandler{}, &gws.ServerOption{ReadBufferSize: 512})
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		go conn.ReadLoop()
		s.conns <- conn
	})}
	go func() { _ = hs.Serve(ln) }()
	b.Cleanup(func() { _ = hs.Close() })
	return s
}

// fanClient counts the messages it reads.
type fanClient struct {
	gws.BuiltinEventHandler
	got *sync.WaitGroup
}

func (c *fanClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	m.Close()
	c.got.Done()
}
