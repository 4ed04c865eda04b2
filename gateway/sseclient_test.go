package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taskboard/taskboard/messages"
)

// sseFrame is one parsed piece of an event stream: an event (ID, Event, Data, Retry) or a
// comment line on its own.
type sseFrame struct {
	ID, Event, Data, Retry string
	Comment                string
}

// sseStream is a real SSE client reading a text/event-stream body.
type sseStream struct {
	*http.Response
	Header http.Header
	ReqID  string
	frames chan sseFrame
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	err    error // why reading ended (nil: the server ended the stream); set before done closes
}

// stream opens an event stream at path and fails unless it answers 200.
func (c *client) stream(t *testing.T, path string, header ...string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req := c.request(t, ctx, "GET", path, nil, header...)
	resp, err := c.e.srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, b)
	}
	s := &sseStream{
		Response: resp, Header: resp.Header, ReqID: resp.Header.Get("X-Request-Id"),
		frames: make(chan sseFrame, 1024), ctx: ctx, cancel: cancel, done: make(chan struct{}),
	}
	go s.read(resp.Body)
	t.Cleanup(s.close)
	return s
}

func (s *sseStream) read(body io.ReadCloser) {
	defer close(s.done)
	defer close(s.frames)
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var f sseFrame
	var data []string
	pending := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if pending {
				f.Data = strings.Join(data, "\n")
				if !s.send(f) {
					return
				}
			}
			f, data, pending = sseFrame{}, nil, false
		case strings.HasPrefix(line, ":"):
			if !s.send(sseFrame{Comment: strings.TrimSpace(line[1:])}) {
				return
			}
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			pending = true
			switch field {
			case "id":
				f.ID = value
			case "event":
				f.Event = value
			case "data":
				data = append(data, value)
			case "retry":
				f.Retry = value
			}
		}
	}
	s.err = sc.Err()
}

func (s *sseStream) send(f sseFrame) bool {
	select {
	case s.frames <- f:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// close disconnects the client and waits for its reader to stop.
func (s *sseStream) close() {
	s.cancel()
	within(s.done)
}

// next returns the next frame, comments included.
func (s *sseStream) next(t *testing.T) sseFrame {
	t.Helper()
	select {
	case f, ok := <-s.frames:
		if !ok {
			t.Fatalf("stream ended (%v), want a frame", s.err)
		}
		return f
	case <-time.After(wait):
		t.Fatalf("no frame within %s", wait)
	}
	panic("unreachable")
}

// nextEvent returns the next frame that is not a comment.
func (s *sseStream) nextEvent(t *testing.T) sseFrame {
	t.Helper()
	for {
		if f := s.next(t); f.Comment == "" {
			return f
		}
	}
}

// event returns the next board event, checking that its frame's id and event match its JSON.
func (s *sseStream) event(t *testing.T) messages.Event {
	t.Helper()
	f := s.nextEvent(t)
	var ev messages.Event
	if err := json.Unmarshal([]byte(f.Data), &ev); err != nil {
		t.Fatalf("event data %q: %v", f.Data, err)
	}
	if f.ID != fmt.Sprint(ev.Seq) || f.Event != string(ev.Type) || ev.Seq == 0 {
		t.Fatalf("frame id %q event %q, data %s: want id = seq and event = type", f.ID, f.Event, f.Data)
	}
	return ev
}

// connected reads the opening frame and returns its seq.
func (s *sseStream) connected(t *testing.T, boardID string) int64 {
	t.Helper()
	f := s.nextEvent(t)
	var c struct {
		Type    string `json:"type"`
		BoardID string `json:"boardId"`
		Seq     int64  `json:"seq"`
	}
	if err := json.Unmarshal([]byte(f.Data), &c); err != nil {
		t.Fatalf("connected data %q: %v", f.Data, err)
	}
	if f.Retry != "3000" || f.ID != "" || f.Event != "" || c.Type != "connected" || c.BoardID != boardID {
		t.Fatalf("opening frame %+v, want retry 3000 and a connected frame for %s", f, boardID)
	}
	return c.Seq
}

// awaitEnd waits for the server to end the stream, discarding what comes before.
func (s *sseStream) awaitEnd(t *testing.T) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case _, ok := <-s.frames:
			if !ok {
				if s.err != nil {
					t.Fatalf("stream ended with %v, want a clean end", s.err)
				}
				return
			}
		case <-timeout:
			t.Fatalf("stream still open after %s", wait)
		}
	}
}
