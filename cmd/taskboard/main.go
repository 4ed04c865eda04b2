// Command taskboard runs the taskboard server: the SQLite database, the board actors and the
// HTTP gateway, wired together and shut down in reverse order on SIGINT or SIGTERM.
//
// It is the only package that imports persistence, actors and gateway together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/metrics"
	"github.com/taskboard/taskboard/persistence"
	"github.com/taskboard/taskboard/web"
)

func init() {
	// Log lines use the project's stable key for errors.
	zerolog.ErrorFieldName = "err"
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "taskboard:", err)
		os.Exit(1)
	}
}

// run runs the server until ctx is done, then shuts it down and returns nil; it returns an
// error when the configuration is invalid or a component fails to start or serve. It writes
// the listening address (and in demo mode how to log in) to stdout and logs to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger, err := cfg.logger(stderr)
	if err != nil {
		return err
	}
	cfg.log(logger)

	db, err := persistence.Open(ctx, cfg.DB, persistence.Options{
		Logger:     logger.With().Str("component", "persistence").Logger(),
		SessionTTL: cfg.SessionTTL,
		PoolSize:   cfg.DBPool,
		NoNotify:   !cfg.DBNotify,
	})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer func() { err = errors.Join(err, closeDB(db)) }()
	pruneCtx, stopPruning := context.WithCancel(ctx)
	pruned := make(chan struct{})
	go func() { defer close(pruned); prunePeriodically(pruneCtx, db, logger, time.Hour) }()
	defer func() { stopPruning(); <-pruned }()
	seeded := false
	if cfg.Demo {
		if seeded, err = db.SeedDemo(ctx); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}

	if cfg.Pprof != "" {
		stopProfiling, err := servePprof(cfg.Pprof, logger, stdout)
		if err != nil {
			return err
		}
		defer stopProfiling()
	}
	m := metrics.New()
	boards := actors.NewBoards(db, actors.Options{
		Logger:    logger.With().Str("component", "actors").Logger(),
		RingSize:  cfg.RingSize,
		Retention: cfg.Retention,
		IdleAfter: cfg.IdleAfter,
		Observer:  m,
		MaxTasks:  cfg.MaxTasks, MaxLists: cfg.MaxLists, MaxMembers: cfg.MaxMembers, MaxBoards: cfg.MaxBoards,
	})
	defer func() { err = errors.Join(err, shutdownBoards(boards, cfg.ShutdownTimeout)) }()

	gw := gateway.New(gateway.Config{
		Logger:          logger.With().Str("component", "gateway").Logger(),
		Boards:          boards,
		Accounts:        db,
		Ready:           db.Ping,
		Heartbeat:       cfg.Heartbeat,
		ReadTimeout:     cfg.ReadTimeout,
		WriteTimeout:    cfg.WriteTimeout,
		MaxConnsPerUser: cfg.MaxConnsPerUser,
		MaxConnsPerAddr: cfg.MaxConnsPerAddr,
		MaxConns:        cfg.MaxConns,
		AllowSignup:     cfg.AllowSignup,
		AllowedOrigins:  cfg.AllowedOrigins,
		SecureCookies:   cfg.SecureCookies,
		UI:              web.Dist(),
		Observer:        m,
		Metrics:         m.Handler(),

		WSPingInterval: cfg.WSPingInterval,
		WSSendQueue:    cfg.WSSendQueue,
		WSWriteTimeout: cfg.WSWriteTimeout,
		WSRate:         cfg.WSRate,
		WSBurst:        cfg.WSBurst,
	})
	defer gw.Close()
	// Several nodes on one Postgres: end here what another node revoked (a no-op on SQLite).
	watchCtx, stopWatching := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		db.WatchRevocations(watchCtx, actors.PollEvery, func(r messages.Revocation) { gw.Revoked(r) })
	}()
	defer func() { stopWatching(); <-watched }()

	return serve(ctx, cfg, gw, logger, stdout, seeded)
}

// serve listens on cfg.Addr and serves gw until ctx is done, then ends the streams and drains.
func serve(ctx context.Context, cfg config, gw *gateway.Server, logger zerolog.Logger, stdout io.Writer, seeded bool) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(logger.With().Str("component", "http").Logger(), "", 0),
	}
	url := "http://" + dialable(ln.Addr())
	logger.Info().Str("addr", ln.Addr().String()).Str("url", url).Msg("listening")
	fmt.Fprintf(stdout, "listening on %s\n", url)
	if seeded {
		printDemo(stdout, url)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info().Msg("shutting down")
	// Open streams and long polls would hold the drain until its deadline: end them first.
	gw.Close()
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		logger.Warn().Err(err).Msg("HTTP drain incomplete; closing the remaining connections")
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// dialable returns addr with an unspecified host (":3000", "[::]:3000") replaced by
// localhost, so that it can be pasted into a browser or curl.
func dialable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// printDemo tells how to log in to a freshly seeded demo database.
func printDemo(w io.Writer, url string) {
	fmt.Fprintf(w, `Demo data created. Log in as alice@example.com (owner), bob@example.com (editor) or
carol@example.com (viewer) with the password %q, for example:

  curl -s -X POST %s/auth/login -H 'Content-Type: application/json' \
    -d '{"email":"alice@example.com","password":"%s"}'

`, persistence.DemoPassword, url, persistence.DemoPassword)
}

// prunePeriodically deletes stale idempotency records and expired sessions every interval
// until ctx ends.
func prunePeriodically(ctx context.Context, db *persistence.DB, logger zerolog.Logger, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			n, err := db.Prune(ctx, 24*time.Hour)
			if err != nil && ctx.Err() == nil {
				logger.Warn().Err(err).Msg("prune")
			} else if n > 0 {
				logger.Info().Int64("rows", n).Msg("pruned idempotency records and expired sessions")
			}
		}
	}
}

// servePprof serves the runtime profiles of net/http/pprof on addr, a loopback address apart
// from the API, until the returned function is called.
func servePprof(addr string, logger zerolog.Logger, stdout io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(logger.With().Str("component", "pprof").Logger(), "", 0)}
	url := "http://" + ln.Addr().String() + "/debug/pprof/"
	logger.Info().Str("url", url).Msg("serving profiles")
	fmt.Fprintf(stdout, "pprof on %s\n", url)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	return func() { _ = srv.Close(); <-done }, nil
}

func shutdownBoards(boards *actors.Boards, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := boards.Shutdown(ctx); err != nil {
		return fmt.Errorf("stop boards: %w", err)
	}
	return nil
}

func closeDB(db *persistence.DB) error {
	if err := db.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}
