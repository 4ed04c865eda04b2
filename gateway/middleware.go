package gateway

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/messages"
)

// maxRequestID bounds an incoming X-Request-Id we honour.
const maxRequestID = 128

// request is what the middleware learns about a request, shared through its context: the trace
// id, a logger carrying it, and once authenticated the user, the token they used and the
// principal it stands for.
type request struct {
	id        string
	log       zerolog.Logger
	user      messages.User
	token     string
	principal messages.Principal
	authn     bool
}

type requestKey struct{}

// stateFrom returns the request state of ctx, or an empty one outside the middleware.
func stateFrom(ctx context.Context) *request {
	if st, ok := ctx.Value(requestKey{}).(*request); ok {
		return st
	}
	return &request{log: zerolog.Nop()}
}

// logFrom returns the request's logger: every line it writes carries req=<request id>.
func logFrom(ctx context.Context) *zerolog.Logger { return &stateFrom(ctx).log }

// requestIDFrom returns the request's trace id.
func requestIDFrom(ctx context.Context) string { return stateFrom(ctx).id }

// userFrom returns the authenticated user of the request; ok is false before or without
// authentication. It is the only source of identity for commands.
func userFrom(ctx context.Context) (messages.User, bool) {
	st := stateFrom(ctx)
	return st.user, st.authn
}

// principalFrom returns the principal of an authenticated request: user, credential, scope.
func principalFrom(ctx context.Context) (messages.Principal, bool) {
	st := stateFrom(ctx)
	return st.principal, st.authn
}

// requestID honours an incoming X-Request-Id of 1 to 128 printable ASCII characters and
// generates one otherwise. It sets the id on every response and stores it, with a logger
// carrying req=<id>, in the request context.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = ulid.Make().String()
		}
		w.Header().Set("X-Request-Id", id)
		st := &request{id: id, log: s.log.With().Str("req", id).Logger()}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, st)))
	})
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// accessLog writes one line per request once it is answered, or aborted: method, path,
// status, bytes, duration and user.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &responseWriter{ResponseWriter: w}
		defer func() {
			st := stateFrom(r.Context())
			status := cmp.Or(rw.status, http.StatusOK)
			ev := st.log.Info()
			if status >= http.StatusInternalServerError {
				ev = st.log.Warn()
			}
			ev.Str("method", r.Method).Str("path", r.URL.Path).Int("status", status).
				Int64("bytes", rw.bytes).Dur("duration", time.Since(start)).
				Str("user", st.user.ID).Msg("request")
		}()
		next.ServeHTTP(rw, r)
	})
}

// recover answers a panicking handler with 500 internal, when nothing was written yet, and logs
// the panic with its stack. http.ErrAbortHandler passes through.
func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logFrom(r.Context()).Error().Str("panic", fmt.Sprint(v)).
				Bytes("stack", debug.Stack()).Msg("handler panicked")
			if rw, ok := w.(*responseWriter); ok && rw.status != 0 {
				// The answer has begun: all we can do is cut it short.
				panic(http.ErrAbortHandler)
			}
			writeJSON(w, http.StatusInternalServerError, errorBody{Error: messages.Errorf(messages.CodeInternal, "internal error")})
		}()
		next.ServeHTTP(w, r)
	})
}

// responseWriter records the status and size of an answer for the access log. It unwraps to the
// underlying writer, so http.NewResponseController reaches the connection's deadlines.
type responseWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError flushes and reports a failed write, as http.NewResponseController's Flush wants.
func (w *responseWriter) FlushError() error {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// recordStatus records the status of an answer written past the writer (an SSE stream
// taken over).
func (w *responseWriter) recordStatus(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// Hijack implements http.Hijacker for the WebSocket upgrade, which gws does itself; the
// access log records it as 101.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

// Unwrap lets http.NewResponseController find the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
