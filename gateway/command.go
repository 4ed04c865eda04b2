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
	if err := checkMutationID(key); err != nil {
		return messages.Meta{}, err
	}
	return messages.Meta{UserID: user.ID, RequestID: requestIDFrom(r.Context()), MutationID: key}, nil
}

// checkMutationID bounds an Idempotency-Key or clientMutationId.
func checkMutationID(key string) error {
	if len(key) > maxMutationID {
		return messages.Errorf(messages.CodeValidation,
			"the idempotency key must be at most %d bytes", maxMutationID).Field("clientMutationId", "length")
	}
	if !messages.ValidText(key, false) {
		return messages.Errorf(messages.CodeValidation,
			"the idempotency key must be text without control characters").Field("clientMutationId", "control")
	}
	return nil
}

// readMeta returns the Meta of a read-only command: identity and trace id, no mutation id.
func readMeta(r *http.Request) messages.Meta {
	user, _ := userFrom(r.Context())
	return messages.Meta{UserID: user.ID, RequestID: requestIDFrom(r.Context())}
}

// decodeCommand decodes r's body into cmd and fills its Meta (see meta). Path values are the
// caller's to fill afterwards; Boards.Do validates the whole command.
func (s *Server) decodeCommand(w http.ResponseWriter, r *http.Request, cmd any, m *messages.Meta) error {
	if err := s.decodeJSON(w, r, cmd); err != nil {
		return err
	}
	var err error
	*m, err = meta(r, m.MutationID)
	return err
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
