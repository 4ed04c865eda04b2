package gateway_test

import (
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
