// Command taskload measures a running taskboard server from a separate process: it opens many
// client connections of one transport, joins boards, samples the server's memory while they
// sit idle, then times how long one board event takes to reach every client. It prints a
// JSON report.
//
// Each transport is one file (ws.go: WebSocket); every run is bounded in connections, events
// and time, and talks only to the server it is given.
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
	"strings"
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
	URL       string
	Mode      string
	Conns     int
	Boards    []string
	Users     []string
	Password  string
	Tokens    []string
	Sources   int
	DialRate  int
	Idle      time.Duration
	Events    int
	Timeout   time.Duration
	ServerPID int
	Out       string
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var cfg config
	var boards, users, tokens string
	fs := flag.NewFlagSet("taskload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:3000", "server URL")
	fs.StringVar(&cfg.Mode, "mode", "ws", "transport: ws")
	fs.IntVar(&cfg.Conns, "conns", 1000, "client connections")
	fs.StringVar(&boards, "boards", "board-1", "comma-separated boards, joined round-robin")
	fs.StringVar(&users, "users", "alice@example.com,bob@example.com,carol@example.com", "comma-separated users, used round-robin")
	fs.StringVar(&cfg.Password, "password", "taskboard-demo", "the users' password")
	fs.StringVar(&tokens, "tokens", "", "comma-separated session tokens to use instead of logging in as -users "+
		"(a login's password hashing leaves garbage in the server's heap that blurs memory figures)")
	fs.IntVar(&cfg.Sources, "sources", 1, "source addresses 127.0.0.1 to 127.0.0.N, round-robin (more ephemeral ports)")
	fs.IntVar(&cfg.DialRate, "dial-parallel", 64, "connections being opened at once")
	fs.DurationVar(&cfg.Idle, "idle", 10*time.Second, "how long the connections sit idle while the server's memory is sampled")
	fs.IntVar(&cfg.Events, "events", 10, "events created one at a time and timed to their last receiver")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "bound of each step (connecting all, one event's fan-out)")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "the server's process id, to sample its RSS (0: no memory figures)")
	fs.StringVar(&cfg.Out, "out", "", "write the JSON report to this file (default: stdout)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	cfg.Boards = splitList(boards)
	cfg.Users = splitList(users)
	cfg.Tokens = splitList(tokens)
	switch {
	case fs.NArg() > 0:
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	case cfg.Mode != "ws":
		return config{}, fmt.Errorf("-mode %q: only ws is implemented", cfg.Mode)
	case cfg.Conns < 1 || cfg.Conns > maxConns:
		return config{}, fmt.Errorf("-conns must be 1 to %d", maxConns)
	case len(cfg.Boards) == 0 || len(cfg.Users) == 0:
		return config{}, errors.New("-boards and -users must not be empty")
	case cfg.Sources < 1 || cfg.Sources > 254:
		return config{}, errors.New("-sources must be 1 to 254")
	case cfg.DialRate < 1 || cfg.Events < 0 || cfg.Events > 1000:
		return config{}, errors.New("-dial-parallel must be positive and -events 0 to 1000")
	case cfg.Idle < 0 || cfg.Idle > 10*time.Minute || cfg.Timeout <= 0 || cfg.Timeout > 10*time.Minute:
		return config{}, errors.New("-idle and -timeout must be at most 10m")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return config{}, fmt.Errorf("-url %q: want http://host:port", cfg.URL)
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
	api := newAPI(cfg.URL)
	tokens := cfg.Tokens
	if len(tokens) == 0 {
		for _, u := range cfg.Users {
			token, err := api.login(ctx, u, cfg.Password)
			if err != nil {
				return err
			}
			tokens = append(tokens, token)
		}
	}
	progress := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	rep, err := runWS(ctx, cfg, api, tokens, progress)
	if err != nil {
		return err
	}
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
