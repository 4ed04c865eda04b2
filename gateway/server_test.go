package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
)

func TestStatusOf(t *testing.T) {
	for code, want := range map[messages.Code]int{
		messages.CodeBadRequest:         400,
		messages.CodeValidation:         400,
		messages.CodeUnauthorized:       401,
		messages.CodeForbidden:          403,
		messages.CodeNotFound:           404,
		messages.CodeConflict:           409,
		messages.CodePreconditionFailed: 412,
		messages.CodeTooLarge:           413,
		messages.CodeRateLimited:        429,
		messages.CodeUnavailable:        503,
		messages.CodeInternal:           500,
		"something_else":                500,
	} {
		if got := gateway.StatusOf(code); got != want {
			t.Errorf("StatusOf(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestRouting(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	for _, path := range []string{"/nowhere", "/boards/", "/tasks/task-1/elsewhere"} {
		body := alice.do(t, "GET", path, nil).wantError(t, http.StatusNotFound, messages.CodeNotFound)
		if body.Error.Message != "no such endpoint" {
			t.Fatalf("GET %s: %+v", path, body.Error)
		}
	}
	res := alice.do(t, "PUT", "/tasks/task-1", `{}`)
	res.wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := res.Header.Get("Allow"); !strings.Contains(allow, "PATCH") || !strings.Contains(allow, "DELETE") {
		t.Fatalf("Allow %q, want the task's methods", allow)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Fatal("405 without X-Request-Id")
	}
}

func TestRequestID(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	res := alice.do(t, "GET", "/boards", nil, "X-Request-Id", "my trace/42")
	if got := res.Header.Get("X-Request-Id"); got != "my trace/42" {
		t.Fatalf("X-Request-Id %q, want ours", got)
	}
	line := e.logs.await(t, map[string]any{"req": "my trace/42", "message": "request"})
	want := map[string]any{"method": "GET", "path": "/boards", "status": float64(200), "user": "user-alice"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("access log %s = %v, want %v", k, line[k], v)
		}
	}
	if line["bytes"].(float64) != float64(len(res.Body)) || line["duration"] == nil {
		t.Errorf("access log %v: want bytes %d and a duration", line, len(res.Body))
	}

	for _, bad := range []string{"", strings.Repeat("a", 129), "caf\u00e9"} {
		res := alice.do(t, "GET", "/boards", nil, "X-Request-Id", bad)
		got := res.Header.Get("X-Request-Id")
		if got == bad || len(got) != 26 {
			t.Fatalf("incoming %q: X-Request-Id %q, want a generated ULID", bad, got)
		}
	}
	// Every answer has one, errors included.
	for _, res := range []*response{
		e.anon().do(t, "GET", "/boards", nil),
		alice.do(t, "POST", "/tasks", "{"),
		e.anon().do(t, "GET", "/healthz", nil),
	} {
		if res.Header.Get("X-Request-Id") == "" {
			t.Fatalf("status %d without X-Request-Id", res.Status)
		}
	}
}

func TestMalformedBodies(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	for _, body := range []string{"", "{", `{"listId":"list-todo","title":5}`, `[1]`, `{} {}`, `nul`} {
		res := alice.do(t, "POST", "/tasks", body)
		res.wantError(t, http.StatusBadRequest, messages.CodeBadRequest)
	}
	alice.do(t, "PATCH", "/tasks/task-1", "").wantError(t, http.StatusBadRequest, messages.CodeBadRequest)
	// Unknown fields are ignored.
	alice.do(t, "POST", "/tasks", `{"listId":"list-todo","title":"ok","colour":"red"}`).want(t, http.StatusCreated)
}

func TestBodyTooLarge(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	huge := `{"listId":"list-todo","title":"x","description":"` + strings.Repeat("a", 1<<20) + `"}`
	alice.do(t, "POST", "/tasks", huge).wantError(t, http.StatusRequestEntityTooLarge, messages.CodeTooLarge)
	padded := `{"listId":"list-todo","title":"x"}` + strings.Repeat(" ", 1<<20)
	alice.do(t, "POST", "/tasks", padded).wantError(t, http.StatusRequestEntityTooLarge, messages.CodeTooLarge)
	// Just under the limit is only too long a description.
	fits := `{"listId":"list-todo","title":"x","description":"` + strings.Repeat("a", 1<<19) + `"}`
	alice.do(t, "POST", "/tasks", fits).wantError(t, http.StatusBadRequest, messages.CodeValidation)
}

func TestHealth(t *testing.T) {
	e := newServer(t)
	for path, want := range map[string]string{"/healthz": `{"status":"ok"}`, "/readyz": `{"status":"ready"}`} {
		res := e.anon().do(t, "GET", path, nil)
		res.want(t, http.StatusOK)
		if strings.TrimSpace(string(res.Body)) != want {
			t.Fatalf("%s: %s, want %s", path, res.Body, want)
		}
	}
	e.gw.Close()
	res := e.anon().do(t, "GET", "/readyz", nil)
	res.wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	e.anon().do(t, "GET", "/healthz", nil).want(t, http.StatusOK)

	down := newServer(t, func(c *gateway.Config) {
		c.Ready = func(context.Context) error { return errors.New("disk on fire") }
	})
	res = down.anon().do(t, "GET", "/readyz", nil)
	res.wantError(t, http.StatusServiceUnavailable, messages.CodeUnavailable)
	if strings.Contains(string(res.Body), "fire") {
		t.Fatalf("readyz leaks the cause: %s", res.Body)
	}
}

// brokenBoards fails ListBoards the way a test asks.
type brokenBoards struct {
	gateway.Boards
	fail func() error
}

func (b brokenBoards) Do(ctx context.Context, cmd messages.Command) (messages.Result, error) {
	if _, ok := cmd.(messages.ListBoards); ok {
		return messages.Result{}, b.fail()
	}
	return b.Boards.Do(ctx, cmd)
}

func TestInternalErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fail   func() error
		status int
		code   messages.Code
		log    string
	}{
		{"error", func() error { return fmt.Errorf("query boards: %w", errors.New("secret SQL detail")) }, 500, messages.CodeInternal, "internal error"},
		{"internal code", func() error { return messages.Errorf(messages.CodeInternal, "secret SQL detail") }, 500, messages.CodeInternal, "internal error"},
		{"panic", func() error { panic("secret SQL detail") }, 500, messages.CodeInternal, "handler panicked"},
		{"timeout", func() error { return fmt.Errorf("ask: %w", context.DeadlineExceeded) }, 503, messages.CodeUnavailable, "board did not answer in time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newServer(t, func(c *gateway.Config) { c.Boards = brokenBoards{Boards: c.Boards, fail: tc.fail} })
			res := e.as(t, "alice").do(t, "GET", "/boards", nil, "X-Request-Id", "broken-1")
			body := res.wantError(t, tc.status, tc.code)
			if strings.Contains(string(res.Body), "secret") {
				t.Fatalf("answer leaks the cause: %s", res.Body)
			}
			if tc.code == messages.CodeInternal {
				if diff := cmp.Diff(messages.Error{Code: "internal", Message: "internal error"}, body.Error); diff != "" {
					t.Fatalf("body (-want +got):\n%s", diff)
				}
			}
			e.logs.await(t, map[string]any{"req": "broken-1", "message": "request", "status": tc.status})
			if lines := e.logs.all(map[string]any{"req": "broken-1", "message": tc.log}); len(lines) != 1 {
				t.Fatalf("%d %q log lines, want exactly one", len(lines), tc.log)
			}
		})
	}
}
