package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/taskboard/taskboard/messages"
)

const (
	// sseRetry is the reconnection delay, in milliseconds, suggested to EventSource.
	sseRetry = "3000"
	// sseWriteTimeout bounds each batch of writes that cannot go out at once, so that a client
	// that stopped reading cannot hold a writer forever.
	sseWriteTimeout = 10 * time.Second
)

var sseHeartbeat = []byte(": heartbeat\n\n")

// events answers GET /boards/{boardId}/events with the board's event stream (PROTOCOL.md, SSE).
// Errors before the stream starts (not_found, a bad Last-Event-ID) are ordinary JSON answers;
// once it has started, it ends when the client goes away, on Server.Close, on a write error,
// when the credential that opened it is revoked or expires, when it falls its buffer behind
// (a slow client, or a replay longer than the buffer: the client resumes with Last-Event-ID),
// or when the board ends the subscription (as it does for a member removed from the board),
// except after a board restart, which it bridges by subscribing again from the last seq it
// wrote.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	after, err := resumePoint(r)
	if err != nil {
		return err
	}
	if s.closed() {
		return messages.Errorf(messages.CodeUnavailable, "shutting down")
	}
	if r.Method == http.MethodHead {
		return s.eventsHead(w, r)
	}
	admitted, err := s.admitLive(r, TransportSSE)
	if err != nil {
		return err
	}
	if r.ProtoMajor != 1 {
		// HTTP/2 cannot hand its connection over: the stream is written through the handler's
		// response, which must flush.
		if _, ok := w.(http.Flusher); !ok {
			admitted()
			return errors.New("sse: response writer cannot flush")
		}
	}
	return s.openStream(w, r, after, admitted)
}

// eventsHead answers HEAD on a board's stream with the headers a GET would start with, and no
// stream: the caller's access is checked as for GET.
func (s *Server) eventsHead(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.cfg.Boards.Do(r.Context(), messages.ListMembers{Meta: readMeta(r), BoardID: r.PathValue("boardId")}); err != nil {
		return err
	}
	sseHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	return nil
}

// sseHeaders sets the headers a stream starts with.
func sseHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
}

// resumePoint returns the seq a stream resumes after: the Last-Event-ID header, else the
// lastEventId query parameter, else nil (live events only).
func resumePoint(r *http.Request) (*int64, error) {
	if id := strings.TrimSpace(r.Header.Get("Last-Event-ID")); id != "" {
		return parseSeq(id, "Last-Event-ID")
	}
	if r.URL.Query().Has("lastEventId") {
		return parseSeq(r.URL.Query().Get("lastEventId"), "lastEventId")
	}
	return nil, nil
}

// sseConnected is a stream's first frame: the retry hint and the connected message.
func sseConnected(boardID string, seq int64) []byte {
	connected := mustJSON(struct {
		Type    string `json:"type"`
		BoardID string `json:"boardId"`
		Seq     int64  `json:"seq"`
	}{"connected", boardID, seq})
	return []byte("retry: " + sseRetry + "\ndata: " + string(connected) + "\n\n")
}

// sseResync is the frame telling a client to reload the snapshot. Its id makes a
// reconnecting EventSource resume from here, not from the stale id that caused the resync.
func sseResync(seq int64) []byte {
	resync := mustJSON(struct {
		Type string `json:"type"`
		Seq  int64  `json:"seq"`
	}{"resync", seq})
	return []byte("id: " + strconv.FormatInt(seq, 10) + "\nevent: resync\ndata: " + string(resync) + "\n\n")
}
