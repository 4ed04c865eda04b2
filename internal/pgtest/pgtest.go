// Package pgtest starts throwaway PostgreSQL servers for tests: initdb into a new temporary
// directory, postgres on a free port of 127.0.0.1 with trust authentication, and the
// directory removed when the tests are done.
//
// A package's tests usually share one server and take a fresh database each:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.Shared(t).NewDatabase(t)
//		// open dsn with any driver
//	}
//
// Tests that stop, restart or crash the server start their own with Start; it is stopped and
// removed when the test ends.
//
// The servers are internal/pgserver's, with fsync off (Kill is still a faithful crash of
// postgres). Without PostgreSQL installed tests skip with a hint to install the package; with
// CI=true in the environment they fail instead, so a CI machine cannot skip silently.
//
// Only tests import pgtest. It imports pgx for its own connections and nothing of taskboard
// but internal/pgserver.
package pgtest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/taskboard/taskboard/internal/pgserver"
)

// Server is a PostgreSQL server in a temporary directory. Its methods are safe for concurrent
// use, but tests sharing a server must not stop it.
type Server struct {
	srv *pgserver.Server
	seq atomic.Int64 // numbers the databases of NewDatabase
}

// Option configures Start.
type Option func(*options)

type options struct {
	binDir string
}

// BinDir makes Start use the initdb and postgres in dir instead of looking for them.
func BinDir(dir string) Option {
	return func(o *options) { o.binDir = dir }
}

// fail skips t if PostgreSQL is not installed, unless the environment has CI=true, and
// otherwise fails it.
func fail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, pgserver.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	t.Fatal(err)
}

// Start starts a server of its own for the test and stops and removes it when the test ends.
// Without PostgreSQL installed it skips the test, or fails it if the environment has CI=true.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s, err := start(o)
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() {
		if err := s.srv.Remove(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// start creates, starts and returns a server. The caller removes it.
func start(o options) (*Server, error) {
	bin, err := pgserver.FindBinaries(o.binDir)
	if err != nil {
		return nil, err
	}
	template, err := pristineDir(bin)
	if err != nil {
		return nil, err
	}
	srv, err := pgserver.New("", pgserver.Options{BinDir: bin, Template: template})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		srv.Remove()
		return nil, err
	}
	return &Server{srv: srv}, nil
}

// Start starts the server again after Stop or Kill, on the same port and data directory, and
// waits until it accepts connections: after Kill, that includes crash recovery.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
}

// Stop shuts the server down the fast way: open transactions roll back, connections end and
// a checkpoint is written. It does nothing if the server is stopped.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.srv.Stop(); err != nil {
		t.Fatal(err)
	}
}

// Kill crashes the server: the postmaster and all its processes get SIGKILL, leaving the data
// directory as a power cut would, minus what the kernel still holds. Start recovers it.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if err := s.srv.Kill(); err != nil {
		t.Fatal(err)
	}
}

// Port is the server's TCP port on 127.0.0.1. It stays the same across Stop and Start.
func (s *Server) Port() int { return s.srv.Port() }

// URL is the connection string of database db, as the superuser postgres, without TLS.
func (s *Server) URL(db string) string { return s.srv.URL(db) }

// NewDatabase creates an empty database named after the test and returns its URL. The database
// is dropped, with its connections ended, when the test ends if the server is still running.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", dbName(t.Name()), s.seq.Add(1))
	if err := s.srv.CreateDatabase(name, false); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if !s.srv.Running() {
			return
		}
		if err := s.srv.Exec("DROP DATABASE " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return s.URL(name)
}

// dbName turns a test's name into the start of a database name: lower case letters, digits
// and underscores, short enough to stay within PostgreSQL's 63 bytes once numbered.
func dbName(test string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, test)
	return name[:min(len(name), 40)]
}
