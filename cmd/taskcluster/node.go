package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long a node may take to listen.
const startTimeout = 60 * time.Second

// node is one taskboard process.
type node struct {
	name, url, log string
	cmd            *exec.Cmd
	done           chan struct{} // closed when it has exited; err is then Wait's
	err            error
}

// startNode runs the taskboard binary bin with args, its log in logPath, and waits until it
// listens. The node is sent to exited if it exits before stop.
func startNode(ctx context.Context, name, bin, logPath string, exited chan<- *node, args ...string) (*node, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the process has its own descriptor
	n := &node{name: name, log: logPath, done: make(chan struct{})}
	n.cmd = exec.Command(bin, args...)
	n.cmd.Stderr = logFile
	// A process group of its own: Ctrl-C reaches taskcluster only, which stops the nodes
	// before the database. If taskcluster dies, the node is told to stop.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				listening <- url
			}
		}
		n.err = n.cmd.Wait()
		close(n.done)
		exited <- n
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case n.url = <-listening:
		return n, nil
	case <-n.done:
		return nil, fmt.Errorf("%s exited before listening: %v (log: %s)", name, n.err, logPath)
	case <-ctx.Done():
		return nil, errors.Join(ctx.Err(), n.stop())
	case <-timer.C:
		return n, fmt.Errorf("%s not listening after %v (log: %s)", name, startTimeout, logPath)
	}
}

// stop sends the node SIGTERM and waits until it has exited, killing it after stopTimeout.
// A node that had exited already is no error: run reported it.
func (n *node) stop() error {
	select {
	case <-n.done:
		return nil
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-n.done:
		if n.err != nil {
			return fmt.Errorf("%s: %v (log: %s)", n.name, n.err, n.log)
		}
		return nil
	case <-timer.C:
		_ = n.cmd.Process.Kill()
		<-n.done
		return fmt.Errorf("%s did not stop within %v and was killed (log: %s)", n.name, stopTimeout, n.log)
	}
}
