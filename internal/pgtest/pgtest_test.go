package pgtest_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskboard/taskboard/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func count(t *testing.T, conn *pgx.Conn, table string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestNewDatabaseIsEmptyAndSeparate(t *testing.T) {
	srv := pgtest.Shared(t)
	a, b := srv.NewDatabase(t), srv.NewDatabase(t)
	if a == b {
		t.Fatalf("two databases with one URL: %s", a)
	}
	prefix := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/", srv.Port())
	if !strings.HasPrefix(a, prefix) {
		t.Fatalf("got URL %s, want prefix %s", a, prefix)
	}
	ca, cb := connect(t, a), connect(t, b)
	exec(t, ca, "CREATE TABLE tasks (id int PRIMARY KEY)")
	exec(t, ca, "INSERT INTO tasks VALUES (1)")
	if n := count(t, ca, "tasks"); n != 1 {
		t.Fatalf("got %d rows, want 1", n)
	}
	var exists bool
	if err := cb.QueryRow(context.Background(), "SELECT to_regclass('tasks') IS NOT NULL").Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("a table of one database shows in another")
	}
}

func TestNewDatabaseInParallel(t *testing.T) {
	srv := pgtest.Shared(t)
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			exec(t, connect(t, srv.NewDatabase(t)), "CREATE TABLE t (id int)")
		})
	}
}

func TestRestartKeepsDataAndPort(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	conn := connect(t, url)
	exec(t, conn, "CREATE TABLE tasks (id int PRIMARY KEY)")
	exec(t, conn, "INSERT INTO tasks VALUES (1), (2)")
	port := srv.Port()

	srv.Stop(t)
	if err := conn.Ping(context.Background()); err == nil {
		t.Fatal("a connection outlived Stop")
	}
	srv.Start(t)

	if srv.Port() != port {
		t.Fatalf("got port %d after a restart, want %d", srv.Port(), port)
	}
	if n := count(t, connect(t, url), "tasks"); n != 2 {
		t.Fatalf("got %d rows after a restart, want 2", n)
	}
}

func TestKillThenStartRecovers(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	conn := connect(t, url)
	exec(t, conn, "CREATE TABLE tasks (id int PRIMARY KEY)")
	exec(t, conn, "INSERT INTO tasks SELECT generate_series(1, 1000)")
	// Open transactions hold server processes busy at the moment of the crash.
	busy := connect(t, url)
	exec(t, busy, "BEGIN")
	exec(t, busy, "INSERT INTO tasks VALUES (5000)")

	srv.Kill(t)
	if err := conn.Ping(context.Background()); err == nil {
		t.Fatal("a connection outlived Kill")
	}
	srv.Start(t)

	// Every committed row survives; the open transaction does not.
	if n := count(t, connect(t, url), "tasks"); n != 1000 {
		t.Fatalf("got %d rows after a crash, want 1000", n)
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of acting on t.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.failed, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func TestNotInstalledSkipsUnlessCI(t *testing.T) {
	for _, tc := range []struct {
		ci                      string
		wantSkipped, wantFailed bool
	}{
		{ci: "", wantSkipped: true},
		{ci: "true", wantFailed: true},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				pgtest.Start(r, pgtest.BinDir(t.TempDir()))
			}()
			<-done
			if r.skipped != tc.wantSkipped || r.failed != tc.wantFailed {
				t.Fatalf("got skipped %v, failed %v, want %v, %v", r.skipped, r.failed, tc.wantSkipped, tc.wantFailed)
			}
			if want := "apt-get install postgresql"; !strings.Contains(r.msg, want) {
				t.Fatalf("got message %q, want one with %q", r.msg, want)
			}
		})
	}
}
