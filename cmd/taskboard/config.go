package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/persistence"
)

// errUsage reports a command line that could not be parsed; the flag set has already said why.
var errUsage = errors.New("invalid command line")

// envPrefix starts the environment twin of every flag: --log-level is TASKBOARD_LOG_LEVEL.
const envPrefix = "TASKBOARD_"

// config is the program's effective configuration.
type config struct {
	Addr            string
	DB              string
	DBPool          int
	DBNotify        bool
	Demo            bool
	LogLevel        string
	LogFormat       string
	Heartbeat       time.Duration
	RingSize        int
	Retention       int64
	IdleAfter       time.Duration
	AllowSignup     bool
	ShutdownTimeout time.Duration
	SessionTTL      time.Duration
	AllowedOrigins  originList
	SecureCookies   bool
	WSPingInterval  time.Duration
	WSSendQueue     int
	WSWriteTimeout  time.Duration
	WSRate          float64
	WSBurst         int
	Pprof           string
	// Deadlines of requests that are not streams, and caps on live connections (gateway.Config).
	ReadTimeout, WriteTimeout                  time.Duration
	MaxConnsPerUser, MaxConnsPerAddr, MaxConns int
	// Quotas (actors.Options).
	MaxTasks, MaxLists, MaxMembers, MaxBoards int
}

// originList is a comma-separated list of origins; setting it replaces the list, so that a
// flag given explicitly wins over its environment twin.
type originList []string

func (o *originList) String() string { return strings.Join(*o, ",") }

func (o *originList) Set(v string) error {
	var list originList
	for part := range strings.SplitSeq(v, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		origin, err := gateway.NormalizeOrigin(part)
		if err != nil {
			return err
		}
		list = append(list, origin)
	}
	*o = list
	return nil
}

// parseConfig reads the flags in args. Each flag's environment twin, looked up with getenv,
// replaces its default; a flag given explicitly wins over it. Usage and parse errors go to
// stderr.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("taskboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", ":3000", "listen address")
	fs.StringVar(&cfg.DB, "db", "./data/taskboard.db", "SQLite database file, or postgres://user:pass@host:port/db for several nodes on one Postgres")
	fs.IntVar(&cfg.DBPool, "db-pool", persistence.DefaultPoolSize, "Postgres connections per node at most")
	fs.BoolVar(&cfg.DBNotify, "db-notify", true, "announce each commit to the other nodes with NOTIFY (off: they find it by polling, within a second)")
	fs.BoolVar(&cfg.Demo, "demo", false, "seed the demo users and boards into an empty database")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "log level: trace, debug, info, warn, error")
	fs.StringVar(&cfg.LogFormat, "log-format", "json", "log format: json or console")
	fs.DurationVar(&cfg.Heartbeat, "heartbeat", 15*time.Second, "interval of SSE heartbeat comments")
	fs.IntVar(&cfg.RingSize, "ring-size", 1000, "recent events each board keeps in memory")
	fs.Int64Var(&cfg.Retention, "retention", 10000, "events each board keeps in the database")
	fs.DurationVar(&cfg.IdleAfter, "idle-after", 5*time.Minute, "unload a board idle this long")
	fs.BoolVar(&cfg.AllowSignup, "allow-signup", true, "allow POST /auth/register")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long shutdown may take")
	fs.DurationVar(&cfg.SessionTTL, "session-ttl", persistence.DefaultSessionTTL, "how long a login session lasts")
	fs.Var(&cfg.AllowedOrigins, "allowed-origins", "comma-separated origins, besides the server's own, whose pages may use the session cookie (https://app.example.com)")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", false, "mark the session cookie Secure on plain HTTP too (behind a TLS-terminating proxy)")
	fs.DurationVar(&cfg.WSPingInterval, "ws-ping-interval", gateway.DefaultWSPingInterval, "WebSocket ping interval; a connection silent for this plus 10s is closed")
	fs.IntVar(&cfg.WSSendQueue, "ws-send-queue", gateway.DefaultWSSendQueue, "messages a WebSocket may fall behind before it is closed with 1013")
	fs.DurationVar(&cfg.WSWriteTimeout, "ws-write-timeout", gateway.DefaultWSWriteTimeout, "bound of each write to a WebSocket")
	fs.Float64Var(&cfg.WSRate, "ws-rate", gateway.DefaultWSRate, "messages per second a WebSocket client may send; faster for longer closes with 1008")
	fs.IntVar(&cfg.WSBurst, "ws-burst", gateway.DefaultWSBurst, "messages a WebSocket client may send at once")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", gateway.DefaultReadTimeout, "bound of reading a request that is not a stream, body included")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", gateway.DefaultWriteTimeout, "bound of writing the answer to a request that is not a stream")
	fs.IntVar(&cfg.MaxConnsPerUser, "max-conns-per-user", gateway.DefaultMaxConnsPerUser, "live connections (SSE, WebSocket, long poll) one user may hold; 429 past it (-1: no cap)")
	fs.IntVar(&cfg.MaxConnsPerAddr, "max-conns-per-addr", gateway.DefaultMaxConnsPerAddr, "live connections one client address may hold; 429 past it (-1: no cap)")
	fs.IntVar(&cfg.MaxConns, "max-conns", 0, "live connections in all, 503 past it (0: the open file limit less a tenth, at least 256, for everything else; -1: no cap)")
	fs.IntVar(&cfg.MaxTasks, "max-tasks-per-board", actors.DefaultMaxTasks, "tasks one board may hold")
	fs.IntVar(&cfg.MaxLists, "max-lists-per-board", actors.DefaultMaxLists, "lists one board may hold")
	fs.IntVar(&cfg.MaxMembers, "max-members-per-board", actors.DefaultMaxMembers, "members one board may have")
	fs.IntVar(&cfg.MaxBoards, "max-boards-per-user", actors.DefaultMaxBoards, "boards one user may own")
	fs.StringVar(&cfg.Pprof, "pprof", "", "serve net/http/pprof on this loopback address (127.0.0.1:6060); off when empty")

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		f.Usage += " (" + name + ")"
		if v := getenv(name); v != "" && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
		}
	})
	if envErr != nil {
		return config{}, envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, errUsage
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return cfg, cfg.validate()
}

// envName returns the environment twin of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (c config) validate() error {
	if _, err := zerolog.ParseLevel(c.LogLevel); err != nil || c.LogLevel == "" {
		return fmt.Errorf("--log-level %q: want trace, debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "json" && c.LogFormat != "console" {
		return fmt.Errorf("--log-format %q: want json or console", c.LogFormat)
	}
	positive := map[string]bool{
		"heartbeat":        c.Heartbeat > 0,
		"ring-size":        c.RingSize > 0,
		"retention":        c.Retention > 0,
		"idle-after":       c.IdleAfter > 0,
		"shutdown-timeout": c.ShutdownTimeout > 0,
		"session-ttl":      c.SessionTTL > 0,
		"ws-ping-interval": c.WSPingInterval > 0,
		"ws-send-queue":    c.WSSendQueue > 0,
		"ws-write-timeout": c.WSWriteTimeout > 0,
		"ws-rate":          c.WSRate > 0,
		"ws-burst":         c.WSBurst > 0,
	}
	for name, ok := range positive {
		if !ok {
			return fmt.Errorf("--%s must be positive", name)
		}
	}
	if c.Pprof != "" && !loopback(c.Pprof) {
		return fmt.Errorf("--pprof %q: want a loopback address such as 127.0.0.1:6060", c.Pprof)
	}
	return nil
}

// loopback reports whether addr is host:port with a loopback host: profiles reveal too much to
// be served to the network.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// logger returns the program's logger: JSON lines on w, or a human-readable console format.
func (c config) logger(w io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(c.LogLevel)
	if err != nil {
		return zerolog.Logger{}, err
	}
	if c.LogFormat == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339, NoColor: !isTerminal(w)}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// log writes the effective configuration once.
func (c config) log(logger zerolog.Logger) {
	logger.Info().
		Str("addr", c.Addr).Str("db", persistence.Redact(c.DB)).Int("db_pool", c.DBPool).Bool("db_notify", c.DBNotify).Bool("demo", c.Demo).
		Str("log_level", c.LogLevel).Str("log_format", c.LogFormat).
		Stringer("heartbeat", c.Heartbeat).Int("ring_size", c.RingSize).Int64("retention", c.Retention).
		Stringer("idle_after", c.IdleAfter).Bool("allow_signup", c.AllowSignup).
		Stringer("shutdown_timeout", c.ShutdownTimeout).Stringer("session_ttl", c.SessionTTL).
		Strs("allowed_origins", c.AllowedOrigins).Bool("secure_cookies", c.SecureCookies).
		Stringer("ws_ping_interval", c.WSPingInterval).Int("ws_send_queue", c.WSSendQueue).
		Stringer("ws_write_timeout", c.WSWriteTimeout).Float64("ws_rate", c.WSRate).Int("ws_burst", c.WSBurst).
		Stringer("read_timeout", c.ReadTimeout).Stringer("write_timeout", c.WriteTimeout).
		Int("max_conns_per_user", c.MaxConnsPerUser).Int("max_conns_per_addr", c.MaxConnsPerAddr).Int("max_conns", c.MaxConns).
		Int("max_tasks_per_board", c.MaxTasks).Int("max_lists_per_board", c.MaxLists).
		Int("max_members_per_board", c.MaxMembers).Int("max_boards_per_user", c.MaxBoards).
		Str("pprof", c.Pprof).Msg("configuration")
}
