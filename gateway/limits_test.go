package gateway_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taskboard/taskboard/gateway"
)

// liveConn opens a live connection of kind (sse, websocket, longpoll) as token over raw TCP
// and returns it with the status the server answered (a long poll's, 0: it waits). The
// connection stays open until the test ends.
func liveConn(t *testing.T, e *env, token, kind string) (net.Conn, int) {
	t.Helper()
	host := strings.TrimPrefix(e.srv.URL, "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	auth := "Host: " + host + "\r\nAuthorization: Bearer " + token + "\r\n"
	req := map[string]string{
		"sse":       "GET /boards/board-1/events HTTP/1.1\r\n" + auth + "\r\n",
		"websocket": "GET /ws HTTP/1.1\r\n" + auth + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		"longpoll":  "GET /boards/board-1/poll?timeout=20 HTTP/1.1\r\n" + auth + "\r\n",
	}[kind]
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() && kind == "longpoll" {
			return c, 0 // waiting, as a long poll does
		}
		t.Fatalf("%s: %v", kind, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: 429 without Retry-After", kind)
	}
	return c, resp.StatusCode
}

// TestLiveConnectionCaps: one user, or one address, holds at most its cap of live
// connections, whatever their kind; past it each is refused with 429, and others are not
// affected. A connection that ends gives its place back.
func TestLiveConnectionCaps(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.MaxConnsPerUser, c.MaxConnsPerAddr = 3, 5 })
	alice, bob := e.as(t, "alice"), e.as(t, "bob")
	want := map[string]int{"sse": 200, "websocket": 101, "longpoll": 0}
	var held []net.Conn
	for _, kind := range []string{"sse", "websocket", "longpoll"} {
		c, status := liveConn(t, e, alice.token, kind)
		if status != want[kind] {
			t.Fatalf("Alice's %s within her cap: %d, want %d", kind, status, want[kind])
		}
		held = append(held, c)
	}
	for _, kind := range []string{"sse", "websocket", "longpoll"} {
		if _, status := liveConn(t, e, alice.token, kind); status != http.StatusTooManyRequests {
			t.Fatalf("Alice's %s past her cap: %d, want 429", kind, status)
		}
	}
	// REST is not capped, nor is another user.
	alice.do(t, "GET", "/boards/board-1", nil).want(t, http.StatusOK)
	for range 2 {
		if _, status := liveConn(t, e, bob.token, "sse"); status != http.StatusOK {
			t.Fatalf("Bob's stream while Alice is at her cap: %d", status)
		}
	}
	// Five from this address now: the address's cap refuses a sixth, of anyone.
	if _, status := liveConn(t, e, e.as(t, "carol").token, "sse"); status != http.StatusTooManyRequests {
		t.Fatalf("a sixth connection from one address: %d, want 429", status)
	}
	// Alice's stream ends: her place comes back.
	held[0].Close()
	deadline := time.Now().Add(wait)
	for {
		_, status := liveConn(t, e, alice.token, "sse")
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Alice's place did not come back after her stream ended: %d", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLiveConnectionsKeepAReserve: past the server-wide cap, live connections are refused with
// 503 while health checks, logins and REST go on.
func TestLiveConnectionsKeepAReserve(t *testing.T) {
	e := newServer(t, func(c *gateway.Config) { c.MaxConns = 2 })
	alice := e.as(t, "alice")
	for range 2 {
		if _, status := liveConn(t, e, alice.token, "sse"); status != http.StatusOK {
			t.Fatalf("a stream below the cap: %d", status)
		}
	}
	if _, status := liveConn(t, e, alice.token, "websocket"); status != http.StatusServiceUnavailable {
		t.Fatalf("a connection past the server's cap: %d, want 503", status)
	}
	e.anon().do(t, "GET", "/healthz", nil).want(t, http.StatusOK)
	e.as(t, "bob").do(t, "GET", "/boards/board-1", nil).want(t, http.StatusOK)
}
