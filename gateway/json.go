package gateway

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
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
	jsonHeader(w, status)
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

// writeData answers 200 {data: items}, an array even when there are none.
func writeData[T any](w http.ResponseWriter, items []T) {
	writeJSON(w, http.StatusOK, struct {
		Data []T `json:"data"`
	}{nonNil(items)})
}

// writePage answers 200 {data: items, next}: next is where the next page starts, null on the
// last (next's zero value).
func writePage[T any, N comparable](w http.ResponseWriter, items []T, next N) {
	var zero N
	var nextOrNull *N
	if next != zero {
		nextOrNull = &next
	}
	writeJSON(w, http.StatusOK, struct {
		Data []T `json:"data"`
		Next *N  `json:"next"`
	}{nonNil(items), nextOrNull})
}

// writeTasks answers 200 with head's fields, then "tasks" (or "data" when head has none), then
// "seq", writing the tasks one at a time as it encodes them: an answer of any size costs one
// task's JSON at a time, not the whole answer, and a client that does not read it is cut off
// by the request's write deadline (deadline.go).
func writeTasks(w http.ResponseWriter, head any, tasks []messages.Task, seq int64) {
	jsonHeader(w, http.StatusOK)
	fields, err := json.Marshal(head)
	if err != nil {
		panic(err) // our own types only
	}
	key := `"data":[`
	if len(fields) > 2 { // not {}
		key = string(fields[1:len(fields)-1]) + `,"tasks":[`
	}
	bw := bufio.NewWriterSize(w, 16<<10)
	bw.WriteString("{" + key)
	var b []byte
	for i := range tasks {
		if i > 0 {
			bw.WriteByte(',')
		}
		b = tasks[i].AppendJSON(b[:0]) // encoding/json's bytes, without its reflection
		if _, err := bw.Write(b); err != nil {
			return // the client went away, or stopped reading past the deadline
		}
	}
	bw.WriteString(`],"seq":` + strconv.FormatInt(seq, 10) + "}\n")
	_ = bw.Flush()
}

// jsonHeader starts a JSON answer with status: never sniffed as anything else.
func jsonHeader(w http.ResponseWriter, status int) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
}
