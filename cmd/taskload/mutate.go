package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// mutator makes the drive mode's mutations: over REST (-via rest) or as WebSocket messages
// (-via ws). Each call returns once the server has acknowledged the committed change.
type mutator interface {
	create(ctx context.Context, listID, title string) error
	rename(ctx context.Context, taskID, title string) error
	close()
}

// restMutator is a mutator over REST.
type restMutator struct {
	a     *api
	token string
}

func (m restMutator) create(ctx context.Context, listID, title string) error {
	_, err := m.a.createTask(ctx, m.token, listID, title)
	return err
}

func (m restMutator) rename(ctx context.Context, taskID, title string) error {
	return m.a.renameTask(ctx, m.token, taskID, title)
}

func (restMutator) close() {}

// wsPerConn is the rate each of the WebSocket mutator's connections carries, well under the
// server's default limit of incoming messages per connection (100/s).
const wsPerConn = 40

// wsMutator sends create_task and update_task messages over a few WebSocket connections that
// join no board, and waits for each message's ack or error frame.
type wsMutator struct {
	gws.BuiltinEventHandler
	conns   []*gws.Conn
	next    atomic.Uint64
	ids     atomic.Uint64
	mu      sync.Mutex
	waiting map[string]chan error
	closed  error // set when a connection closed: every later mutation fails
	ended   sync.WaitGroup
}

// newWSMutator opens enough connections to the node at nodeURL for rate mutations per second.
func newWSMutator(nodeURL, token string, rate int) (*wsMutator, error) {
	m := &wsMutator{waiting: map[string]chan error{}}
	url := "ws" + strings.TrimPrefix(nodeURL, "http") + "/ws"
	for range max(2, (rate+wsPerConn-1)/wsPerConn) {
		conn, _, err := gws.NewClient(m, &gws.ClientOption{
			Addr:          url,
			RequestHeader: http.Header{"Authorization": {"Bearer " + token}},
		})
		if err != nil {
			m.close()
			return nil, fmt.Errorf("websocket for mutations: %w", err)
		}
		m.conns = append(m.conns, conn)
		m.ended.Add(1)
		go conn.ReadLoop()
	}
	return m, nil
}

func (m *wsMutator) create(ctx context.Context, listID, title string) error {
	return m.send(ctx, map[string]string{"type": "create_task", "listId": listID, "title": title})
}

func (m *wsMutator) rename(ctx context.Context, taskID, title string) error {
	return m.send(ctx, map[string]string{"type": "update_task", "taskId": taskID, "title": title})
}

// send sends msg with a request id of its own and waits for the answer to it.
func (m *wsMutator) send(ctx context.Context, msg map[string]string) error {
	id := "m" + strconv.FormatUint(m.ids.Add(1), 10)
	msg["requestId"] = id
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	answer := make(chan error, 1)
	m.mu.Lock()
	if m.closed != nil {
		m.mu.Unlock()
		return m.closed
	}
	m.waiting[id] = answer
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.waiting, id)
		m.mu.Unlock()
	}()
	conn := m.conns[m.next.Add(1)%uint64(len(m.conns))]
	if err := conn.WriteMessage(gws.OpcodeText, b); err != nil {
		return err
	}
	select {
	case err := <-answer:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// OnMessage implements gws.Event: an ack or an error frame answers the message of its
// request id.
func (m *wsMutator) OnMessage(_ *gws.Conn, msg *gws.Message) {
	defer msg.Close()
	var frame struct {
		Type      string `json:"type"`
		RequestID string `json:"requestId"`
		Message   string `json:"message"`
	}
	if json.Unmarshal(msg.Bytes(), &frame) != nil || frame.RequestID == "" {
		return
	}
	var err error
	switch frame.Type {
	case "ack":
	case "error":
		err = errors.New(frame.Message)
	default:
		return
	}
	m.mu.Lock()
	answer := m.waiting[frame.RequestID]
	m.mu.Unlock()
	if answer != nil {
		answer <- err
	}
}

func (m *wsMutator) OnPing(c *gws.Conn, p []byte) { _ = c.WritePong(p) }

// OnClose implements gws.Event: the mutations waiting, and those to come, fail.
func (m *wsMutator) OnClose(_ *gws.Conn, err error) {
	defer m.ended.Done()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = fmt.Errorf("websocket for mutations closed: %v", err)
	for _, answer := range m.waiting {
		select {
		case answer <- m.closed:
		default:
		}
	}
}

// close closes the connections and waits, boundedly, for their read loops to end.
func (m *wsMutator) close() {
	for _, c := range m.conns {
		_ = c.WriteClose(1000, nil)
	}
	done := make(chan struct{})
	go func() {
		m.ended.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}
