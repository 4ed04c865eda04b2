package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// pollBuffer bounds a long poll's live queue: it answers with the first events anyway.
const pollBuffer = 64

// maxPollEvents bounds one poll answer; a client behind by more polls again from the seq of
// the last event it got.
const maxPollEvents = 500

// pollAnswer is a poll's answer: the events after since (their JSON), and seq, the last seq
// included, or the board's seq when there is none.
type pollAnswer struct {
	Data    []json.RawMessage `json:"data"`
	Seq     int64             `json:"seq"`
	Timeout bool              `json:"timeout,omitempty"`
}

// resyncAnswer tells a poller that since is too old or ahead of the board: reload the snapshot.
type resyncAnswer struct {
	Resync bool  `json:"resync"`
	Seq    int64 `json:"seq"`
}

// longPoll answers GET /boards/{boardId}/poll?since=<seq>&timeout=<seconds>: at once when
// events after since exist, else with the first events to come, or {data:[], seq, timeout:true}
// after the timeout. Without since it waits for the next event. On Server.Close it answers
// {data:[], seq} at once. Beyond cfg.MaxLongPolls waiting polls it answers 503.
func (s *Server) longPoll(w http.ResponseWriter, r *http.Request) error {
	since, err := optionalSeq(r, "since")
	if err != nil {
		return err
	}
	timeout, err := s.pollTimeout(r)
	if err != nil {
		return err
	}
	if s.closed() {
		return messages.Errorf(messages.CodeUnavailable, "shutting down")
	}
	select {
	case s.polls <- struct{}{}:
		defer func() { <-s.polls }()
	default:
		return messages.Errorf(messages.CodeUnavailable, "too many waiting polls, retry")
	}
	admitted, err := s.admitLive(r, TransportLongPoll)
	if err != nil {
		return err
	}
	r, done := s.hold(r, admitted) // revoking the credential answers the poll
	defer done()
	// A poll answers at once when there is a replay, so reading more than it sends is waste.
	c := messages.Subscribe{Meta: readMeta(r), BoardID: r.PathValue("boardId"), After: since, Limit: maxPollEvents, Live: true, Buffer: pollBuffer}
	sub, err := s.cfg.Boards.Subscribe(r.Context(), c)
	if err != nil {
		return err
	}
	defer s.cfg.Boards.Unsubscribe(sub)
	if sub.Resync || len(sub.Replay) > 0 {
		s.writePoll(w, r, sub, sub.Replay, false, TransportLongPoll)
		return nil
	}
	defer s.track(sub.BoardID, TransportLongPoll)()
	logFrom(r.Context()).Debug().Str("board", sub.BoardID).Int64("seq", sub.Seq).Dur("timeout", timeout).Msg("long poll waiting")
	events, timedOut, err := s.wait(r.Context(), sub, timeout)
	if err != nil {
		return err
	}
	s.writePoll(w, r, sub, events, timedOut, TransportLongPoll)
	return nil
}

// wait returns the first live events of sub: the first one and whatever is queued behind it.
// timedOut is set when none came within timeout; the client going away, Server.Close and the
// end of the subscription answer no events at once. A revoked or expired credential is
// unauthorized, and a subscription the board revoked (the user is no longer a member) is
// not_found, as the next poll would be.
func (s *Server) wait(ctx context.Context, sub *messages.Subscription, timeout time.Duration) (events []messages.Encoded, timedOut bool, err error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case enc, ok := <-sub.Events:
		if !ok {
			if sub.Err() == messages.EndRevoked {
				return nil, false, messages.NotFound("board")
			}
			return nil, false, nil
		}
		events = append(events, *enc)
	case <-timer.C:
		return nil, true, nil
	case <-ctx.Done():
		return nil, false, credentialEnded(ctx)
	case <-s.closing:
		return nil, false, nil
	}
	for {
		select {
		case enc, ok := <-sub.Events:
			if !ok {
				return events, false, nil
			}
			events = append(events, *enc)
		default:
			return events, false, nil
		}
	}
}

// shortPoll answers GET /boards/{boardId}/updates?since=<seq> at once: the events after since
// (none without since), or a resync.
func (s *Server) shortPoll(w http.ResponseWriter, r *http.Request) error {
	since, err := optionalSeq(r, "since")
	if err != nil {
		return err
	}
	c := messages.Subscribe{Meta: readMeta(r), BoardID: r.PathValue("boardId"), After: since, Limit: maxPollEvents}
	sub, err := s.cfg.Boards.Subscribe(r.Context(), c)
	if err != nil {
		return err
	}
	defer s.cfg.Boards.Unsubscribe(sub)
	s.writePoll(w, r, sub, sub.Replay, false, TransportShortPoll)
	return nil
}

// writePoll answers a poll with at most maxPollEvents events, or with a resync when sub asks
// for one, and logs each delivery with the request id of the change that caused it.
func (s *Server) writePoll(w http.ResponseWriter, r *http.Request, sub *messages.Subscription, events []messages.Encoded, timedOut bool, transport string) {
	if sub.Resync {
		writeJSON(w, http.StatusOK, resyncAnswer{Resync: true, Seq: sub.Seq})
		return
	}
	events = events[:min(len(events), maxPollEvents)]
	answer := pollAnswer{Data: make([]json.RawMessage, 0, len(events)), Seq: sub.Seq, Timeout: timedOut}
	log := logFrom(r.Context())
	for _, enc := range events {
		answer.Data = append(answer.Data, json.RawMessage(enc.JSON))
		answer.Seq = enc.Seq
		log.Debug().Str("board", sub.BoardID).Int64("seq", enc.Seq).Str("event_req", enc.RequestID).Msg("poll event")
	}
	writeJSON(w, http.StatusOK, answer)
	for _, enc := range events {
		s.obs.Delivered(transport, enc.Committed)
	}
}

// pollTimeout returns how long a long poll waits: ?timeout= in whole seconds, at least 1,
// capped at cfg.LongPollTimeout, which is also the default.
func (s *Server) pollTimeout(r *http.Request) (time.Duration, error) {
	if !r.URL.Query().Has("timeout") {
		return s.cfg.LongPollTimeout, nil
	}
	n, err := strconv.ParseInt(r.URL.Query().Get("timeout"), 10, 64)
	if err != nil || n < 1 {
		return 0, messages.Errorf(messages.CodeValidation, "timeout must be a whole number of seconds, at least 1").Field("timeout", "format")
	}
	if d := time.Duration(n) * time.Second; n < int64(s.cfg.LongPollTimeout/time.Second) {
		return d, nil
	}
	return s.cfg.LongPollTimeout, nil
}

// optionalSeq parses the query parameter name as a seq; nil when absent.
func optionalSeq(r *http.Request, name string) (*int64, error) {
	if !r.URL.Query().Has(name) {
		return nil, nil
	}
	return parseSeq(r.URL.Query().Get(name), name)
}

// parseSeq parses an event number: a whole number, 0 or more.
func parseSeq(v, field string) (*int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, messages.Errorf(messages.CodeValidation, "%s must be an event number (0 or more)", field).Field(field, "format")
	}
	return &n, nil
}
