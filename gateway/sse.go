package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/messages"
)

const (
	// sseRetry is the reconnection delay, in milliseconds, suggested to EventSource.
	sseRetry = "3000"
	// sseWriteTimeout bounds each batch of writes, so that a client that stopped reading cannot
	// hold its handler forever.
	sseWriteTimeout = 10 * time.Second
	// maxRestarts bounds back-to-back resubscriptions to a board that keeps restarting without
	// delivering anything; past it the stream ends and the client resumes with Last-Event-ID.
	maxRestarts = 5
	// replayBatch is how many replayed events share one write deadline.
	replayBatch = 256
)

var sseHeartbeat = []byte(": heartbeat\n\n")

// events answers GET /boards/{boardId}/events with the board's event stream (PROTOCOL.md, SSE).
// Errors before the stream starts (not_found, a bad Last-Event-ID) are ordinary JSON answers;
// once it has started, it ends when the client goes away, on Server.Close, on a write error,
// when the credential that opened it is revoked or expires, or when the board ends the
// subscription (as it does for a member removed from the board), except after a board restart,
// which it bridges by subscribing again from the last seq it wrote.
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
	if r.ProtoMajor == 1 {
		return s.takeOver(w, r, after, admitted)
	}
	// HTTP/2 cannot hand its connection over: the stream stays a handler of net/http.
	if _, ok := w.(http.Flusher); !ok {
		admitted()
		return errors.New("sse: response writer cannot flush")
	}
	r, done := s.hold(r, admitted) // revoking the credential ends the stream
	defer done()
	st := &stream{s: s, r: r, w: w, rc: http.NewResponseController(w), log: logFrom(r.Context()), board: r.PathValue("boardId")}
	st.sub, err = s.cfg.Boards.Subscribe(r.Context(), st.subscribe(after))
	if err != nil {
		return err
	}
	defer func() {
		if st.sub != nil {
			s.cfg.Boards.Unsubscribe(st.sub)
		}
	}()
	defer s.track(st.board, TransportSSE)()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	st.open(after)
	st.run()
	st.finish()
	return nil
}

// eventsHead answers HEAD on a board's stream with the headers a GET would start with, and no
// stream: the caller's access is checked as for GET.
func (s *Server) eventsHead(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.cfg.Boards.Do(r.Context(), messages.ListMembers{Meta: readMeta(r), BoardID: r.PathValue("boardId")}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return nil
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

// stream is one SSE response. Its fields are touched only by the handler's goroutine.
type stream struct {
	s     *Server
	r     *http.Request
	w     http.ResponseWriter
	rc    *http.ResponseController
	log   *zerolog.Logger
	board string
	sub   *messages.Subscription
	// last is the seq of the last event written (or the seq the client already has).
	last     int64
	restarts int
	armed    bool
	err      error // the first write error; the stream ends with it
}

func (st *stream) subscribe(after *int64) messages.Subscribe {
	return messages.Subscribe{Meta: readMeta(st.r), BoardID: st.board, After: after, Live: true, Buffer: st.s.cfg.SSEBuffer}
}

// open writes the retry hint, the connected frame, a resync frame if needed and the replay.
func (st *stream) open(after *int64) {
	st.arm()
	st.write(sseConnected(st.board, st.sub.Seq))
	st.last = st.sub.Seq
	if after != nil && !st.sub.Resync {
		st.last = *after
	}
	st.catchUp()
	st.flush()
	st.log.Debug().Str("board", st.board).Int64("seq", st.sub.Seq).Bool("resync", st.sub.Resync).Msg("sse stream open")
}

// catchUp writes the current subscription's resync frame or replay.
func (st *stream) catchUp() {
	if st.sub.Resync {
		st.write(sseResync(st.sub.Seq))
		st.last = st.sub.Seq
		return
	}
	for i, enc := range st.sub.Replay {
		if i > 0 && i%replayBatch == 0 {
			st.flush()
			st.arm()
		}
		st.deliver(enc)
	}
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

// run streams live events and heartbeats until the stream ends.
func (st *stream) run() {
	heartbeat := time.NewTicker(st.s.cfg.Heartbeat)
	defer heartbeat.Stop()
	for st.err == nil && st.r.Context().Err() == nil && !st.s.closed() {
		select {
		case <-st.r.Context().Done():
		case <-st.s.closing:
		case <-heartbeat.C:
			st.arm()
			st.write(sseHeartbeat)
			st.flush()
		case enc, ok := <-st.sub.Events:
			st.arm()
			if ok {
				st.restarts = 0
				st.deliver(*enc)
				ok = st.drain()
			}
			st.flush()
			if !ok && !st.resubscribe() {
				return
			}
		}
	}
}

// drain writes the events already queued, up to a buffer's worth, without waiting; it reports
// false when the subscription has ended.
func (st *stream) drain() bool {
	for range st.s.cfg.SSEBuffer {
		select {
		case enc, ok := <-st.sub.Events:
			if !ok {
				return false
			}
			st.deliver(*enc)
		default:
			return true
		}
	}
	return true
}

// deliver writes one event's shared SSE frame, skipping what the client already has.
func (st *stream) deliver(enc messages.Encoded) {
	if enc.Seq <= st.last {
		return
	}
	if enc.Seq != st.last+1 {
		st.log.Warn().Str("board", st.board).Int64("seq", enc.Seq).Int64("after", st.last).Msg("sse gap in board events")
	}
	st.write(enc.SSE)
	st.last = enc.Seq
	st.s.obs.Delivered(TransportSSE, enc.Committed)
	st.log.Debug().Str("board", st.board).Int64("seq", enc.Seq).Str("event_req", enc.RequestID).Msg("sse event")
}

// resubscribe follows a board restart by subscribing again after the last seq written, so the
// client sees neither a gap, a duplicate nor a second connected frame. Any other end of the
// subscription ends the stream: false.
func (st *stream) resubscribe() bool {
	reason := st.sub.Err()
	if reason != messages.EndRestarted || st.restarts >= maxRestarts || st.err != nil {
		st.log.Debug().Str("board", st.board).Str("reason", reason).Int64("seq", st.last).Msg("sse subscription ended")
		return false
	}
	st.restarts++
	st.s.cfg.Boards.Unsubscribe(st.sub)
	after := st.last
	sub, err := st.s.cfg.Boards.Subscribe(st.r.Context(), st.subscribe(&after))
	if err != nil {
		st.log.Debug().Err(err).Str("board", st.board).Msg("sse resubscribe failed")
		st.sub = nil
		return false
	}
	st.sub = sub
	st.arm()
	st.catchUp()
	st.flush()
	return st.err == nil
}

func (st *stream) write(b []byte) {
	if st.err == nil {
		_, st.err = st.w.Write(b)
	}
}

func (st *stream) flush() {
	if st.err == nil {
		st.err = st.rc.Flush()
	}
}

// arm sets the write deadline of the next batch of writes.
func (st *stream) arm() {
	if st.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout)) == nil {
		st.armed = true
	}
}

// finish clears the write deadline of a connection that may serve further requests.
func (st *stream) finish() {
	if st.err != nil {
		st.log.Debug().Err(st.err).Str("board", st.board).Msg("sse write failed")
	} else if st.armed {
		_ = st.rc.SetWriteDeadline(time.Time{})
	}
}
