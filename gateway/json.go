package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/taskboard/taskboard/messages"
)

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own types are encoded here; failing is a programming error.
		panic(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// decodeJSON decodes the request body, which must be one JSON value, into dst. Unknown fields
// are ignored. A body over cfg.MaxBody is too_large; an empty body, malformed JSON or a value of
// the wrong type is bad_request.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	// A client trickling its body is cut off by the request's read deadline (deadline.go).
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	dec := json.NewDecoder(body)
	err := dec.Decode(dst)
	if err == nil {
		// Whatever follows the value must be white space, up to the size limit.
		var extra json.RawMessage
		if err = dec.Decode(&extra); errors.Is(err, io.EOF) {
			return nil
		} else if err == nil {
			return messages.Errorf(messages.CodeBadRequest, "the body must hold a single JSON value")
		}
	}
	return decodeError(err)
}

// decodeError maps a json decoding error to the protocol's error.
func decodeError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		typeErr  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return messages.Errorf(messages.CodeTooLarge, "the body must be at most %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return messages.Errorf(messages.CodeBadRequest, "a JSON body is required")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		// The path names an embedded struct by its Go name (Meta.clientMutationId): the wire
		// has no such level.
		field := strings.TrimPrefix(typeErr.Field, "Meta.")
		return messages.Errorf(messages.CodeBadRequest, "%s has the wrong type", field).Field(field, "type")
	default:
		return messages.Errorf(messages.CodeBadRequest, "malformed JSON")
	}
}

// noStore keeps an answer that carries a secret (a session or API token) out of every cache.
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
}
