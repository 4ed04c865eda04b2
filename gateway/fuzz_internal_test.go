package gateway

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/taskboard/taskboard/messages"
)

// The decoders that take outside bytes, fuzzed: whatever comes in, they answer a value or a
// client error (bad_request or validation), never a panic or an internal error. The seeds run
// in every `go test`; `go test -fuzz=FuzzX ./gateway` explores further, and what it finds is
// kept under testdata/fuzz as regression seeds.

// clientError fails t unless err is nil or an error a client caused.
func clientError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *messages.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v is not a protocol error", what, err)
	}
	switch e.Code {
	case messages.CodeBadRequest, messages.CodeValidation, messages.CodeNotFound:
	default:
		t.Fatalf("%s: %v, want a client error", what, err)
	}
}

func FuzzResumePoints(f *testing.F) {
	for _, s := range []string{"0", "42", "-1", "", " 7", "1e3", "9223372036854775807", "9223372036854775808", "0x10", "٣"} {
		f.Add(s)
	}
	s := &Server{cfg: Config{LongPollTimeout: DefaultLongPollTimeout}}
	f.Fuzz(func(t *testing.T, v string) {
		if n, err := parseSeq(v, "since"); err == nil && *n < 0 {
			t.Fatalf("parseSeq(%q) = %d", v, *n)
		} else {
			clientError(t, "parseSeq", err)
		}
		r := httptest.NewRequest("GET", "/boards/b/events?lastEventId="+url.QueryEscape(v)+"&timeout="+url.QueryEscape(v), nil)
		if p, err := resumePoint(r); err == nil && p != nil && *p < 0 {
			t.Fatalf("resumePoint(%q) = %d", v, *p)
		} else {
			clientError(t, "resumePoint", err)
		}
		if d, err := s.pollTimeout(r); err == nil && (d < time.Second || d > DefaultLongPollTimeout) {
			t.Fatalf("pollTimeout(%q) = %s", v, d)
		} else {
			clientError(t, "pollTimeout", err)
		}
	})
}

func FuzzWebSocketMessages(f *testing.F) {
	for _, s := range []string{
		`{"type":"create_task","requestId":"r1","listId":"list-todo","title":"x"}`,
		`{"type":"update_task","requestId":"r2","taskId":"task-1","title":null,"ifMatch":3}`,
		`{"type":"move_task","requestId":"r3","taskId":"task-1","listId":"list-done","position":-1}`,
		`{"type":"delete_task","requestId":"r4","taskId":"task-1","clientMutationId":5}`,
		`{"type":"join","boardId":"board-1","lastSeq":"x"}`,
		`{"type":"cursor","boardId":"board-1","x":1e309}`,
		`[1,2]`, `{"type":"create_task","requestId":"r5","title":"\u0000"}`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	c := &wsConn{userID: "user-alice"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in wsIn
		if err := decodeWS(gws.OpcodeText, data, &in); err != nil {
			clientError(t, "decode", err)
			return
		}
		switch in.Type {
		case "create_task", "update_task", "move_task", "delete_task":
		default:
			return
		}
		cmd, err := c.taskCommand("req", in, data)
		if err != nil {
			clientError(t, "taskCommand", err)
			return
		}
		if v, ok := cmd.(interface{ Validate() error }); ok {
			clientError(t, "validate", v.Validate())
		}
	})
}
