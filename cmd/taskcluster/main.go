// Command taskcluster runs a local cluster for trying taskboard's several-node mode: a
// PostgreSQL server of its own in a directory (./data/cluster by default, kept between runs)
// and taskboard nodes with the demo data on consecutive ports of 127.0.0.1 (3001, 3002, 3003),
// all on one database. It prints how to use them and stops them all, nodes first, on Ctrl-C.
//
// It runs the taskboard binary that `make build` leaves in bin/ and PostgreSQL's from PATH or
// Debian's postgresql package (internal/pgserver). It imports no package of taskboard's but
// internal/pgserver: the nodes are separate processes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/taskboard/taskboard/internal/pgserver"
)

// database is the name of the nodes' database.
const database = "taskboard"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "taskcluster:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	dir       string
	taskboard string
	nodes     int
	port      int
	pgPort    int
	args      []string // more flags for every node
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("taskcluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dir, "dir", "./data/cluster", "directory of the database and the nodes' logs, kept between runs")
	fs.StringVar(&c.taskboard, "taskboard", "bin/taskboard", "the taskboard binary the nodes run")
	fs.IntVar(&c.nodes, "nodes", 3, "how many nodes")
	fs.IntVar(&c.port, "port", 3001, "the first node's port on 127.0.0.1; the others follow")
	fs.IntVar(&c.pgPort, "pg-port", 0, "PostgreSQL's port on 127.0.0.1 (0: a free one)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: taskcluster [flags] [-- more taskboard flags for every node]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.args = fs.Args()
	if c.nodes < 1 || c.port < 1 || c.port+c.nodes-1 > 65535 {
		return c, fmt.Errorf("--nodes %d from --port %d: want at least one node on ports up to 65535", c.nodes, c.port)
	}
	return c, nil
}

// run starts the database and the nodes, waits until ctx is done or a node exits, then stops
// the nodes and the database. A node that exits on its own is an error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	bin, err := filepath.Abs(cfg.taskboard)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("the taskboard binary: %w (make build makes it)", err)
	}
	pg, err := pgserver.New(filepath.Join(cfg.dir, "postgres"), pgserver.Options{Port: cfg.pgPort, Fsync: true, Detach: true})
	if err != nil {
		return fmt.Errorf("prepare PostgreSQL: %w", err)
	}
	if err := pg.Start(); err != nil {
		return fmt.Errorf("start PostgreSQL (log: %s): %w", pg.LogPath(), err)
	}
	defer func() {
		if stopErr := pg.Stop(); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop PostgreSQL: %w", stopErr))
		}
	}()
	if err := pg.CreateDatabase(database, true); err != nil {
		return fmt.Errorf("create database %s: %w", database, err)
	}
	dsn := pg.URL(database)

	exited := make(chan *node, cfg.nodes)
	var nodes []*node
	defer func() {
		for _, n := range nodes {
			if stopErr := n.stop(); stopErr != nil {
				err = errors.Join(err, stopErr)
			}
		}
	}()
	for i := range cfg.nodes {
		name := fmt.Sprintf("node-%d", i+1)
		addr := fmt.Sprintf("127.0.0.1:%d", cfg.port+i)
		n, err := startNode(ctx, name, bin, filepath.Join(cfg.dir, name+".log"), exited,
			append([]string{"--addr", addr, "--db", dsn, "--demo"}, cfg.args...)...)
		if errors.Is(err, context.Canceled) {
			return nil // Ctrl-C while starting
		}
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
	}
	printUsage(stdout, cfg.dir, pg, nodes)

	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "\nstopping the nodes, then PostgreSQL")
		return nil
	case n := <-exited:
		return fmt.Errorf("%s exited: %v (log: %s)", n.name, n.err, n.log)
	}
}

func printUsage(w io.Writer, dir string, pg *pgserver.Server, nodes []*node) {
	fmt.Fprintf(w, "%d taskboard nodes on one PostgreSQL database, with the demo data (files in %s):\n\n", len(nodes), dir)
	for _, n := range nodes {
		fmt.Fprintf(w, "  %-8s %-24s log %s\n", n.name, n.url, n.log)
	}
	fmt.Fprintf(w, "  %-8s %s\n           log %s\n\n", "postgres", pg.URL(database), filepath.Join(dir, "postgres", "postgres.log"))
	first, second, last := nodes[0].url, nodes[len(nodes)/2].url, nodes[len(nodes)-1].url
	fmt.Fprintf(w, `Log in on one node; the token works on all of them (password %q for alice, bob, carol):

  TOKEN=$(curl -s -X POST %s/auth/login -H 'Content-Type: application/json' \
    -d '{"email":"alice@example.com","password":"taskboard-demo"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
  curl -N -H "Authorization: Bearer $TOKEN" %s/boards/board-1/events
  curl -s -X POST %s/tasks -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"title":"Hello from another node","listId":"list-todo"}'

Or open two of them in a browser, say %s/ and %s/. Ctrl-C stops everything.
`, "taskboard-demo", first, second, last, first, last)
}

// stopTimeout bounds a node's shutdown after SIGTERM before it is killed.
const stopTimeout = 15 * time.Second
