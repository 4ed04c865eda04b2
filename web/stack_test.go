package web_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/internal/stacktest"
	"github.com/taskboard/taskboard/persistence"
	"github.com/taskboard/taskboard/web"
)

// stack is the real server with the embedded UI (internal/stacktest): SQLite in a temp file,
// the board actors and the gateway, listening on a loopback port that survives a restart.
type stack struct {
	*stacktest.Server
	t testing.TB
}

// newStack starts a server on a fresh demo database; cleanup stops it. Tests register it
// before they open pages, so that the pages (whose cleanup runs first) have closed their
// streams by the time the server drains.
func newStack(t testing.TB) *stack {
	t.Helper()
	t.Cleanup(client.CloseIdleConnections) // after the server has stopped
	return &stack{t: t, Server: stacktest.Start(t, stacktest.Options{Gateway: func(c *gateway.Config) {
		c.Logger = zerolog.Nop()
		c.AllowSignup = true
		c.UI = web.Dist()
	}})}
}

// login returns a session token of a demo user ("alice", "bob", "carol").
func (s *stack) login(who string) string {
	s.t.Helper()
	var sess struct{ Token string }
	s.api("", "POST", "/auth/login", map[string]string{"email": who + "@example.com", "password": persistence.DemoPassword}, http.StatusOK, &sess)
	return sess.Token
}

// api sends a request as the holder of token and decodes the answer into out, failing the
// test unless the status is want.
func (s *stack) api(token, method, path string, body any, want int, out any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

// client is the tests' HTTP client; its idle connections are closed after each test so that
// goleak sees no stray goroutines.
var client = &http.Client{Transport: &http.Transport{}}

// titles returns how many tasks of board-1 have each title, as the server has them.
func (s *stack) titles(token string) map[string]int {
	s.t.Helper()
	var res struct {
		Data []struct{ Title string }
	}
	s.api(token, "GET", "/boards/board-1/tasks", nil, http.StatusOK, &res)
	n := map[string]int{}
	for _, task := range res.Data {
		n[task.Title]++
	}
	return n
}

// webSocket reports whether the server accepts a WebSocket handshake at GET /ws, and if not,
// what it answered instead. Anything but 101 Switching Protocols means no WebSocket.
func (s *stack) webSocket(token string) (bool, string) {
	s.t.Helper()
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	req, _ := http.NewRequest("GET", s.URL+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false, fmt.Sprintf("GET /ws failed: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return true, ""
	}
	return false, fmt.Sprintf("GET /ws with a WebSocket handshake answered %d, not 101", resp.StatusCode)
}

// requireWebSocket fails a test that needs the WebSocket endpoint when the server has none.
func requireWebSocket(t *testing.T, s *stack) {
	t.Helper()
	if ok, why := s.webSocket(s.login("alice")); !ok {
		t.Fatalf("needs the WebSocket endpoint (PROTOCOL.md, GET /ws): %s", why)
	}
}

// requireMembers fails a test that needs the members endpoints when the server has none.
func requireMembers(t *testing.T, s *stack) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/boards/board-1/members", nil)
	req.Header.Set("Authorization", "Bearer "+s.login("alice"))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET members: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		t.Fatalf("needs the members endpoints (PROTOCOL.md, GET /boards/{boardId}/members answered %d)", resp.StatusCode)
	}
}

// requireSearch fails a test that needs the search across boards when the server has none.
func requireSearch(t *testing.T, s *stack) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/search?q=logo", nil)
	req.Header.Set("Authorization", "Bearer "+s.login("alice"))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET /search: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("needs the search across boards (PROTOCOL.md v2, GET /search?q=logo answered %d)", resp.StatusCode)
	}
}
