package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lxzan/gws"
	"github.com/rs/zerolog"

	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/internal/stacktest"
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
		postTask(b, transport, srv.URL, token, body)
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

// postTask creates a task over REST and fails b unless it was created.
func postTask(b *testing.B, transport http.RoundTripper, url, token string, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, url+"/tasks", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := transport.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("post: %v %v", err, resp)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// benchServer starts a real server on a demo database and logs in as alice.
func benchServer(b *testing.B, opts ...option) (*httptest.Server, string) {
	srv := stacktest.Start(b, stacktest.Options{Gateway: func(c *gateway.Config) {
		c.Logger = zerolog.Nop()
		for _, o := range opts {
			o(c)
		}
	}}).HTTP
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

// BenchmarkCreateTask compares one task creation over REST and over WebSocket, from sending
// it until the sender has the answer: REST's 201; REST's 201 and the board event on the
// sender's own WebSocket (what a client applying server events waits for); WebSocket's ack,
// which comes after the event on the same connection.
func BenchmarkCreateTask(b *testing.B) {
	// A benchmark client sends as fast as it can: lift the flood limit.
	srv, token := benchServer(b, func(c *gateway.Config) { c.WSRate, c.WSBurst = 1e9, 1e9 })
	body := []byte(`{"listId":"list-todo","title":"bench"}`)
	transport := &http.Transport{MaxIdleConnsPerHost: 4}
	b.Cleanup(transport.CloseIdleConnections)
	b.Run("rest", func(b *testing.B) {
		for b.Loop() {
			postTask(b, transport, srv.URL, token, body)
		}
	})
	p := benchPeer(b, srv, token)
	p.send(`{"type":"join","boardId":"board-1"}`)
	p.await(b, `{"type":"presence"`)
	b.Run("rest+event", func(b *testing.B) {
		for b.Loop() {
			postTask(b, transport, srv.URL, token, body)
			p.await(b, `{"type":"task_created"`)
		}
	})
	b.Run("ws", func(b *testing.B) {
		msg := `{"type":"create_task","requestId":"r","listId":"list-todo","title":"bench"}`
		for b.Loop() {
			p.send(msg)
			p.await(b, `{"type":"ack"`)
		}
	})
}

// BenchmarkWSFanOut measures one task creation, from the POST until each of n real
// WebSocket clients over loopback has read its event.
func BenchmarkWSFanOut(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			srv, token := benchServer(b)
			peers := make([]*benchWS, n)
			for i := range peers {
				peers[i] = benchPeer(b, srv, token)
				peers[i].send(`{"type":"join","boardId":"board-1"}`)
				peers[i].await(b, `{"type":"presence"`)
			}
			body := []byte(`{"listId":"list-todo","title":"fan-out"}`)
			transport := &http.Transport{MaxIdleConnsPerHost: 4}
			b.Cleanup(transport.CloseIdleConnections)
			for b.Loop() {
				postTask(b, transport, srv.URL, token, body)
				for _, p := range peers {
					p.await(b, `{"type":"task_created"`)
				}
			}
		})
	}
}

// benchWS is a gws client that hands over the messages it reads.
type benchWS struct {
	conn *gws.Conn
	msgs chan []byte
	done chan struct{}
}

func benchPeer(b *testing.B, srv *httptest.Server, token string) *benchWS {
	p := &benchWS{msgs: make(chan []byte, 1024), done: make(chan struct{})}
	conn, _, err := gws.NewClient(p, &gws.ClientOption{
		Addr:          "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws",
		RequestHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	if err != nil {
		b.Fatal(err)
	}
	p.conn = conn
	go conn.ReadLoop()
	b.Cleanup(func() {
		_ = conn.WriteClose(1000, nil)
		<-p.done
	})
	return p
}

func (p *benchWS) send(msg string) { _ = p.conn.WriteString(msg) }

// await discards messages until one that starts with prefix.
func (p *benchWS) await(b *testing.B, prefix string) {
	for {
		select {
		case m := <-p.msgs:
			if strings.HasPrefix(string(m), prefix) {
				return
			}
		case <-p.done:
			b.Fatal("connection closed")
		}
	}
}

func (p *benchWS) OnOpen(*gws.Conn)                   {}
func (p *benchWS) OnClose(*gws.Conn, error)           { close(p.done) }
func (p *benchWS) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }
func (p *benchWS) OnPong(*gws.Conn, []byte)           {}
func (p *benchWS) OnMessage(_ *gws.Conn, m *gws.Message) {
	p.msgs <- bytes.Clone(m.Bytes())
	m.Close()
}

// BenchmarkSnapshotGET measures GET /boards/{id} of a board with 5,004 tasks, in memory, over
// loopback HTTP (cold activation is BenchmarkColdActivation in actors): plain tasks, and cards
// that hold two labels, an assignee, a due date, three checklist items and two comments each.
func BenchmarkSnapshotGET(b *testing.B) {
	for _, cards := range []bool{false, true} {
		name := "plain"
		if cards {
			name = "cards"
		}
		b.Run(name, func(b *testing.B) {
			srv, token := benchServer(b)
			post := func(path, body string) map[string]any {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := srv.Client().Do(req)
				if err != nil || resp.StatusCode != http.StatusCreated {
					b.Fatalf("seed %s: %v %v", path, err, resp)
				}
				defer resp.Body.Close()
				var out map[string]any
				if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
					b.Fatal(err)
				}
				return out
			}
			var labels []string
			if cards {
				for _, color := range []string{"red", "green", "blue", "gray"} {
					labels = append(labels, post("/boards/board-1/labels", `{"name":"`+color+`","color":"`+color+`"}`)["id"].(string))
				}
			}
			for i := range 5000 {
				body := `{"listId":"list-todo","title":"a task of a big board"}`
				if cards {
					body = fmt.Sprintf(`{"listId":"list-todo","title":"a task of a big board","labelIds":[%q,%q],`+
						`"assigneeIds":["user-bob"],"dueAt":"2026-12-24T16:00:00Z"}`, labels[i%4], labels[(i+1)%4])
				}
				task := post("/tasks", body)
				if !cards {
					continue
				}
				id := task["id"].(string)
				for j := range 3 {
					post("/tasks/"+id+"/checklist", fmt.Sprintf(`{"text":"step %d of task %d"}`, j, i))
				}
				for j := range 2 {
					post("/tasks/"+id+"/comments", fmt.Sprintf(`{"body":"comment %d on task %d, with a few more words"}`, j, i))
				}
			}
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/boards/board-1", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := srv.Client().Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("snapshot: %v %v", err, resp)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				b.SetBytes(n)
			}
		})
	}
}
