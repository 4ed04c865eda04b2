package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/internal/pgtest"
	"github.com/taskboard/taskboard/internal/stacktest"
)

func TestNodeOf(t *testing.T) {
	cfg := config{Boards: []string{"a", "b"}, Nodes: []string{"x", "y", "z"}}
	perBoard := map[string]map[int]int{"a": {}, "b": {}}
	perNode := map[int]int{}
	for i := range 12 {
		n := cfg.nodeOf(i)
		perBoard[cfg.Boards[i%2]][n]++
		perNode[n]++
	}
	// Each board's six take the three nodes twice; the nodes get four each.
	for b, nodes := range perBoard {
		if len(nodes) != 3 || nodes[0] != 2 || nodes[1] != 2 || nodes[2] != 2 {
			t.Errorf("board %s: %v", b, nodes)
		}
	}
	if perNode[0] != 4 || perNode[1] != 4 || perNode[2] != 4 {
		t.Errorf("nodes %v", perNode)
	}
	one := config{Boards: []string{"a", "b", "c"}, Nodes: []string{"x"}}
	for i := range 7 {
		if n := one.nodeOf(i); n != 0 {
			t.Fatalf("one node: nodeOf(%d) = %d", i, n)
		}
	}
}

// counted serves h and counts the requests by method and path, query left out.
type counted struct {
	h  http.Handler
	mu sync.Mutex
	n  map[string]int
}

func (c *counted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	c.h.ServeHTTP(w, r)
}

func (c *counted) count(req string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[req]
}

// TestDriveSpreadsOverNodes gives the drive mode two URLs of one server and checks what each
// was asked: the login at the first only, the mutations and subscribers of each board at both.
func TestDriveSpreadsOverNodes(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Gateway: func(c *gateway.Config) { c.Logger = zerolog.Nop() }})
	var nodes []*counted
	var urls []string
	for range 2 {
		c := &counted{h: s.Gateway, n: map[string]int{}}
		srv := httptest.NewServer(c)
		t.Cleanup(srv.Close)
		nodes, urls = append(nodes, c), append(urls, srv.URL)
	}
	args := append(driveArgs(s.URL), "-url", strings.Join(urls, ","))
	for _, procs := range []string{"1", "2"} {
		for _, n := range nodes {
			n.mu.Lock()
			n.n = map[string]int{}
			n.mu.Unlock()
		}
		rep, out, table := drive(t, append(args, "-procs", procs))
		if rep.Lost != 0 || rep.Duplicated != 0 || rep.ConnectErrors != 0 || rep.PostErrors != 0 || rep.Post.N != 20 || len(rep.Nodes) != 2 {
			t.Fatalf("-procs %s: report %s\n%s", procs, out.Bytes(), table.String())
		}
		// Nine subscribers on two boards: 0, 3, 4, 7, 8 at the first node, 1, 2, 5, 6 at the
		// second; twenty mutations, ten at each node, five per board at each.
		for i, want := range []int{5, 4} {
			if n := rep.Nodes[i]; n.URL != urls[i] || n.Subscribers != want || n.Acked != 10 || n.Failed != 0 {
				t.Errorf("-procs %s: node %d: %+v", procs, i, n)
			}
			if got := nodes[i].count("POST /tasks"); got != 10 {
				t.Errorf("-procs %s: node %d: %d POST /tasks, want 10", procs, i, got)
			}
			if got := nodes[i].count("GET /boards/board-1/events") + nodes[i].count("GET /boards/board-2/events"); got < 1 {
				t.Errorf("-procs %s: node %d: no SSE stream", procs, i)
			}
		}
		if a, b := nodes[0].count("POST /auth/login"), nodes[1].count("POST /auth/login"); a != 1 || b != 0 {
			t.Errorf("-procs %s: logins %d and %d, want 1 at the first node only", procs, a, b)
		}
		for _, tr := range []string{"ws", "sse", "longpoll"} {
			if ts := rep.Transports[tr]; ts == nil || ts.Deliveries != 30 || ts.LatencyMs.N != 30 {
				t.Fatalf("-procs %s, %s: %+v", procs, tr, ts)
			}
		}
	}
}

// TestDriveAcrossPostgresNodes drives two real nodes on one Postgres database: every
// subscriber gets every event of its board, whichever node committed it.
func TestDriveAcrossPostgresNodes(t *testing.T) {
	db := pgtest.Shared(t).NewDatabase(t)
	var urls []string
	for range 2 {
		s := stacktest.Start(t, stacktest.Options{
			Path:    db,
			Actors:  actors.Options{Logger: zerolog.Nop()},
			Gateway: func(c *gateway.Config) { c.Logger = zerolog.Nop() },
		})
		urls = append(urls, s.URL)
	}
	for _, via := range []string{"rest", "ws"} {
		rep, out, table := drive(t, append(driveArgs(urls[0]), "-url", strings.Join(urls, ","), "-via", via))
		if rep.Lost != 0 || rep.Duplicated != 0 || rep.ConnectErrors != 0 || rep.PostErrors != 0 || rep.Post.N != 20 {
			t.Fatalf("%s: report %s\n%s", via, out.Bytes(), table.String())
		}
		for i, n := range rep.Nodes {
			if n.Acked != 10 || n.Subscribers == 0 {
				t.Errorf("%s: node %d: %+v", via, i, n)
			}
		}
		for _, tr := range []string{"ws", "sse", "longpoll"} {
			if ts := rep.Transports[tr]; ts == nil || ts.Deliveries != 30 || ts.LatencyMs.N != 30 {
				t.Fatalf("%s, %s: %+v", via, tr, ts)
			}
		}
	}
}

// killable is a listener whose kill closes it and every connection it accepted, hijacked ones
// included, as the death of the process behind it would.
type killable struct {
	net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	killed bool
}

func (k *killable) Accept() (net.Conn, error) {
	c, err := k.Listener.Accept()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.killed {
		c.Close()
		return nil, net.ErrClosed
	}
	k.conns = append(k.conns, c)
	return c, nil
}

func (k *killable) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.killed = true
	k.Listener.Close()
	for _, c := range k.conns {
		c.Close()
	}
}

// TestDriveFailsOver kills the second of two nodes in the middle of a -failover run: its SSE
// streams resume at the first with Last-Event-ID, its mutations go there, and nothing is
// lost or repeated.
func TestDriveFailsOver(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Gateway: func(c *gateway.Config) { c.Logger = zerolog.Nop() }})
	first := httptest.NewServer(s.Gateway)
	t.Cleanup(first.Close)
	var k *killable
	var once sync.Once
	second := &counted{n: map[string]int{}}
	second.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/tasks" && second.count("POST /tasks") == 10 {
			once.Do(func() { go k.kill() })
		}
		s.Gateway.ServeHTTP(w, r)
	})
	srv := httptest.NewUnstartedServer(second)
	k = &killable{Listener: srv.Listener}
	srv.Listener = k
	srv.Start()
	t.Cleanup(srv.Close)

	args := []string{"-url", first.URL + "," + srv.URL, "-mode", "sse", "-failover", "-conns", "6", "-boards", "board-1,board-2",
		"-users", "alice@example.com", "-rate", "50", "-mutations", "60", "-idle", "0s", "-timeout", "20s"}
	rep, out, table := drive(t, args)
	if rep.Lost != 0 || rep.Duplicated != 0 || rep.ConnectErrors != 0 || rep.PostErrors != 0 || rep.Post.N != 60 {
		t.Fatalf("report %s\n%s", out.Bytes(), table.String())
	}
	// Subscribers 1, 2 and 5 were at the second node; mutations past its tenth went to the first.
	if rep.Reconnects != 3 || rep.ResumeMs.N != 3 || rep.ReconnectMs.N != 3 || rep.Nodes[1].Acked >= 30 || rep.Nodes[0].Acked+rep.Nodes[1].Acked != 60 {
		t.Fatalf("report %s\n%s", out.Bytes(), table.String())
	}
	if !strings.Contains(table.String(), "3 streams resumed at another node") {
		t.Fatalf("table:\n%s", table.String())
	}
}
