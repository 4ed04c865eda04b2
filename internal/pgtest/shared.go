package pgtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// shared is the test binary's shared server.
var shared struct {
	sync.Mutex
	running bool // Run is running the tests
	srv     *Server
	err     error // why srv could not start; every Shared call reports it
}

// Shared returns the server that the tests of a package share, starting it on first use.
// Without PostgreSQL installed it skips the test, or fails it if the environment has CI=true.
// TestMain must call Run, which stops the server after the tests. Tests must not stop it.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.running {
		t.Fatal("pgtest.Shared: TestMain must call pgtest.Run")
	}
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = start(options{})
	}
	if shared.err != nil {
		fail(t, shared.err)
	}
	return shared.srv
}

// Run runs the tests of m, then stops and removes the shared server if they started it. It
// returns the code for os.Exit: m's, or 1 if the server failed to stop. While it runs, Start
// copies a data directory that initdb made once, which is faster than initdb each time.
func Run(m *testing.M) int {
	shared.Lock()
	shared.running = true
	shared.Unlock()
	pristine.Lock()
	pristine.enabled = true
	pristine.Unlock()

	code := m.Run()

	shared.Lock()
	defer shared.Unlock()
	shared.running = false
	if shared.srv != nil {
		if err := shared.srv.srv.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: shared server:", err)
			code = max(code, 1)
		}
		shared.srv = nil
	}
	if err := removePristine(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: pristine data directory:", err)
		code = max(code, 1)
	}
	return code
}

// Runner wraps m so that its Run is Run(m), for goleak.VerifyTestMain and the like.
func Runner(m *testing.M) interface{ Run() int } { return runner{m} }

type runner struct{ m *testing.M }

func (r runner) Run() int { return Run(r.m) }
