package gateway

import (
	"net/http"

	"github.com/taskboard/taskboard/messages"
)

// maxMutationID bounds an Idempotency-Key or clientMutationId.
const maxMutationID = 200

// meta returns the Meta of a command caused by r. Identity comes only from the request context;
// the trace id is the request's; the mutation id is the Idempotency-Key header, or else the
// body's clientMutationId (bodyKey).
func meta(r *http.Request, bodyKey string) (messages.Meta, error) {
	user, _ := userFrom(r.Context())
	key := bodyKey
	if h := r.Header.Get("Idempotency-Key"); h != "" {
		key = h
	}
	if len(key) > maxMutationID {
		return messages.Meta{}, messages.Errorf(messages.CodeValidation,
			"the idempotency key must be at most %d bytes", maxMutationID).Field("clientMutationId", "length")
	}
	return messages.Meta{
		UserID: user.ID, RequestID: requestIDFrom(r.Context()), MutationID: key,
		Fingerprint: r.Method + " " + r.URL.Path,
	}, nil
}

// mutate answers a mutation on what the path names. A retried mutation id gets its first
// answer before the path is resolved, since that answer may have deleted what the path names;
// otherwise resolve returns the command, with its board, for the board to run.
func (s *Server) mutate(r *http.Request, m messages.Meta, resolve func() (messages.Command, error)) (messages.Result, error) {
	if res, found, err := s.cfg.Boards.Replayed(r.Context(), m); found || err != nil {
		return res, err
	}
	cmd, err := resolve()
	if err != nil {
		return messages.Result{}, err
	}
	return s.cfg.Boards.Do(r.Context(), cmd)
}

// readMeta returns the Meta of a read-only command: identity and trace id, no mutation id.
func readMeta(r *http.Request) messages.Meta {
	user, _ := userFrom(r.Context())
	return messages.Meta{UserID: user.ID, RequestID: requestIDFrom(r.Context())}
}

// validator is a command that can check itself without board state.
type validator interface{ Validate() error }

// decodeCommand decodes r's body into cmd, fills its Meta (see meta) and validates it. Path
// values are the caller's to fill afterwards.
func (s *Server) decodeCommand(w http.ResponseWriter, r *http.Request, cmd validator, m *messages.Meta) error {
	if err := s.decodeJSON(w, r, cmd); err != nil {
		return err
	}
	var err error
	if *m, err = meta(r, m.MutationID); err != nil {
		return err
	}
	return cmd.Validate()
}

// writeResource answers status with v, the resource a board's result carries; a result
// without it (nil) is an internal error naming what.
func writeResource[T any](w http.ResponseWriter, status int, v *T, what string) error {
	if v == nil {
		return missing(what)
	}
	writeJSON(w, status, v)
	return nil
}

// writeCreated answers 201 with v and its Location, or the missing error when the board
// answered without it.
func writeCreated[T any](w http.ResponseWriter, v *T, what string, location func(*T) string) error {
	if v == nil {
		return missing(what)
	}
	w.Header().Set("Location", location(v))
	return writeResource(w, http.StatusCreated, v, what)
}

// missing reports a board's answer that lacks the resource the command returns.
func missing(what string) error {
	return &messages.Error{Code: messages.CodeInternal, Message: "board answered without " + what}
}
