package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/persistence"
)

// BenchmarkSSEFanOut measures one task creation, from the POST until each of n real SSE
// clients over loopback HTTP has read its event.
func BenchmarkSSEFanOut(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchSSEFanOut(b, n) })
	}
}

func benchSSEFanOut(b *testing.B, n int) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, token := benchServer(b)
	transport := &http.Transport{MaxIdleConnsPerHost: 4}
	received := make(chan struct{}, n)
	done := make(chan struct{}, n)
	for range n {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/boards/board-1/events", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := transport.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("stream: %v %v", err, resp)
		}
		connected := make(chan struct{})
		go func() {
			defer func() { done <- struct{}{} }()
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "retry:"):
					close(connected)
				case strings.HasPrefix(line, "id: "):
					received <- struct{}{}
				}
			}
		}()
		<-connected
	}
	body := []byte(`{"listId":"list-todo","title":"fan-out"}`)
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/tasks", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := transport.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusCreated {
			b.Fatalf("post: %v %v", err, resp)
		}
		resp.Body.Close()
		for range n {
			<-received
		}
	}
	b.StopTimer()
	cancel()
	for range n {
		<-done
	}
	transport.CloseIdleConnections()
}

// benchServer starts a real server on a demo database and logs in as alice.
func benchServer(b *testing.B) (*httptest.Server, string) {
	ctx := context.Background()
	db, err := persistence.Open(ctx, filepath.Join(b.TempDir(), "taskboard.db"), persistence.Options{HashParams: cheapHash})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	boards := actors.NewBoards(db, actors.Options{Logger: zerolog.Nop()})
	gw := gateway.New(gateway.Config{Logger: zerolog.Nop(), Boards: boards, Accounts: db, Ready: db.Ping})
	srv := httptest.NewServer(gw)
	b.Cleanup(func() {
		gw.Close()
		srv.Close()
		boards.Shutdown(ctx)
		db.Close()
	})
	resp, err := http.Post(srv.URL+"/auth/login", "application/json",
		strings.NewReader(`{"email":"alice@example.com","password":"taskboard-demo"}`))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var session struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&session); err != nil || session.Token == "" {
		b.Fatalf("login: %v", err)
	}
	return srv, session.Token
}
