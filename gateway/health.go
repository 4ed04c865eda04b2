package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// readyTimeout bounds the readiness check of the database.
const readyTimeout = 2 * time.Second

// healthz answers 200 while the process serves HTTP at all.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 when the database is reachable and the server is not closing, else 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.closed() {
		return messages.Errorf(messages.CodeUnavailable, "shutting down")
	}
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			logFrom(r.Context()).Warn().Err(err).Msg("not ready")
			return messages.Errorf(messages.CodeUnavailable, "not ready")
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
