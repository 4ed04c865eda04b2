package gateway

import (
	"net/http"
	"strings"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// Defaults of Config.ReadTimeout and Config.WriteTimeout.
const (
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 30 * time.Second
)

// deadlines bounds every request that is not a stream: reading it (the body included) within
// ReadTimeout and writing its answer within WriteTimeout from its start, so that a client that
// declares a body and never sends it, or never reads a large answer, holds its connection and
// memory no longer than that. A long poll may write until its wait is over plus WriteTimeout;
// SSE streams and WebSockets set their own deadlines per write. A body on a method that takes
// none is refused at once, and the connection closed, rather than waited for.
func (s *Server) deadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		switch {
		case isUpgrade(r) || isEventStream(r):
			// The stream's own code arms deadlines per write; clear what an earlier request on
			// this connection left.
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		case isLongPoll(r):
			_ = rc.SetReadDeadline(now.Add(s.cfg.ReadTimeout))
			_ = rc.SetWriteDeadline(now.Add(s.cfg.LongPollTimeout + s.cfg.WriteTimeout))
		default:
			_ = rc.SetReadDeadline(now.Add(s.cfg.ReadTimeout))
			_ = rc.SetWriteDeadline(now.Add(s.cfg.WriteTimeout))
		}
		if !takesBody(r.Method) && (r.ContentLength > 0 || len(r.TransferEncoding) > 0) {
			w.Header().Set("Connection", "close")
			s.writeError(w, r, messages.Errorf(messages.CodeBadRequest, "%s takes no request body", r.Method))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// takesBody reports whether requests of method carry a body in this API.
func takesBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// isEventStream reports a request for a board's SSE stream.
func isEventStream(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/boards/") && strings.HasSuffix(r.URL.Path, "/events")
}

// isLongPoll reports a long poll, which waits for events before it answers.
func isLongPoll(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/boards/") && strings.HasSuffix(r.URL.Path, "/poll")
}
