// Package stacktest starts taskboard's whole server for tests: SQLite in a file under the
// test's temporary directory, the board actors and the gateway, served on a loopback port.
//
// Like cmd/taskboard, it imports persistence, actors and gateway to wire them; only tests
// import it. Tests inside package gateway cannot (that would be an import cycle): black-box
// gateway_test tests can.
package stacktest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/persistence"
)

// CheapHash are argon2id costs that keep registrations and logins fast under -race; the
// hashing code is the real one.
var CheapHash = persistence.HashParams{Time: 1, Memory: 64, Threads: 1}

// shutdownWait bounds the board actors' shutdown in Stop.
const shutdownWait = 10 * time.Second

// Options configures a Server. The zero value serves the demo data, without the UI, from a
// fresh database with CheapHash.
type Options struct {
	// Path is the database file; empty means a new file under t.TempDir().
	Path string
	// Empty leaves the database as it is; by default the demo data is seeded into a database
	// that has none.
	Empty bool
	// DB is the database's options; zero HashParams mean CheapHash.
	DB persistence.Options
	// Actors is the board actors' options.
	Actors actors.Options
	// Store, if set, wraps the database as the board actors' store.
	Store func(actors.Store) actors.Store
	// Gateway, if set, adjusts the gateway's configuration, which comes to it with Boards,
	// Accounts and Ready (the database's Ping) set and the other fields zero: it may wrap
	// Boards, and sets UI (web.Dist()) to serve the browser UI. Restart calls it again.
	Gateway func(*gateway.Config)
	// Listen, if set, wraps the server's listener.
	Listen func(net.Listener) net.Listener
	// HTTP2 serves HTTP/2 over TLS instead of HTTP/1.1; Client trusts the server.
	HTTP2 bool
}

// Server is a running stack. Its fields are valid while it runs and change on Restart. It is
// not safe for concurrent Stop and Restart.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:port" (https with Options.HTTP2).
	URL string
	// Path is the database file.
	Path    string
	DB      *persistence.DB
	Boards  *actors.Boards
	Gateway *gateway.Server
	HTTP    *httptest.Server

	t       testing.TB
	opts    Options
	addr    string
	running bool
}

// Start starts a server for t; t's cleanup stops it. A test that starts a browser or
// clients with cleanups of their own starts the server first, so that they end before it
// drains.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "taskboard.db")
	}
	if opts.DB.HashParams == (persistence.HashParams{}) {
		opts.DB.HashParams = CheapHash
	}
	s := &Server{t: t, opts: opts, Path: opts.Path}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// Client returns an HTTP client for the server (one that trusts its certificate with
// Options.HTTP2); Stop closes its idle connections.
func (s *Server) Client() *http.Client { return s.HTTP.Client() }

// Restart starts the server again on the same address and database, as a restarted program
// would, stopping it first if it runs. Clients see their connections end, then the server
// back at the same URL.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

func (s *Server) start() {
	s.t.Helper()
	ctx := context.Background()
	db, err := persistence.Open(ctx, s.Path, s.opts.DB)
	if err != nil {
		s.t.Fatalf("open %s: %v", s.Path, err)
	}
	if !s.opts.Empty {
		if _, err := db.SeedDemo(ctx); err != nil {
			db.Close()
			s.t.Fatalf("seed %s: %v", s.Path, err)
		}
	}
	var store actors.Store = db
	if s.opts.Store != nil {
		store = s.opts.Store(db)
	}
	boards := actors.NewBoards(store, s.opts.Actors)
	cfg := gateway.Config{Boards: boards, Accounts: db, Ready: db.Ping}
	if s.opts.Gateway != nil {
		s.opts.Gateway(&cfg)
	}
	gw := gateway.New(cfg)

	srv := httptest.NewUnstartedServer(gw)
	if s.addr != "" {
		srv.Listener.Close()
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			gw.Close()
			_ = boards.Shutdown(ctx)
			db.Close()
			s.t.Fatalf("listen again on %s: %v", s.addr, err)
		}
		srv.Listener = ln
	}
	s.addr = srv.Listener.Addr().String()
	if s.opts.Listen != nil {
		srv.Listener = s.opts.Listen(srv.Listener)
	}
	if s.opts.HTTP2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	s.DB, s.Boards, s.Gateway, s.HTTP, s.URL = db, boards, gw, srv, srv.URL
	s.running = true
}

// Stop shuts the server down in the program's order: streams and WebSockets, HTTP, board
// actors, database. It may be called before cleanup does; calls on a stopped server do
// nothing.
func (s *Server) Stop() {
	if !s.running {
		return
	}
	s.running = false
	s.Gateway.Close()
	s.HTTP.Close()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	if err := s.Boards.Shutdown(ctx); err != nil {
		s.t.Errorf("boards shutdown: %v", err)
	}
	if err := s.DB.Close(); err != nil {
		s.t.Errorf("db close: %v", err)
	}
}

// Recv receives from ch, failing t with what if nothing comes within d. ok is false if ch was
// closed. Every wait of the tests on a channel goes through it, or has a deadline of its own.
func Recv[T any](t testing.TB, ch <-chan T, what string, d time.Duration) (v T, ok bool) {
	t.Helper()
	select {
	case v, ok = <-ch:
		return v, ok
	case <-time.After(d):
		t.Fatalf("no %s within %s", what, d)
	}
	return v, false
}
