// Package clustertest runs taskboard as several processes of the real binary on one database,
// for tests: it builds cmd/taskboard, starts and kills nodes, and holds small clients of the
// HTTP API, its event streams (SSE, WebSocket, long poll) and a checker of what they received.
//
// Only tests import clustertest. It imports no package of taskboard: the nodes are black boxes
// reached over HTTP, as any client reaches them.
package clustertest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Wait bounds what a helper waits for: a node to listen or to exit, a stream to deliver.
const Wait = 30 * time.Second

var build struct {
	sync.Mutex
	path string
	err  error
}

// Binary builds cmd/taskboard once per test binary (with -race when the tests run with it)
// into a temporary directory that t's cleanup does not remove: the caller's TestMain removes
// it with RemoveBinary.
func Binary(t testing.TB) string {
	t.Helper()
	build.Lock()
	defer build.Unlock()
	if build.path == "" && build.err == nil {
		start := time.Now()
		build.path, build.err = buildBinary()
		t.Logf("built taskboard (race detector: %v) in %v", raceBuild, time.Since(start).Round(time.Millisecond))
	}
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

func buildBinary() (string, error) {
	dir, err := os.MkdirTemp("", "clustertest-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "taskboard")
	args := []string{"build", "-o", path}
	if raceBuild {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, "github.com/taskboard/taskboard/cmd/taskboard")...).CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("build taskboard: %v\n%s", err, out)
	}
	return path, nil
}

// RemoveBinary removes what Binary built, if anything.
func RemoveBinary() error {
	build.Lock()
	defer build.Unlock()
	if build.path == "" {
		return nil
	}
	err := os.RemoveAll(filepath.Dir(build.path))
	build.path = ""
	return err
}

// Node is one taskboard process. Its methods are not safe for concurrent use.
type Node struct {
	// Name names the node in failures and in its log file.
	Name string
	// URL is the node's base URL, "http://127.0.0.1:port".
	URL string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited; err is then Wait's
	err  error
	log  string // its stderr
}

// StartNode starts the binary at bin as a node named name on a free port of 127.0.0.1, with
// the database dsn, the demo data and the extra flags args, and waits until it listens. t's
// cleanup kills the node if it still runs and, when t failed, logs the end of its log.
func StartNode(t testing.TB, bin, name, dsn string, args ...string) *Node {
	t.Helper()
	n := &Node{Name: name, done: make(chan struct{}), log: filepath.Join(t.TempDir(), name+".log")}
	logFile, err := os.Create(n.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the process has its own descriptor
	all := append([]string{"--addr", "127.0.0.1:0", "--db", dsn, "--demo"}, args...)
	n.cmd = exec.Command(bin, all...)
	n.cmd.Stderr = logFile
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				listening <- url
			}
		}
		n.err = n.cmd.Wait() // after stdout's end, as exec requires
		close(n.done)
	}()
	t.Cleanup(func() {
		n.Kill(t)
		if t.Failed() {
			t.Logf("log of %s (%s):\n%s", name, strings.Join(all, " "), n.logTail())
		}
	})
	select {
	case n.URL = <-listening:
	case <-n.done:
		t.Fatalf("%s exited before listening: %v\n%s", name, n.err, n.logTail())
	case <-time.After(Wait):
		t.Fatalf("%s not listening after %v\n%s", name, Wait, n.logTail())
	}
	return n
}

// Kill ends the node with SIGKILL, as a crash would, and waits until it is gone. It does
// nothing if the node has exited.
func (n *Node) Kill(t testing.TB) {
	t.Helper()
	n.signal(t, syscall.SIGKILL)
}

// Stop ends the node with SIGTERM and waits until it has exited, failing t if it did not exit
// cleanly within Wait.
func (n *Node) Stop(t testing.TB) {
	t.Helper()
	n.signal(t, syscall.SIGTERM)
	if n.err != nil {
		t.Errorf("%s exited with %v after SIGTERM", n.Name, n.err)
	}
}

func (n *Node) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	select {
	case <-n.done:
		return
	default:
	}
	if err := n.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("signal %s: %v", n.Name, err)
	}
	select {
	case <-n.done:
	case <-time.After(Wait):
		_ = n.cmd.Process.Kill()
		<-n.done
		t.Errorf("%s still running %v after %v; killed", n.Name, Wait, sig)
	}
}

// logTail is the end of the node's log, for failures: most often all of it, as the cause of
// a failure is seldom at the end.
func (n *Node) logTail() string {
	b, _ := os.ReadFile(n.log)
	const limit = 1 << 20
	if len(b) > limit {
		b = b[len(b)-limit:]
	}
	return string(b)
}
