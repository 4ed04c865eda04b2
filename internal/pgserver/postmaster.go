package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// readyTimeout bounds a start, crash recovery included.
	readyTimeout = 60 * time.Second
	// stopTimeout bounds a fast shutdown before the server is killed.
	stopTimeout = 30 * time.Second
	// pollInterval paces the checks for readiness and for killed processes to be gone.
	pollInterval = 10 * time.Millisecond
)

// postmaster is a running postgres.
type postmaster struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited; err is then Wait's result
	err  error
}

// Start starts the server and waits until it accepts connections: after Kill, that includes
// crash recovery. The first Start of a server without a port picks a free one; later ones
// reuse it.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("pgserver: Start: the server is running")
	}
	if s.port.Load() == 0 {
		return s.launchOnFreePort()
	}
	return s.launch()
}

// Stop shuts the server down the fast way: open transactions roll back, connections end and
// a checkpoint is written. It does nothing if the server is stopped.
func (s *Server) Stop() error { return s.stop() }

// Kill crashes the server: the postmaster and all its processes get SIGKILL, leaving the data
// directory as a power cut would, minus what the kernel still holds. Start recovers it.
func (s *Server) Kill() error { return s.kill() }

// Running reports whether the server was started and not stopped or killed since. A server
// that crashed on its own counts as running until Stop.
func (s *Server) Running() bool { return s.running() }

func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// launchOnFreePort picks a free port and starts the server there, picking again if another
// process took the port in between. The caller holds s.mu.
func (s *Server) launchOnFreePort() error {
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		s.port.Store(int32(port))
		err = s.launch()
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "could not bind") {
			return err
		}
	}
}

// freePort returns a TCP port of 127.0.0.1 that nothing listens on at the moment.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts postgres and waits until it accepts connections. The caller holds s.mu.
func (s *Server) launch() error {
	log, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close() // postgres has its own descriptor
	cmd := s.command("postgres", "-D", s.DataDir(), "-p", strconv.Itoa(s.Port()),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+s.root,
		"-c", "max_connections=300",
		"-c", "fsync="+onOff(s.fsync))
	cmd.Stdout, cmd.Stderr = log, log
	if s.detach {
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		cmd.SysProcAttr.Setpgid = true
		cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	p := &postmaster{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p); err != nil {
		killAll(p)
		return fmt.Errorf("%w\n%s", err, s.logTail())
	}
	s.proc = p
	return nil
}

// waitReady connects until a connection succeeds, p exits or readyTimeout passes.
func (s *Server) waitReady(p *postmaster) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-p.done:
			return fmt.Errorf("postgres exited while starting: %v", p.err)
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready after %v: %w", readyTimeout, err)
		case <-tick.C:
		}
	}
}

func (s *Server) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return nil
	}
	s.proc = nil
	// SIGINT is postgres' fast shutdown; it exits once all its processes have.
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		killAll(p)
		return fmt.Errorf("postgres did not stop within %v and was killed\n%s", stopTimeout, s.logTail())
	}
	if p.err != nil {
		return fmt.Errorf("postgres stopped: %v\n%s", p.err, s.logTail())
	}
	return nil
}

func (s *Server) kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return errors.New("pgserver: Kill: the server is stopped")
	}
	killAll(s.proc)
	s.proc = nil
	return nil
}

// killAll sends SIGKILL to p and its children, and waits until they are gone: a new postgres
// refuses to start while a process of the old one still holds its shared memory. Freezing p
// first keeps it from starting a child in between.
func killAll(p *postmaster) {
	select {
	case <-p.done:
		return
	default:
	}
	pid := p.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGSTOP)
	children := childrenOf(pid)
	for _, c := range children {
		syscall.Kill(c, syscall.SIGKILL)
	}
	p.cmd.Process.Kill()
	<-p.done
	waitGone(children)
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var children []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, ok := stat(child); ok && ppid == pid {
			children = append(children, child)
		}
	}
	return children
}

// stat reads the parent and the state of process pid from /proc/pid/stat.
func stat(pid int) (ppid int, state byte, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	// "pid (comm) state ppid ...", where comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 2 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(fields[1])
	return ppid, fields[0][0], err == nil
}

// waitGone waits, for at most stopTimeout, until each process has exited: gone, or a zombie
// that holds no memory any more.
func waitGone(pids []int) {
	deadline := time.Now().Add(stopTimeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for _, pid := range pids {
		for time.Now().Before(deadline) {
			if _, state, ok := stat(pid); !ok || state == 'Z' {
				break
			}
			<-tick.C
		}
	}
}

func (s *Server) logPath() string { return filepath.Join(s.root, "postgres.log") }

// logTail is the end of the server's log, for error messages.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.logPath())
	const limit = 4000
	if len(b) > limit {
		b = b[len(b)-limit:]
	}
	return string(b)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
