package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/taskboard/taskboard/messages"
)

// codeMethodNotAllowed is the code of a 405 answer. It is the gateway's own: a wrong method is
// a routing matter that never reaches a board, so messages has no code for it.
const codeMethodNotAllowed messages.Code = "method_not_allowed"

// statusOf is the one table mapping error codes to HTTP statuses.
var statusOf = map[messages.Code]int{
	messages.CodeBadRequest:         http.StatusBadRequest,
	messages.CodeValidation:         http.StatusBadRequest,
	messages.CodeUnauthorized:       http.StatusUnauthorized,
	messages.CodeForbidden:          http.StatusForbidden,
	messages.CodeNotFound:           http.StatusNotFound,
	codeMethodNotAllowed:            http.StatusMethodNotAllowed,
	messages.CodeConflict:           http.StatusConflict,
	messages.CodePreconditionFailed: http.StatusPreconditionFailed,
	messages.CodeTooLarge:           http.StatusRequestEntityTooLarge,
	messages.CodeRateLimited:        http.StatusTooManyRequests,
	messages.CodeUnavailable:        http.StatusServiceUnavailable,
	messages.CodeInternal:           http.StatusInternalServerError,
}

// retryAfter is the Retry-After (seconds) of rate_limited and unavailable answers.
const retryAfter = "1"

// errorBody is the shape of every error answer. Task is set for precondition_failed: the task
// as it is now.
type errorBody struct {
	Error *messages.Error `json:"error"`
	Task  *messages.Task  `json:"task,omitempty"`
}

// StatusOf returns the HTTP status of an error code; unknown codes are 500.
func StatusOf(code messages.Code) int {
	if status, ok := statusOf[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// writeError answers err in the protocol's error shape. A timeout waiting on a board is
// unavailable; anything that is not a *messages.Error is logged once, with the request id, and
// answered as an internal error that reveals nothing.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := s.publicError(r, err)
	status := StatusOf(e.Code)
	switch e.Code {
	case messages.CodeRateLimited, messages.CodeUnavailable:
		if w.Header().Get("Retry-After") == "" { // a limiter may have said how long
			w.Header().Set("Retry-After", retryAfter)
		}
	case messages.CodeUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="taskboard"`)
	}
	writeJSON(w, status, errorBody{Error: e, Task: e.Current})
}

// publicError turns err into the *messages.Error a client may see, logging internal failures.
func (s *Server) publicError(r *http.Request, err error) *messages.Error {
	var e *messages.Error
	switch {
	case errors.As(err, &e):
		switch {
		case e.Code == messages.CodeInternal:
			logFrom(r.Context()).Error().Err(err).Msg("internal error")
			return &messages.Error{Code: messages.CodeInternal, Message: "internal error"}
		case e.Unwrap() != nil:
			logFrom(r.Context()).Warn().Err(err).Msg("dependency unavailable")
		}
		return e
	case errors.Is(err, context.DeadlineExceeded):
		logFrom(r.Context()).Warn().Err(err).Msg("board did not answer in time")
		return messages.Errorf(messages.CodeUnavailable, "the board did not answer in time, retry")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		return messages.Errorf(messages.CodeUnavailable, "request canceled")
	default:
		logFrom(r.Context()).Error().Err(err).Msg("internal error")
		return messages.AsError(err)
	}
}

// jsonMux wraps a ServeMux so that its plain-text 404 and 405 answers come out in the
// protocol's JSON error shape (405 keeps the mux's Allow header).
type jsonMux struct{ mux *http.ServeMux }

// ServeHTTP implements http.Handler.
func (m jsonMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := m.mux.Handler(r)
	if pattern != "" {
		m.mux.ServeHTTP(w, r)
		return
	}
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusMethodNotAllowed:
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeJSON(w, rec.status, errorBody{Error: messages.Errorf(codeMethodNotAllowed, "method %s not allowed", r.Method)})
	case http.StatusNotFound, 0:
		writeJSON(w, http.StatusNotFound, errorBody{Error: messages.Errorf(messages.CodeNotFound, "no such endpoint")})
	default:
		// Redirects and the like: pass them through unchanged.
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
	}
}

// statusRecorder captures the status and headers of the mux's own error handlers and drops
// their plain-text bodies.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
