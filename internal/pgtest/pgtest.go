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
// The binaries come from PATH or from Debian's postgresql package (/usr/lib/postgresql/*/bin,
// the newest version first). Without them tests skip with a hint to install the package;
// with CI=true in the environment they fail instead, so a CI machine cannot skip silently.
//
// initdb and postgres refuse to run as root. When the tests run as root, pgtest runs them as
// the user postgres (which the Debian package creates) or else nobody, and gives that user
// the temporary directory.
//
// fsync is off: the data survives a crash of postgres, which leaves it in the kernel, but not
// of the machine. synchronous_commit and full_page_writes stay on, so that Kill is a faithful
// crash: every committed transaction survives it.
//
// Only tests import pgtest. It imports pgx for its own connections and nothing of taskboard.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// superuser is the role initdb creates and every URL names.
const superuser = "postgres"

// opTimeout bounds pgtest's own statements, such as CREATE DATABASE.
const opTimeout = 30 * time.Second

// Server is a PostgreSQL server in a temporary directory. Its methods are safe for concurrent
// use, but tests sharing a server must not stop it.
type Server struct {
	bin   string              // directory of initdb and postgres
	root  string              // temporary directory: data, socket and log
	cred  *syscall.Credential // whom initdb and postgres run as; nil means the current user
	port  int
	major int          // PostgreSQL's major version
	seq   atomic.Int64 // numbers the databases of NewDatabase

	mu   sync.Mutex
	proc *postmaster // nil while stopped
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
		if err := s.close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// start creates, starts and returns a server. The caller closes it.
func start(o options) (*Server, error) {
	bin, err := findBinaries(o.binDir)
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	root, err := makeRoot(cred)
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, root: root, cred: cred}
	if err := s.initData(); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if s.major, err = s.majorVersion(); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if err := s.launchOnFreePort(); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	return s, nil
}

// close stops the server and removes its directory.
func (s *Server) close() error {
	err := s.stop()
	if rmErr := os.RemoveAll(s.root); rmErr != nil && err == nil {
		err = rmErr
	}
	return err
}

// Port is the server's TCP port on 127.0.0.1. It stays the same across Stop and Start.
func (s *Server) Port() int { return s.port }

// URL is the connection string of database db, as the superuser postgres, without TLS.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, s.port, url.PathEscape(db))
}

// NewDatabase creates an empty database named after the test and returns its URL. The database
// is dropped, with its connections ended, when the test ends if the server is still running.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", dbName(t.Name()), s.seq.Add(1))
	ident := pgx.Identifier{name}.Sanitize()
	if err := s.exec("CREATE DATABASE " + ident + s.createStrategy()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if !s.running() {
			return
		}
		if err := s.exec("DROP DATABASE " + ident + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return s.URL(name)
}

// createStrategy is the STRATEGY clause of CREATE DATABASE. FILE_COPY copies the template's
// files, which is about twice as fast as the default of PostgreSQL 15, WAL_LOG, which writes
// each of its blocks to the WAL; the checkpoints FILE_COPY needs are cheap with fsync off.
// Older versions know only FILE_COPY, without the clause.
func (s *Server) createStrategy() string {
	if s.major >= 15 {
		return " STRATEGY FILE_COPY"
	}
	return ""
}

// exec runs one statement in the database postgres.
func (s *Server) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
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
