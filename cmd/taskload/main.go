// Command taskload measures a running taskboard server from a separate process. It has two
// ways to run:
//
//   - -mode ws without -rate (ws.go): WebSocket clients join boards, the server's memory is
//     sampled while they sit idle, then -events events are created one at a time and timed to
//     their first and last receiver.
//   - -mode ws, sse, longpoll or mix with -rate (drive.go): subscribers of those transports,
//     the server's RSS and goroutines sampled while they settle, then -mutations task
//     creations at -rate per second over REST, each timed from the start of its POST to its
//     receipt, per transport (p50/p95/p99/max), with lost and duplicated events counted per
//     subscriber. It prints a table on stderr and exits non-zero when anything was lost,
//     duplicated or failed to connect.
//
// It writes a JSON report. Every run is bounded in connections, events and time, and talks
// only to the servers it is given; beyond one process's open files, run several with other
// -sources. The drive mode takes several nodes of one cluster (-url with a comma-separated
// list): it logs in on the first and uses the tokens on every node, and spreads subscribers
// and mutations over the nodes (see nodeOf).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxConns bounds -conns: the open-files limit of one process is 20,000 here.
const maxConns = 19000

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "taskload:", err)
		os.Exit(1)
	}
}

// config is one run.
type config struct {
	// URL is -url as given; Nodes are its URLs, one per node.
	URL      string
	Nodes    []string
	Mode     string
	Conns    int
	Boards   []string
	Users    []string
	Password string
	Tokens   []string
	Sources  int
	DialRate int
	Idle     time.Duration
	// SampleEvery is how often the drive mode samples the server while mutations run.
	SampleEvery time.Duration
	Events      int
	Timeout     time.Duration
	ServerPID   int
	Out         string
	// CPUProfile, if set, is where the load tool writes its own CPU profile: its clients
	// share the machine with the server, and what they cost is part of every number.
	CPUProfile string
	Rate       int
	Mutations  int
	// InFlight bounds the mutations sent and not answered yet.
	InFlight int
	// Via is how mutations are sent: rest or ws.
	Via string
	// Failover resumes SSE streams at the next node when theirs ends, and tries a failed
	// mutation at the other nodes (failover.go).
	Failover bool
	// Op is what a mutation does: create a task, or update (rename) one task per board.
	Op string
	// Procs runs the subscribers in that many child processes (beyond one process's open
	// files); First is a child's first subscriber index, Child marks a child.
	Procs int
	First int
	Child bool
	// skipNth makes the first subscriber ignore the n-th event it gets, as if it were lost
	// (tests).
	skipNth int
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var cfg config
	var boards, users, tokens string
	fs := flag.NewFlagSet("taskload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:3000", "server URL; for the drive mode, the comma-separated URLs of several nodes on one database")
	fs.StringVar(&cfg.Mode, "mode", "ws", "transport: ws, sse, longpoll or mix (sse, longpoll and mix need -rate); or abuse: the first user attacks with -conns connections while the second's REST latency is measured, quiet and under attack, for -idle each")
	fs.IntVar(&cfg.Rate, "rate", 0, "mutations per second of the drive mode (0: the ws idle and fan-out run)")
	fs.IntVar(&cfg.Mutations, "mutations", 100, "mutations of the drive mode, at -rate per second")
	fs.IntVar(&cfg.InFlight, "inflight", 512, "mutations sent and not answered yet, at most")
	fs.StringVar(&cfg.Via, "via", "rest", "how the drive mode sends its mutations: rest, or ws (create_task/update_task messages, answered by ack)")
	fs.StringVar(&cfg.Op, "op", "create", "what a mutation does: create a task, or update (rename) one task per board, which keeps the boards' size constant")
	fs.BoolVar(&cfg.Failover, "failover", false, "drive mode: an SSE stream that ends resumes at the next node of -url with Last-Event-ID, and a failed mutation is tried at the other nodes (for runs that kill a node; a retried mutation may have committed twice)")
	fs.IntVar(&cfg.Conns, "conns", 1000, "client connections")
	fs.IntVar(&cfg.Procs, "procs", 1, "drive mode: child processes of this program that hold the connections (beyond one process's open files)")
	fs.IntVar(&cfg.First, "first", 0, "index of the first subscriber (set by -procs for its children)")
	fs.BoolVar(&cfg.Child, "child", false, "run as a child of -procs: subscribe, say ready, wait for stdin, report (internal)")
	fs.StringVar(&boards, "boards", "board-1", "comma-separated boards, joined round-robin")
	fs.StringVar(&users, "users", "alice@example.com,bob@example.com,carol@example.com", "comma-separated users, used round-robin")
	fs.StringVar(&cfg.Password, "password", "taskboard-demo", "the users' password")
	fs.StringVar(&tokens, "tokens", "", "comma-separated session tokens to use instead of logging in as -users "+
		"(a login's password hashing leaves garbage in the server's heap that blurs memory figures)")
	fs.IntVar(&cfg.Sources, "sources", 1, "source addresses 127.0.0.1 to 127.0.0.N, round-robin (more ephemeral ports)")
	fs.IntVar(&cfg.DialRate, "dial-parallel", 64, "connections being opened at once")
	fs.DurationVar(&cfg.Idle, "idle", 10*time.Second, "how long the connections sit idle while the server's memory is sampled")
	fs.DurationVar(&cfg.SampleEvery, "sample-every", 10*time.Second, "how often the drive mode samples the server's RSS and goroutines while mutating")
	fs.IntVar(&cfg.Events, "events", 10, "events created one at a time and timed to their last receiver")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "bound of each step (connecting all, one event's fan-out, the drive's mutations; at most 30m)")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "the server's process id, to sample its RSS (0: no memory figures)")
	fs.StringVar(&cfg.Out, "out", "", "write the JSON report to this file (default: stdout)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write the load tool's own CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	cfg.Boards = splitList(boards)
	cfg.Users = splitList(users)
	cfg.Tokens = splitList(tokens)
	switch {
	case fs.NArg() > 0:
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	case cfg.Mode != "ws" && cfg.Mode != "sse" && cfg.Mode != "longpoll" && cfg.Mode != "mix" && cfg.Mode != "abuse":
		return config{}, fmt.Errorf("-mode %q: want ws, sse, longpoll, mix or abuse", cfg.Mode)
	case cfg.Mode != "ws" && cfg.Mode != "abuse" && cfg.Rate == 0:
		return config{}, fmt.Errorf("-mode %s needs -rate", cfg.Mode)
	case cfg.Rate < 0 || cfg.Rate > 20000 || cfg.Mutations < 0 || cfg.Mutations > 1_000_000:
		return config{}, errors.New("-rate must be 0 to 20000 and -mutations 0 to 1000000")
	case cfg.InFlight < 1 || cfg.InFlight > 10000:
		return config{}, errors.New("-inflight must be 1 to 10000")
	case cfg.Via != "rest" && cfg.Via != "ws":
		return config{}, fmt.Errorf("-via %q: want rest or ws", cfg.Via)
	case cfg.Op != "create" && cfg.Op != "update":
		return config{}, fmt.Errorf("-op %q: want create or update", cfg.Op)
	case cfg.Procs < 1 || cfg.Procs > 16 || (cfg.Procs > 1 && cfg.Rate == 0) || cfg.First < 0:
		return config{}, errors.New("-procs must be 1 to 16, and more than 1 only with -rate")
	case cfg.Conns < 1 || cfg.Conns > maxConns*cfg.Procs:
		return config{}, fmt.Errorf("-conns must be 1 to %d per process", maxConns)
	case len(cfg.Boards) == 0 || len(cfg.Users) == 0:
		return config{}, errors.New("-boards and -users must not be empty")
	case cfg.Sources < 1 || cfg.Sources > 254:
		return config{}, errors.New("-sources must be 1 to 254")
	case cfg.DialRate < 1 || cfg.Events < 0 || cfg.Events > 1000:
		return config{}, errors.New("-dial-parallel must be positive and -events 0 to 1000")
	case cfg.Idle < 0 || cfg.Idle > 10*time.Minute || cfg.Timeout <= 0 || cfg.Timeout > 30*time.Minute:
		return config{}, errors.New("-idle must be at most 10m and -timeout at most 30m")
	case cfg.SampleEvery < 100*time.Millisecond:
		return config{}, errors.New("-sample-every must be at least 100ms")
	}
	cfg.Nodes = splitList(cfg.URL)
	if len(cfg.Nodes) == 0 {
		return config{}, errors.New("-url must not be empty")
	}
	for _, node := range cfg.Nodes {
		u, err := url.Parse(node)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return config{}, fmt.Errorf("-url %q: want http://host:port", node)
		}
	}
	if len(cfg.Nodes) > 1 && cfg.Rate == 0 {
		return config{}, errors.New("several -url nodes need the drive mode (-rate)")
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// run parses args, runs the load and writes the report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	stderr = &lockedWriter{w: stderr} // children of -procs write to it too
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	a := newAPI(cfg.Nodes[0]) // a session is valid on every node of a cluster
	tokens := cfg.Tokens
	if len(tokens) == 0 {
		for _, u := range cfg.Users {
			token, err := a.login(ctx, u, cfg.Password)
			if err != nil {
				return err
			}
			tokens = append(tokens, token)
		}
	}
	progress := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	if cfg.Child {
		return runChild(ctx, cfg, tokens, os.Stdin, stdout)
	}
	if cfg.Mode == "abuse" {
		rep, err := runAbuse(ctx, cfg, a, tokens, progress)
		if err != nil {
			return err
		}
		rep.printTable(stderr)
		return writeReport(cfg, rep, stdout)
	}
	if cfg.Rate > 0 {
		drive := runDrive
		if cfg.Procs > 1 {
			drive = func(ctx context.Context, cfg config, a *api, tokens []string, progress func(string, ...any)) (*driveReport, error) {
				return runProcs(ctx, cfg, a, tokens, stderr, progress)
			}
		}
		rep, err := drive(ctx, cfg, a, tokens, progress)
		if err != nil {
			return err
		}
		rep.printTable(stderr)
		if err := writeReport(cfg, rep, stdout); err != nil {
			return err
		}
		if rep.Lost > 0 || rep.Duplicated > 0 || rep.ConnectErrors > 0 || rep.PostErrors > 0 {
			return fmt.Errorf("%d lost, %d duplicated, %d connect errors, %d failed mutations",
				rep.Lost, rep.Duplicated, rep.ConnectErrors, rep.PostErrors)
		}
		return nil
	}
	rep, err := runWS(ctx, cfg, a, tokens, progress)
	if err != nil {
		return err
	}
	return writeReport(cfg, rep, stdout)
}

// writeReport writes rep as indented JSON to -out, or to stdout.
func writeReport(cfg config, rep any, stdout io.Writer) error {
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	out = append(out, '\n')
	if cfg.Out == "" {
		_, err = stdout.Write(out)
		return err
	}
	return os.WriteFile(cfg.Out, out, 0o644)
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// nodeOf returns the node of subscriber or mutation i (on board i % len(Boards)): each board's
// subscribers and mutations take the nodes in turn, starting from a node of the board's own,
// so that every board has subscribers and writers on every node and the nodes get even
// shares.
func (cfg config) nodeOf(i int) int {
	k := len(cfg.Boards)
	return (i/k + i%k) % len(cfg.Nodes)
}
