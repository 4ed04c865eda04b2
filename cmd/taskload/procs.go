package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Beyond one process's open files, the drive mode spreads its subscribers over -procs child
// processes of its own program. Each child opens its share (subscriber indexes from -first,
// so boards, transports, users and source addresses are assigned as in one process), says
// "ready" on stdout, waits for a line on stdin saying the mutations are over, then checks its
// subscribers got every event and writes its report, raw latencies included, as JSON on
// stdout. The parent drives the mutations, samples the server and merges the reports. A
// task's title carries its POST's start on the wall clock, so a child times its receipts
// itself.

// asMainEnv makes a test binary run as taskload (see TestMain), so that tests can start
// children; for the real program it changes nothing.
const asMainEnv = "TASKLOAD_AS_MAIN"

// child is one child process of a run.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// runProcs runs the drive mode with the subscribers in cfg.Procs children.
func runProcs(ctx context.Context, cfg config, a *api, tokens []string, stderr io.Writer, progress func(string, ...any)) (*driveReport, error) {
	targets, err := mutationTargets(ctx, cfg, a, tokens[0])
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rep := newDriveReport(cfg)
	sampler := newSampler(cfg, a)
	sampler.sample(ctx, "before")

	start := time.Now()
	children := make([]*child, 0, cfg.Procs)
	defer func() {
		for _, c := range children {
			_ = c.stdin.Close()
			_ = c.cmd.Wait()
		}
	}()
	first := 0
	for i := range cfg.Procs {
		n := cfg.Conns / cfg.Procs
		if i < cfg.Conns%cfg.Procs {
			n++
		}
		c, err := startChild(ctx, exe, childArgs(cfg, tokens, first, n), stderr)
		if err != nil {
			return nil, err
		}
		children = append(children, c)
		first += n
	}
	for i, c := range children {
		if err := c.awaitReady(cfg.Timeout); err != nil {
			return nil, fmt.Errorf("child %d: %w", i, err)
		}
	}
	rep.ConnectMs = ms(time.Since(start))
	progress("%d subscribers connected in %s by %d processes", cfg.Conns, time.Since(start).Round(time.Millisecond), cfg.Procs)
	if cfg.Idle > 0 {
		sampler.idle(ctx, cfg.Idle)
	}
	sampler.sample(ctx, "idle")

	if cfg.Mutations > 0 {
		newDriveLoad(cfg).mutate(ctx, a, tokens, targets, rep, sampler)
		progress("%d mutations in %.1fs, %d failed", cfg.Mutations, rep.DriveSecs, rep.PostErrors)
	}
	for _, c := range children {
		if _, err := io.WriteString(c.stdin, "done\n"); err != nil {
			return nil, err
		}
	}
	for i, c := range children {
		var part driveReport
		if err := json.NewDecoder(c.out).Decode(&part); err != nil {
			return nil, fmt.Errorf("child %d's report: %w", i, err)
		}
		rep.merge(&part)
	}
	sampler.sample(ctx, "after")
	rep.finish(sampler)
	return rep, nil
}

// childArgs are the flags of a child running n subscribers from index first.
func childArgs(cfg config, tokens []string, first, n int) []string {
	return []string{
		"-child", "-url", cfg.URL, "-mode", cfg.Mode, "-boards", strings.Join(cfg.Boards, ","),
		"-tokens", strings.Join(tokens, ","), "-sources", strconv.Itoa(cfg.Sources),
		"-dial-parallel", strconv.Itoa(cfg.DialRate), "-timeout", cfg.Timeout.String(),
		"-rate", strconv.Itoa(cfg.Rate), "-mutations", strconv.Itoa(cfg.Mutations), "-op", cfg.Op, "-failover=" + strconv.FormatBool(cfg.Failover),
		"-first", strconv.Itoa(first), "-conns", strconv.Itoa(n),
	}
}

func startChild(ctx context.Context, exe string, args []string, stderr io.Writer) (*child, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &child{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}, nil
}

// awaitReady waits, at most timeout, for the child's "ready" line.
func (c *child) awaitReady(timeout time.Duration) error {
	line := make(chan string, 1)
	go func() {
		s, _ := c.out.ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if strings.TrimSpace(s) != "ready" {
			return fmt.Errorf("said %q, want ready", s)
		}
		return nil
	case <-time.After(timeout + 10*time.Second):
		return fmt.Errorf("not ready within %s", timeout)
	}
}

// runChild is a child's run: see above.
func runChild(ctx context.Context, cfg config, tokens []string, stdin io.Reader, stdout io.Writer) error {
	l := newDriveLoad(cfg)
	rep := newDriveReport(cfg)
	l.connect(ctx, tokens)
	defer l.closeAll()
	rep.addSubscribers(l.subs)
	if _, err := io.WriteString(stdout, "ready\n"); err != nil {
		return err
	}
	// The mutations are over when the parent says so, or is gone.
	_, _ = bufio.NewReader(stdin).ReadString('\n')
	l.settle(ctx, tokens[0], rep)
	for _, ts := range rep.Transports {
		ts.Raw = ts.all
	}
	rep.ReconnectRaw, rep.ResumeRaw = rep.reconnect, rep.resume
	return json.NewEncoder(stdout).Encode(rep)
}

// merge adds a child's subscribers and what they counted.
func (r *driveReport) merge(part *driveReport) {
	for i, p := range part.Nodes {
		if i >= len(r.Nodes) {
			break
		}
		n := r.Nodes[i]
		n.Subscribers += p.Subscribers
		n.DeliveryGapMs = max(n.DeliveryGapMs, p.DeliveryGapMs)
		if p.DeliveriesResumedAt.After(n.DeliveriesResumedAt) {
			n.DeliveriesResumedAt = p.DeliveriesResumedAt
		}
	}
	r.Reconnects += part.Reconnects
	r.reconnect = append(r.reconnect, part.ReconnectRaw...)
	r.resume = append(r.resume, part.ResumeRaw...)
	for name, p := range part.Transports {
		ts := r.transport(name)
		ts.Subscribers += p.Subscribers
		ts.ConnectErrors += p.ConnectErrors
		ts.Errors += p.Errors
		ts.Heartbeats += p.Heartbeats
		ts.Deliveries += p.Deliveries
		ts.Lost += p.Lost
		ts.Duplicated += p.Duplicated
		ts.all = append(ts.all, p.Raw...)
	}
	if r.FirstError == "" {
		r.FirstError = part.FirstError
	}
}
