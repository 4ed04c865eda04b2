// Package gateway translates taskboard's protocols into messages commands: REST, Server-Sent
// Events, WebSocket (gws), long and short polling, authentication and the HTTP middleware
// around them.
//
// It depends on messages, on its own internal/socket (the outboxes and hang-up watcher of
// live connections) and on the small Boards and Accounts interfaces declared in deps.go,
// never on actors or persistence: cmd/taskboard wires the real implementations in.
package gateway

import (
	"context"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/gateway/internal/socket"
)

// Defaults and limits of Config.
const (
	DefaultHeartbeat       = 15 * time.Second
	DefaultLongPollTimeout = 30 * time.Second
	DefaultMaxLongPolls    = 10000
	DefaultSSEBuffer       = 256
	DefaultMaxBody         = 1 << 20
)

// Config configures a Server. Zero values take the defaults above.
type Config struct {
	Logger   zerolog.Logger
	Boards   Boards
	Accounts Accounts
	// Ready reports whether the server's dependencies (the database) are reachable; nil means
	// always ready.
	Ready func(context.Context) error
	// Heartbeat is the interval of SSE heartbeat comments.
	Heartbeat time.Duration
	// LongPollTimeout is how long a long poll waits by default, and the most a client may ask
	// for with ?timeout=.
	LongPollTimeout time.Duration
	// MaxLongPolls bounds the long polls waiting at once; beyond it a poll answers 503.
	MaxLongPolls int
	// SSEBuffer bounds each SSE subscriber's live queue; a stream that falls that far behind is
	// ended and resumes with Last-Event-ID.
	SSEBuffer int
	// MaxBody bounds request bodies; larger ones answer 413.
	MaxBody int64
	// MaxConnsPerUser and MaxConnsPerAddr cap the live connections (SSE streams, WebSockets,
	// waiting long polls) of one user and of one client address: past them, 429 rate_limited
	// (defaults DefaultMaxConnsPerUser, DefaultMaxConnsPerAddr). MaxConns caps them all, for
	// 503 past it (default: the open file limit less a reserve, see liveConnsBudget). A
	// negative value sets no cap (load tests of one user on one address).
	MaxConnsPerUser, MaxConnsPerAddr, MaxConns int
	// ReadTimeout and WriteTimeout bound reading a request that is not a stream and writing
	// its answer, from its start (defaults DefaultReadTimeout, DefaultWriteTimeout; see
	// deadline.go).
	ReadTimeout, WriteTimeout time.Duration
	// AllowSignup enables POST /auth/register.
	AllowSignup bool
	// SecureCookies marks the session cookie Secure even on plain-HTTP requests (behind a
	// TLS-terminating proxy).
	SecureCookies bool
	// AllowedOrigins lists the origins, besides the request's own host, from which
	// cookie-authenticated state-changing requests and WebSocket upgrades, logins and
	// registrations are accepted ("https://app.example.com"; see NormalizeOrigin).
	AllowedOrigins []string
	// LoginPerIP and LoginPerAccount bound password checks (logins, password changes) per
	// client address and per account; beyond them the answer is 429 with Retry-After.
	// Defaults DefaultLoginPerIP and DefaultLoginPerAccount.
	LoginPerIP      RateLimit
	LoginPerAccount RateLimit
	// UI is the browser UI's build (index.html at its root), served at "/", "/settings", "/b/{boardId}"
	// and by file name; nil serves the API alone.
	UI fs.FS
	// Observer is told about connections and deliveries, for metrics (default: nobody).
	Observer Observer
	// Metrics, if set, answers GET /metrics (without credentials, as scrapers expect).
	Metrics http.Handler

	// WSPingInterval is how often the server pings each WebSocket; one silent (no frame, no
	// pong) for WSPingInterval + WSPongGrace is closed and leaves its rooms.
	WSPingInterval time.Duration
	WSPongGrace    time.Duration
	// WSSendQueue bounds each WebSocket's queue of outgoing messages; a connection that falls
	// that far behind is closed with 1013 and resumes with lastSeq.
	WSSendQueue int
	// WSWriteTimeout bounds each write to a WebSocket.
	WSWriteTimeout time.Duration
	// WSRate and WSBurst are each WebSocket's token bucket of incoming messages (per second,
	// and at once); a client sending faster for longer is closed with 1008.
	WSRate  float64
	WSBurst int
}

// Server is the HTTP face of taskboard. It is safe for concurrent use.
type Server struct {
	cfg     Config
	log     zerolog.Logger
	handler http.Handler
	ui      *ui
	// polls is a semaphore bounding waiting long polls.
	polls chan struct{}
	// closing is closed by Close; streams and long polls end when it is.
	closing   chan struct{}
	closeOnce sync.Once
	// live holds the connections that revoking their credential must end.
	live   *liveSet
	logins *loginGuard
	ws     *wsHub
	sse    sseHub
	// send writes the outboxes of WebSockets and SSE streams (internal/socket).
	send *socket.Pool
	obs  Observer
	// conns counts each board's live connections for GET /admin/connections.
	conns *connCounts
	// limits caps the live connections per user, per address and in all (limits.go).
	limits *connLimits
}

// New returns a Server for cfg. cfg.Boards and cfg.Accounts are required. A cfg.UI that
// cannot be read (no index.html) is logged as an error and the server serves the API alone.
func New(cfg Config) *Server {
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.LongPollTimeout <= 0 || cfg.LongPollTimeout > DefaultLongPollTimeout {
		cfg.LongPollTimeout = DefaultLongPollTimeout
	}
	if cfg.MaxConnsPerUser == 0 {
		cfg.MaxConnsPerUser = DefaultMaxConnsPerUser
	}
	if cfg.MaxConnsPerAddr == 0 {
		cfg.MaxConnsPerAddr = DefaultMaxConnsPerAddr
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = liveConnsBudget()
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxLongPolls <= 0 {
		cfg.MaxLongPolls = DefaultMaxLongPolls
	}
	if cfg.SSEBuffer <= 0 {
		cfg.SSEBuffer = DefaultSSEBuffer
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	origins := make([]string, 0, len(cfg.AllowedOrigins))
	for _, o := range cfg.AllowedOrigins {
		origins = append(origins, strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/")))
	}
	cfg.AllowedOrigins = origins
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	s := &Server{
		obs:     cfg.Observer,
		conns:   newConnCounts(),
		limits:  newConnLimits(cfg.MaxConnsPerUser, cfg.MaxConnsPerAddr, cfg.MaxConns),
		cfg:     cfg,
		log:     cfg.Logger,
		polls:   make(chan struct{}, cfg.MaxLongPolls),
		closing: make(chan struct{}),
		live:    newLiveSet(),
		send:    socket.NewPool(),
		logins: &loginGuard{
			perIP:      newKeyedLimiter(cfg.LoginPerIP.orDefault(DefaultLoginPerIP)),
			perAccount: newKeyedLimiter(cfg.LoginPerAccount.orDefault(DefaultLoginPerAccount)),
		},
	}
	s.ws = s.newWSHub()
	s.sse.out = socket.Options{Pool: s.send, Limit: cfg.SSEBuffer, WriteTimeout: sseWriteTimeout}
	if cfg.UI != nil {
		var err error
		if s.ui, err = newUI(cfg.UI); err != nil {
			s.log.Error().Err(err).Msg("serving the API without the UI")
		}
	}
	s.handler = s.requestID(s.accessLog(s.recover(s.deadlines(s.withUI(s.routes())))))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close ends every SSE stream and long poll at once, closes every WebSocket with 1001, and
// makes /readyz, new streams, long polls and upgrades answer 503. It waits for the WebSockets'
// closing handshakes (hijacked connections are no longer the HTTP server's to drain), not for
// the other handlers to return; call it before http.Server.Shutdown, whose drain would
// otherwise wait on the open streams. Close is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.sse.closeAll()
		s.ws.closeAll(s.cfg.WSWriteTimeout + 2*wsCloseTimeout)
	})
}

func (s *Server) closed() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// handlerFunc is an endpoint: it answers success itself and returns any error for the wrapper
// to answer in the protocol's error shape.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// public serves h without credentials.
func (s *Server) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// routes registers every endpoint: those wrapped in s.auth need credentials.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", s.public(s.healthz))
	mux.Handle("GET /readyz", s.public(s.readyz))
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics)
	}
	mux.Handle("GET /admin/connections", s.auth(s.adminConnections))

	mux.Handle("POST /auth/login", s.public(s.login))
	mux.Handle("POST /auth/register", s.public(s.register))
	mux.Handle("POST /auth/logout", s.auth(s.logout))
	mux.Handle("GET /me", s.auth(s.me))
	mux.Handle("POST /me/password", s.auth(s.changePassword))
	mux.Handle("GET /me/tokens", s.auth(s.listTokens))
	mux.Handle("POST /me/tokens", s.auth(s.createToken))
	mux.Handle("DELETE /me/tokens/{tokenId}", s.auth(s.revokeToken))

	mux.Handle("GET /boards", s.auth(s.listBoards))
	mux.Handle("POST /boards", s.auth(s.createBoard))
	mux.Handle("GET /boards/{boardId}", s.auth(s.getBoard))
	mux.Handle("PATCH /boards/{boardId}", s.auth(s.updateBoard))
	mux.Handle("DELETE /boards/{boardId}", s.auth(s.deleteBoard))
	mux.Handle("GET /boards/{boardId}/tasks", s.auth(s.boardTasks))

	mux.Handle("GET /boards/{boardId}/members", s.auth(s.listMembers))
	mux.Handle("POST /boards/{boardId}/members", s.auth(s.addMember))
	mux.Handle("PATCH /boards/{boardId}/members/{userId}", s.auth(s.updateMember))
	mux.Handle("DELETE /boards/{boardId}/members/{userId}", s.auth(s.removeMember))

	mux.Handle("POST /boards/{boardId}/lists", s.auth(s.createList))
	mux.Handle("GET /lists/{listId}", s.auth(s.getList))
	mux.Handle("PATCH /lists/{listId}", s.auth(s.updateList))
	mux.Handle("DELETE /lists/{listId}", s.auth(s.deleteList))

	mux.Handle("POST /tasks", s.auth(s.createTask))
	mux.Handle("GET /tasks/{taskId}", s.auth(s.getTask))
	mux.Handle("PATCH /tasks/{taskId}", s.auth(s.updateTask))
	mux.Handle("PATCH /tasks/{taskId}/move", s.auth(s.moveTask))
	mux.Handle("DELETE /tasks/{taskId}", s.auth(s.deleteTask))
	mux.Handle("POST /tasks/{taskId}/archive", s.auth(s.archiveTask))
	mux.Handle("POST /tasks/{taskId}/restore", s.auth(s.restoreTask))
	mux.Handle("GET /tasks/{taskId}/activity", s.auth(s.taskActivity))

	mux.Handle("GET /boards/{boardId}/labels", s.auth(s.listLabels))
	mux.Handle("POST /boards/{boardId}/labels", s.auth(s.createLabel))
	mux.Handle("PATCH /labels/{labelId}", s.auth(s.updateLabel))
	mux.Handle("DELETE /labels/{labelId}", s.auth(s.deleteLabel))
	mux.Handle("POST /tasks/{taskId}/checklist", s.auth(s.addChecklistItem))
	mux.Handle("PATCH /checklist/{itemId}", s.auth(s.updateChecklistItem))
	mux.Handle("DELETE /checklist/{itemId}", s.auth(s.deleteChecklistItem))
	mux.Handle("GET /tasks/{taskId}/comments", s.auth(s.listComments))
	mux.Handle("POST /tasks/{taskId}/comments", s.auth(s.addComment))
	mux.Handle("PATCH /comments/{commentId}", s.auth(s.updateComment))
	mux.Handle("DELETE /comments/{commentId}", s.auth(s.deleteComment))
	mux.Handle("GET /boards/{boardId}/activity", s.auth(s.boardActivity))
	mux.Handle("GET /search", s.auth(s.search))

	mux.Handle("GET /boards/{boardId}/events", s.auth(s.events))
	mux.Handle("GET /boards/{boardId}/poll", s.auth(s.longPoll))
	mux.Handle("GET /boards/{boardId}/updates", s.auth(s.shortPoll))

	ws := s.auth(s.websocket)
	mux.Handle("GET /ws", ws)
	return rootUpgrade(ws, jsonMux{mux})
}

// rootUpgrade sends a WebSocket upgrade at "/" to the WebSocket endpoint, as the classic
// `wscat -c ws://localhost:3000` expects; every other request, a plain GET / included, goes on
// to the routes.
func rootUpgrade(ws, routes http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && isWebSocketUpgrade(r) {
			ws.ServeHTTP(w, r)
			return
		}
		routes.ServeHTTP(w, r)
	})
}
