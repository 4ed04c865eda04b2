// Package pgserver runs a PostgreSQL server of its own: initdb into a directory, postgres on
// a port of 127.0.0.1 with trust authentication for the superuser postgres, and a fast or a
// crash stop. It serves the tests (internal/pgtest) and local clusters (cmd/taskcluster),
// never production.
//
// The binaries come from PATH or from Debian's postgresql package (/usr/lib/postgresql/*/bin,
// the newest version first); without them New returns ErrNotInstalled.
//
// initdb and postgres refuse to run as root. When the caller is root, pgserver runs them as
// the user postgres (which the Debian package creates) or else nobody, and gives that user
// the server's directory.
//
// fsync is off unless Options.Fsync: the data survives a crash of postgres, which leaves it in
// the kernel, but not of the machine. synchronous_commit and full_page_writes stay on, so that
// Kill is a faithful crash: every committed transaction survives it.
//
// It imports pgx for its own connections and nothing of taskboard.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// superuser is the role initdb creates and every URL names.
const superuser = "postgres"

// opTimeout bounds pgserver's own statements, such as CREATE DATABASE.
const opTimeout = 30 * time.Second

// Server is a PostgreSQL server whose directory holds its data, socket and log. Its methods
// are safe for concurrent use.
type Server struct {
	bin    string              // directory of initdb and postgres
	root   string              // data, socket and log
	temp   bool                // root is New's own temporary directory
	cred   *syscall.Credential // whom initdb and postgres run as; nil means the current user
	fsync  bool
	detach bool
	port   atomic.Int32 // written by Start, under mu
	major  int          // PostgreSQL's major version

	mu   sync.Mutex
	proc *postmaster // nil while stopped
}

// Options configures New.
type Options struct {
	// BinDir holds initdb and postgres; empty means to look for them.
	BinDir string
	// Port is the server's port on 127.0.0.1; 0 means a free one, picked by the first Start.
	Port int
	// Template is a data directory that a new server copies instead of running initdb, which
	// takes several times longer. It must come from the same binaries.
	Template string
	// Fsync makes the server's writes survive a crash of the machine too.
	Fsync bool
	// Detach runs postgres in a process group of its own, so that a terminal's Ctrl-C reaches
	// only the caller, which stops the server when it is ready to; postgres still gets a fast
	// shutdown if the caller dies.
	Detach bool
}

// New prepares a server in root, creating root and the data directory in it (with initdb, or
// as a copy of Options.Template) unless they exist, so that a server's data outlives it. An
// empty root means a new temporary directory that Remove removes. The server is stopped until
// Start.
func New(root string, o Options) (*Server, error) {
	bin, err := FindBinaries(o.BinDir)
	if err != nil {
		return nil, err
	}
	cred, err := RunAs()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, cred: cred, fsync: o.Fsync, detach: o.Detach}
	s.port.Store(int32(o.Port))
	if root == "" {
		if s.root, err = TempRoot("pgserver-", cred); err != nil {
			return nil, err
		}
		s.temp = true
	} else {
		if s.root, err = filepath.Abs(root); err != nil {
			return nil, err
		}
		if err := makeRoot(s.root, cred); err != nil {
			return nil, err
		}
	}
	if err := s.initData(o.Template); err != nil {
		s.removeTemp()
		return nil, err
	}
	if s.major, err = s.majorVersion(); err != nil {
		s.removeTemp()
		return nil, err
	}
	return s, nil
}

// initData creates the data directory unless it holds a cluster already.
func (s *Server) initData(template string) error {
	if _, err := os.Stat(filepath.Join(s.DataDir(), "PG_VERSION")); err == nil {
		return nil
	}
	if template != "" {
		return copyDir(template, s.DataDir(), s.cred)
	}
	return s.initdb()
}

func (s *Server) removeTemp() {
	if s.temp {
		os.RemoveAll(s.root)
	}
}

// Remove stops the server and, if New made its directory, removes it.
func (s *Server) Remove() error {
	err := s.stop()
	if s.temp {
		if rmErr := os.RemoveAll(s.root); rmErr != nil && err == nil {
			err = rmErr
		}
	}
	return err
}

// Root is the server's directory: the data directory, the socket and postgres.log.
func (s *Server) Root() string { return s.root }

// LogPath is the file postgres logs to.
func (s *Server) LogPath() string { return s.logPath() }

// Port is the server's TCP port on 127.0.0.1 (0 before a first Start picked one). It stays
// the same across Stop and Start.
func (s *Server) Port() int { return int(s.port.Load()) }

// MajorVersion is PostgreSQL's major version, such as 15.
func (s *Server) MajorVersion() int { return s.major }

// URL is the connection string of database db, as the superuser postgres, without TLS.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, s.Port(), url.PathEscape(db))
}

// CreateDatabase creates database name, unless ifMissing and it exists.
func (s *Server) CreateDatabase(name string, ifMissing bool) error {
	if ifMissing {
		var exists bool
		err := s.query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", []any{name}, &exists)
		if err != nil || exists {
			return err
		}
	}
	return s.Exec("CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + s.createStrategy())
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

// Exec runs one statement in the database postgres.
func (s *Server) Exec(sql string) error {
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

// query runs a query of one row in the database postgres.
func (s *Server) query(sql string, args []any, dest ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, sql, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: no row", sql)
	}
	return err
}
