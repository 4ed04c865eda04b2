package gateway_test

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

// A page on another site cannot act for a logged-in browser: its state-changing requests and
// WebSocket upgrades carry the cookie and a foreign Origin, and are refused. Reads are not
// (the browser does not let the page see the answer), nor requests with a bearer token (no
// browser attaches one by itself), nor requests without Origin (scripts).
func TestCrossSiteRequests(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.AllowedOrigins = []string{"https://App.example.com/"} })
	res := e.anon().do(t, "POST", "/auth/login", map[string]string{"email": "alice@example.com", "password": persistence.DemoPassword})
	res.want(t, http.StatusOK)
	cookie := "session=" + sessionCookie(t, res).Value
	bearer := e.as(t, "alice")
	browser := e.anon()
	upgrade := []string{"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}
	task := map[string]string{"listId": "list-todo", "title": "x"}
	for _, tc := range []struct {
		name         string
		c            *client
		method, path string
		body         any
		header       []string
		want         int
	}{
		{"POST from a foreign site", browser, "POST", "/tasks", task, []string{"Cookie", cookie, "Origin", "https://evil.example"}, 403},
		{"PATCH from a foreign site", browser, "PATCH", "/tasks/task-1", map[string]string{"title": "pwned"}, []string{"Cookie", cookie, "Origin", "https://evil.example"}, 403},
		{"DELETE from a foreign site", browser, "DELETE", "/boards/board-1", nil, []string{"Cookie", cookie, "Origin", "https://evil.example"}, 403},
		{"POST from an opaque origin", browser, "POST", "/tasks", task, []string{"Cookie", cookie, "Origin", "null"}, 403},
		{"POST from the same host on another port", browser, "POST", "/tasks", task, []string{"Cookie", cookie, "Origin", "http://127.0.0.1:1"}, 403},
		{"POST from the same host over another scheme", browser, "POST", "/tasks", task, []string{"Cookie", cookie, "Origin", "https://" + strings.TrimPrefix(e.srv.URL, "http://")}, 403},
		{"upgrade from a foreign site", browser, "GET", "/me", nil, append([]string{"Cookie", cookie, "Origin", "https://evil.example"}, upgrade...), 403},
		{"login from a foreign site", browser, "POST", "/auth/login", map[string]string{"email": "bob@example.com", "password": persistence.DemoPassword}, []string{"Origin", "https://evil.example"}, 403},
		{"register from a foreign site", browser, "POST", "/auth/register", map[string]string{"email": "x@example.com", "name": "X", "password": "long enough"}, []string{"Origin", "https://evil.example"}, 403},

		{"POST from the same origin", browser, "POST", "/tasks", task, []string{"Cookie", cookie, "Origin", e.srv.URL}, 201},
		{"POST from an allowed origin", browser, "POST", "/tasks", task, []string{"Cookie", cookie, "Origin", "https://app.example.com"}, 201},
		{"POST without Origin", browser, "POST", "/tasks", task, []string{"Cookie", cookie}, 201},
		{"upgrade from the same origin", browser, "GET", "/me", nil, append([]string{"Cookie", cookie, "Origin", e.srv.URL}, upgrade...), 200},
		{"GET from a foreign site", browser, "GET", "/me", nil, []string{"Cookie", cookie, "Origin", "https://evil.example"}, 200},
		{"bearer POST from a foreign site", bearer, "POST", "/tasks", task, []string{"Origin", "https://evil.example"}, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.c.do(t, tc.method, tc.path, tc.body, tc.header...)
			if tc.want == http.StatusForbidden {
				res.wantError(t, http.StatusForbidden, messages.CodeForbidden)
				return
			}
			res.want(t, tc.want)
		})
	}
	// Nothing refused changed the board.
	var snap messages.Snapshot
	bearer.do(t, "GET", "/boards/board-1", nil).decode(t, &snap)
	if snap.Seq != 4 || snap.Board.Name != "Launch" {
		t.Fatalf("board-1 at seq %d named %q, want the 4 accepted tasks only", snap.Seq, snap.Board.Name)
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://App.Example.com/": "https://app.example.com",
		"http://localhost:3000":    "http://localhost:3000",
	} {
		if got, err := gateway.NormalizeOrigin(in); err != nil || got != want {
			t.Errorf("NormalizeOrigin(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "app.example.com", "https://app.example.com/path", "ftp://x", "https://", "*"} {
		if got, err := gateway.NormalizeOrigin(bad); err == nil {
			t.Errorf("NormalizeOrigin(%q) = %q, want an error", bad, got)
		}
	}
}

func TestLoginThrottling(t *testing.T) {
	attempt := func(e *env, email, password string) *response {
		return e.anon().do(t, "POST", "/auth/login", map[string]string{"email": email, "password": password})
	}
	wantLimited := func(t *testing.T, res *response) {
		t.Helper()
		res.wantError(t, http.StatusTooManyRequests, messages.CodeRateLimited)
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Fatalf("Retry-After %q, want whole seconds", res.Header.Get("Retry-After"))
		}
	}
	t.Run("per account", func(t *testing.T) {
		e := newServer(t, func(c *gateway.Config) { c.LoginPerAccount = gateway.RateLimit{Every: time.Hour, Burst: 3} })
		session := e.as(t, "alice") // one attempt
		attempt(e, "alice@example.com", "wrong").want(t, http.StatusUnauthorized)
		attempt(e, "ALICE@example.com", "wrong").want(t, http.StatusUnauthorized)
		res := attempt(e, "alice@example.com", persistence.DemoPassword)
		wantLimited(t, res)
		if s, _ := strconv.Atoi(res.Header.Get("Retry-After")); s < 3000 {
			t.Fatalf("Retry-After %d s, want about an hour", s)
		}
		wantLimited(t, session.do(t, "POST", "/me/password", map[string]string{"currentPassword": "guess", "newPassword": "guess guess"}))
		// Another account, from the same address, is not held back.
		attempt(e, "bob@example.com", persistence.DemoPassword).want(t, http.StatusOK)
		// An unknown email is limited just the same: the answers tell nothing apart.
		for range 3 {
			attempt(e, "mallory@example.com", "wrong").want(t, http.StatusUnauthorized)
		}
		wantLimited(t, attempt(e, "mallory@example.com", "wrong"))
	})
	t.Run("per address", func(t *testing.T) {
		e := newServer(t, func(c *gateway.Config) { c.LoginPerIP = gateway.RateLimit{Every: time.Hour, Burst: 3} })
		for _, who := range []string{"alice", "bob", "carol"} {
			attempt(e, who+"@example.com", "wrong").want(t, http.StatusUnauthorized)
		}
		wantLimited(t, attempt(e, "dave@example.com", "wrong"))
		wantLimited(t, attempt(e, "alice@example.com", persistence.DemoPassword))
		// Registering costs a password hash too.
		wantLimited(t, e.anon().do(t, "POST", "/auth/register", map[string]string{"email": "erin@example.com", "name": "Erin", "password": "long enough"}))
	})
}

// An unknown email and a wrong password take about the same time at the real argon2id costs:
// both check one hash. The tries alternate, so that load on the machine hits both alike, and
// the bound is loose (medians within 3x) so that it cannot flake; skipping the hash for an
// unknown email makes it some hundred times faster and fails it.
func TestLoginTimingDoesNotTellEmailsApart(t *testing.T) {
	e := startServerDB(t, filepath.Join(t.TempDir(), "taskboard.db"), persistence.Options{HashParams: persistence.DefaultHashParams()})
	timed := func(email string) time.Duration {
		start := time.Now()
		e.anon().do(t, "POST", "/auth/login", map[string]string{"email": email, "password": "not the password"}).
			want(t, http.StatusUnauthorized)
		return time.Since(start)
	}
	timed("alice@example.com") // warm up connections and caches
	var wrong, unknown []time.Duration
	for range 7 {
		wrong = append(wrong, timed("alice@example.com"))
		unknown = append(unknown, timed("mallory@example.com"))
	}
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	w, u := median(wrong), median(unknown)
	if ratio := float64(max(w, u)) / float64(min(w, u)); ratio > 3 {
		t.Fatalf("median wrong password %s, unknown email %s: ratio %.1f, want within 3x", w, u, ratio)
	}
	t.Logf("median wrong password %s, unknown email %s", w, u)
}

// TestHostileStrings: a control character or invalid UTF-8 in an id, a name or a key is a
// clear 400 or 404 on every route, never a 500 or a board that looks broken; the board goes on
// serving after it.
func TestHostileStrings(t *testing.T) {
	e := newServer(t)
	alice := e.as(t, "alice")
	for _, tc := range []struct {
		name         string
		method, path string
		body         any
		header       []string
		status       int
	}{
		{"NUL in a board id", "GET", "/boards/board-1%00", nil, nil, 404},
		{"NUL in a board id, SSE", "GET", "/boards/board-1%00/events", nil, nil, 404},
		{"NUL in a board id, poll", "GET", "/boards/board-1%00/updates?since=0", nil, nil, 404},
		{"NUL in a task id", "PATCH", "/tasks/task-1%00", map[string]string{"title": "x"}, nil, 404},
		{"escape in a list id", "DELETE", "/lists/list-todo%1b", nil, nil, 404},
		{"NUL in a member id", "DELETE", "/boards/board-1/members/user-bob%00", nil, nil, 404},
		{"NUL in a token id", "DELETE", "/me/tokens/tok%00", nil, nil, 404},
		{"NUL in a body list id", "POST", "/tasks", map[string]string{"listId": "list-todo\x00", "title": "x"}, nil, 400},
		{"NUL in a title", "POST", "/tasks", map[string]string{"listId": "list-todo", "title": "a\x00b"}, nil, 400},
		{"NUL in an assignee", "PATCH", "/tasks/task-1", map[string]any{"assigneeId": "user-bob\x00"}, nil, 400},
		{"NUL in a list name", "POST", "/boards/board-1/lists", map[string]string{"name": "x\x00"}, nil, 400},
		{"NUL in a board name", "PATCH", "/boards/board-1", map[string]string{"name": "x\x00"}, nil, 400},
		{"NUL in a member email", "POST", "/boards/board-1/members", map[string]string{"email": "bob\x00@example.com", "role": "viewer"}, nil, 400},
		{"NUL in an idempotency key", "POST", "/tasks", map[string]string{"listId": "list-todo", "title": "x", "clientMutationId": "k\x00"}, nil, 400},
		{"padded description", "PATCH", "/tasks/task-1", map[string]any{"description": "x" + strings.Repeat(" ", messages.MaxDescription)}, nil, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := alice.do(t, tc.method, tc.path, tc.body, tc.header...)
			code := messages.CodeNotFound
			if tc.status == 400 {
				code = messages.CodeValidation
			}
			res.wantError(t, tc.status, code)
		})
	}
	anon := e.anon()
	anon.do(t, "POST", "/auth/login", map[string]string{"email": "alice@example.com\x00", "password": persistence.DemoPassword}).
		wantError(t, http.StatusUnauthorized, messages.CodeUnauthorized)
	anon.do(t, "POST", "/auth/register", map[string]string{"email": "eve@example.com", "name": "Eve\x00", "password": "long enough"}).
		wantError(t, http.StatusBadRequest, messages.CodeValidation)
	// The board still answers, and nothing was written.
	var snap messages.Snapshot
	alice.do(t, "GET", "/boards/board-1", nil).decode(t, &snap)
	if snap.Seq != 0 || len(snap.Tasks) != 4 {
		t.Fatalf("board-1 after the hostile requests: seq %d, %d tasks; want seq 0 and 4 tasks", snap.Seq, len(snap.Tasks))
	}
}

// TestHostileStringsOverWebSocket: the same rules over WebSocket, answered with error frames on
// a connection that stays open.
func TestHostileStringsOverWebSocket(t *testing.T) {
	e := newServer(t)
	p := e.as(t, "alice").ws(t, gwsLib)
	for _, tc := range []struct {
		msg  map[string]any
		code string
	}{
		{map[string]any{"type": "join", "boardId": "board-1\x00"}, "not_found"},
		{map[string]any{"type": "typing", "boardId": "board-1", "taskId": "task-1\x1b"}, "validation"},
		{map[string]any{"type": "update_task", "requestId": "r-1", "taskId": "task-1", "title": "a\x00"}, "validation"},
		{map[string]any{"type": "create_task", "requestId": "r\x00", "listId": "list-todo", "title": "x"}, "validation"},
	} {
		p.send(t, tc.msg)
		if m := expect(t, p, "error"); m.Code != tc.code {
			t.Fatalf("%v: error %q, want %q", tc.msg, m.Code, tc.code)
		}
	}
	p.send(t, map[string]any{"type": "ping"})
	expect(t, p, "pong")
}

// TestConnectionsThatNeverFinish: a request that declares a body it never sends, or sends half
// of one, is cut off within the read timeout, before authentication; a body on a method that
// takes none is refused at once instead of waited for.
func TestConnectionsThatNeverFinish(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.ReadTimeout = 300 * time.Millisecond })
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	exchange := func(raw string) (string, time.Duration) {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		if _, err := conn.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		// The server must answer and close, or just close: either ends this read.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(conn)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%q: the connection was still open after 10 s", raw)
		}
		return string(got), time.Since(start)
	}
	answer, _ := exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n")
	if !strings.HasPrefix(answer, "HTTP/1.1 400") || !strings.Contains(answer, "takes no request body") {
		t.Fatalf("GET with a body that never comes: %q, want 400 at once", answer)
	}
	for _, raw := range []string{
		"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
		"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
		"PATCH /tasks/task-1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nobody\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ti",
	} {
		if answer, took := exchange(raw); strings.HasPrefix(answer, "HTTP/1.1 2") {
			t.Fatalf("%q answered %q after %s", raw, answer, took)
		}
	}
	// The server still answers everyone else.
	e.anon().do(t, "GET", "/healthz", nil).want(t, http.StatusOK)
}
