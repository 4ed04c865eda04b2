package gateway

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/lxzan/gws"
	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/gateway/internal/socket"
	"github.com/taskboard/taskboard/messages"
)

// Limits and defaults of the WebSocket endpoint (PROTOCOL.md, WebSocket).
const (
	// wsMaxMessage is the largest message a client may send; a larger one closes with 1009.
	wsMaxMessage = 64 << 10
	// wsReadBuffer is each connection's read buffer.
	wsReadBuffer = 512
	// wsInbox bounds the messages received and not handled yet; past it the read loop waits,
	// which pushes back on the client through TCP.
	wsInbox = 16
	// wsMaxRooms bounds the boards one connection may join at once.
	wsMaxRooms = 64
	// wsCloseTimeout bounds the closing handshake: writing our close frame, then waiting
	// for the peer's.
	wsCloseTimeout = 2 * time.Second
	// wsAskTimeout bounds a board call made for a WebSocket message.
	wsAskTimeout = 10 * time.Second
)

// Defaults of the WebSocket fields of Config.
const (
	DefaultWSPingInterval = 30 * time.Second
	DefaultWSPongGrace    = 10 * time.Second
	DefaultWSSendQueue    = 256
	DefaultWSWriteTimeout = 10 * time.Second
	DefaultWSRate         = 100
	DefaultWSBurst        = 200
)

// The close codes the server sends (RFC 6455 and PROTOCOL.md).
const (
	closeGoingAway uint16 = 1001 // shutdown, or a peer that stopped answering pings
	closePolicy    uint16 = 1008 // flooding
	closeInternal  uint16 = 1011 // a connection that could not be set up
	closeTryLater  uint16 = 1013 // send queue full: resume with lastSeq
	closeUnauth    uint16 = 4001 // the credential was revoked or expired
	closeRevoked   uint16 = 4003 // access to a joined board revoked
)

// closeCodeOf maps the reasons a board ends a subscription to the close they cause; the
// others (unsubscribed, restarted, deleted) leave the connection open.
var closeCodeOf = map[string]uint16{
	messages.EndSlow:     closeTryLater,
	messages.EndRevoked:  closeRevoked,
	messages.EndShutdown: closeGoingAway,
}

// wsHub holds the server's WebSocket connections, so that Close can end them.
type wsHub struct {
	upgrader *gws.Upgrader
	mu       sync.Mutex
	conns    map[*wsConn]struct{}
	wg       sync.WaitGroup // one per connection, and one per running writer or rejoin
	out      socket.Options // of every connection's outbox
}

func (s *Server) newWSHub() *wsHub {
	if s.cfg.WSPingInterval <= 0 {
		s.cfg.WSPingInterval = DefaultWSPingInterval
	}
	if s.cfg.WSPongGrace <= 0 {
		s.cfg.WSPongGrace = DefaultWSPongGrace
	}
	if s.cfg.WSSendQueue <= 0 {
		s.cfg.WSSendQueue = DefaultWSSendQueue
	}
	if s.cfg.WSWriteTimeout <= 0 {
		s.cfg.WSWriteTimeout = DefaultWSWriteTimeout
	}
	if s.cfg.WSRate <= 0 {
		s.cfg.WSRate = DefaultWSRate
	}
	if s.cfg.WSBurst <= 0 {
		s.cfg.WSBurst = DefaultWSBurst
	}
	h := &wsHub{
		conns: map[*wsConn]struct{}{},
		upgrader: gws.NewUpgrader(wsEvents{}, &gws.ServerOption{
			ReadMaxPayloadSize: wsMaxMessage,
			// Held for the connection's life: small, since client messages are. A larger
			// message is read straight into its own buffer.
			ReadBufferSize:   wsReadBuffer,
			CheckUtf8Enabled: true,
			// gws recovers only OnMessage; wsEvents guards every callback itself.
			Recovery:   gws.Recovery,
			Logger:     gwsLogger{s.log},
			NewSession: func() gws.SessionStorage { return &wsSession{} },
		}),
	}
	h.out = socket.Options{Pool: s.send, Limit: s.cfg.WSSendQueue, WriteTimeout: s.cfg.WSWriteTimeout, Writers: &h.wg}
	return h
}

// websocket answers GET /ws (and an upgrade at /): the caller is authenticated before the
// upgrade, so a refused handshake is an ordinary 401. The connection then lives on its own
// goroutine (gws's read loop) until it closes.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request) error {
	if !isWebSocketUpgrade(r) {
		return messages.Errorf(messages.CodeBadRequest, "expected a WebSocket upgrade")
	}
	if s.closed() {
		return messages.Errorf(messages.CodeUnavailable, "shutting down")
	}
	p, _ := principalFrom(r.Context())
	// Past a cap, the upgrade is refused with an ordinary 429 or 503.
	admitted, err := s.admitLive(r, TransportWebSocket)
	if err != nil {
		return err
	}
	socket, err := s.ws.upgrader.Upgrade(w, r)
	if err != nil {
		admitted()
		// gws has answered 400 and closed the connection.
		logFrom(r.Context()).Debug().Err(err).Msg("websocket upgrade failed")
		return nil
	}
	c := newWSConn(s, socket, p.User.ID, requestIDFrom(r.Context()))
	c.readOnly = p.ReadOnly
	socket.Session().(*wsSession).conn = c
	if !s.ws.add(c) {
		admitted()
		_ = socket.WriteClose(closeGoingAway, []byte("server shutting down"))
		return nil
	}
	// Logging out, revoking the token or changing the password ends the connection.
	c.release = s.live.register(p, func(error) { c.close(closeUnauth, "credential revoked or expired") }, admitted)
	go socket.ReadLoop()
	return nil
}

// isWebSocketUpgrade reports whether r asks to switch to the WebSocket protocol.
func isWebSocketUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		headerHasToken(r.Header.Get("Connection"), "upgrade")
}

func headerHasToken(h, token string) bool {
	for _, t := range strings.Split(h, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// add registers a new connection unless the server is closing.
func (h *wsHub) add(c *wsConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.s.closed() {
		return false
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	c.s.obs.Connected(TransportWebSocket)
	return true
}

func (h *wsHub) remove(c *wsConn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	c.s.obs.Disconnected(TransportWebSocket)
	h.wg.Done()
}

// closeAll closes every connection with 1001 and waits, at most timeout, for them to end.
// The server's closing channel is already closed, so no connection is added meanwhile.
func (h *wsHub) closeAll(timeout time.Duration) {
	h.mu.Lock()
	for c := range h.conns {
		c.close(closeGoingAway, "server shutting down")
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

// wsSession is the gws session of a connection: one slot holding our own state, instead of
// gws's default map per connection.
type wsSession struct{ conn *wsConn }

const wsSessionKey = "conn"

func (s *wsSession) Len() int { return 1 }

func (s *wsSession) Load(key string) (any, bool) { return s.conn, key == wsSessionKey }

func (s *wsSession) Delete(string) {}

func (s *wsSession) Store(key string, value any) {
	if c, ok := value.(*wsConn); ok && key == wsSessionKey {
		s.conn = c
	}
}

func (s *wsSession) Range(f func(key string, value any) bool) { f(wsSessionKey, s.conn) }

// wsEvents receives gws's callbacks for every connection and hands them to the connection,
// each guarded against panics: gws itself recovers only OnMessage.
type wsEvents struct{}

func connOf(socket *gws.Conn) *wsConn { return socket.Session().(*wsSession).conn }

// OnOpen implements gws.Event.
func (wsEvents) OnOpen(socket *gws.Conn) {
	c := connOf(socket)
	defer c.guard("open", func() { c.close(closeInternal, "internal error") })
	c.open()
}

// OnClose implements gws.Event.
func (wsEvents) OnClose(socket *gws.Conn, err error) {
	c := connOf(socket)
	defer c.s.ws.remove(c)
	defer c.guard("close", nil)
	c.closed(err)
}

// OnPing implements gws.Event: a pong through the connection's queue.
func (wsEvents) OnPing(socket *gws.Conn, payload []byte) {
	c := connOf(socket)
	defer c.guard("ping", nil)
	c.seen()
	c.push(wsFrame{pong: true, data: append([]byte(nil), payload...)})
}

// OnPong implements gws.Event.
func (wsEvents) OnPong(socket *gws.Conn, _ []byte) {
	c := connOf(socket)
	defer c.guard("pong", nil)
	c.seen()
}

// OnMessage implements gws.Event: the message goes to the connection's inbox. The message's
// bytes are gws's: the inbox keeps a copy.
func (wsEvents) OnMessage(socket *gws.Conn, msg *gws.Message) {
	defer msg.Close()
	c := connOf(socket)
	defer c.guard("message", nil)
	c.seen()
	c.enqueue(msg.Opcode, msg.Bytes())
}

// guard recovers a panic in a callback: it logs it with its stack and runs then, if set.
func (c *wsConn) guard(callback string, then func()) {
	v := recover()
	if v == nil {
		return
	}
	c.log(zerolog.ErrorLevel).Str("callback", callback).Str("panic", fmt.Sprint(v)).
		Bytes("stack", debug.Stack()).Msg("websocket callback panicked")
	if then != nil {
		then()
	}
}

// gwsLogger routes gws's own error lines into zerolog.
type gwsLogger struct{ log zerolog.Logger }

func (l gwsLogger) Error(v ...any) { l.log.Error().Str("component", "gws").Msg(fmt.Sprint(v...)) }

// meta returns the Meta of a command caused by the WebSocket message traced as req: identity
// comes only from the connection.
func (c *wsConn) meta(req, mutationID string) messages.Meta {
	return messages.Meta{UserID: c.userID, RequestID: req, MutationID: mutationID}
}

// askContext bounds a board call made for a WebSocket message. The connection has outlived
// its HTTP request, so it does not derive from the request's context.
func askContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), wsAskTimeout)
}
