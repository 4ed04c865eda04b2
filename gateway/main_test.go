package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/internal/stacktest"
	"github.com/taskboard/taskboard/messages"
	"github.com/taskboard/taskboard/persistence"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// wait bounds every wait of these tests; nothing here sleeps to synchronise.
const wait = 10 * time.Second

// recv receives from ch within the tests' wait (see stacktest.Recv).
func recv[T any](t testing.TB, ch <-chan T, what string) (T, bool) {
	t.Helper()
	return stacktest.Recv(t, ch, what, wait)
}

// within reports whether ch receives or is closed within wait, for waits without a test to
// fail (a cleanup's): a goroutine left behind is goleak's to report.
func within[T any](ch <-chan T) bool {
	select {
	case <-ch:
		return true
	case <-time.After(wait):
		return false
	}
}

// env is a real server (internal/stacktest): SQLite in a temp file, the board actors and the
// gateway behind httptest, with a clock tests can advance and the gateway's log lines.
type env struct {
	stack *stacktest.Server
	path  string
	clock *offsetClock
	db    *persistence.DB
	gw    *gateway.Server
	srv   *httptest.Server
	logs  *logSink
}

type option func(*gateway.Config)

// newServer starts a server on a fresh demo database.
func newServer(t *testing.T, opts ...option) *env {
	t.Helper()
	return startServer(t, filepath.Join(t.TempDir(), "taskboard.db"), opts...)
}

// offsetClock is the real time shifted by what the test advanced it by: sessions and tokens
// expire without waiting.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// setup is what a test may change below the gateway: the board actors' options, and the
// listener under the HTTP server.
type setup struct {
	actors actors.Options
	listen func(net.Listener) net.Listener
	store  func(actors.Store) actors.Store
	// db is the database's options; zero HashParams mean cheap password hashes.
	db persistence.Options
	// http2 serves HTTP/2 over TLS instead of HTTP/1.1.
	http2 bool
}

// newServerWith starts a server on a fresh demo database with st.
func newServerWith(t *testing.T, st setup, opts ...option) *env {
	t.Helper()
	return startServerWith(t, filepath.Join(t.TempDir(), "taskboard.db"), st, opts...)
}

// startServer starts a server on the database at path, seeding it if it is empty. Cleanup
// stops it in the program's order: streams, HTTP, boards, database.
func startServer(t *testing.T, path string, opts ...option) *env {
	t.Helper()
	return startServerWith(t, path, setup{}, opts...)
}

// startServerDB is startServer with the database options given. Login limits are generous
// unless an option sets them: tests log in often.
func startServerDB(t *testing.T, path string, dbOpts persistence.Options, opts ...option) *env {
	t.Helper()
	return startServerWith(t, path, setup{db: dbOpts}, opts...)
}

func startServerWith(t *testing.T, path string, st setup, opts ...option) *env {
	t.Helper()
	clock := &offsetClock{}
	st.db.Clock = clock.Now
	logs := newLogSink()
	configure := func(c *gateway.Config) {
		c.Logger = zerolog.New(logs).Level(zerolog.DebugLevel)
		c.AllowSignup = true
		c.LoginPerIP = gateway.RateLimit{Every: time.Millisecond, Burst: 1000}
		c.LoginPerAccount = gateway.RateLimit{Every: time.Millisecond, Burst: 1000}
		for _, o := range opts {
			o(c)
		}
	}
	s := stacktest.Start(t, stacktest.Options{
		Path:    path,
		DB:      st.db,
		Actors:  st.actors,
		Store:   st.store,
		Gateway: configure,
		Listen:  st.listen,
		HTTP2:   st.http2,
	})
	return &env{stack: s, path: path, clock: clock, db: s.DB, gw: s.Gateway, srv: s.HTTP, logs: logs}
}

// stop shuts the server down; it may be called before cleanup, as a restart does.
func (e *env) stop() { e.stack.Stop() }

// client makes requests as one user (or anonymously, with an empty token).
type client struct {
	e     *env
	token string
}

func (e *env) anon() *client { return &client{e: e} }

// as logs in as a demo user ("alice", "bob", "carol").
func (e *env) as(t *testing.T, who string) *client {
	t.Helper()
	res := e.anon().do(t, "POST", "/auth/login", map[string]string{"email": who + "@example.com", "password": persistence.DemoPassword})
	res.want(t, http.StatusOK)
	var sess messages.Session
	res.decode(t, &sess)
	if sess.Token == "" {
		t.Fatalf("login %s: no token in %s", who, res.Body)
	}
	return &client{e: e, token: sess.Token}
}

// register signs up a new user with the demo password and returns the client and the user.
func (e *env) register(t *testing.T, name string) (*client, messages.User) {
	t.Helper()
	email := strings.ToLower(name) + "@example.com"
	res := e.anon().do(t, "POST", "/auth/register", map[string]string{"email": email, "name": name, "password": persistence.DemoPassword})
	res.want(t, http.StatusCreated)
	var sess messages.Session
	res.decode(t, &sess)
	return &client{e: e, token: sess.Token}, sess.User
}

// apiToken creates a personal API token with scope and returns a client using it and the
// token's id.
func (c *client) apiToken(t *testing.T, scope messages.Scope) (*client, string) {
	t.Helper()
	res := c.do(t, "POST", "/me/tokens", map[string]any{"name": "test " + string(scope), "scope": scope})
	res.want(t, http.StatusCreated)
	var tok messages.NewAPIToken
	res.decode(t, &tok)
	if tok.Token == "" || tok.ID == "" || tok.Scope != scope {
		t.Fatalf("created token %s", res.Body)
	}
	return &client{e: c.e, token: tok.Token}, tok.ID
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request: body is sent as is when a string, else as JSON (nil: no body). header
// holds name, value pairs.
func (c *client) do(t *testing.T, method, path string, body any, header ...string) *response {
	t.Helper()
	req := c.request(t, context.Background(), method, path, body, header...)
	resp, err := c.e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func (c *client) request(t *testing.T, ctx context.Context, method, path string, body any, header ...string) *http.Request {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

func (r *response) want(t *testing.T, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
}

func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errorBody is the protocol's error shape.
type errorBody struct {
	Error messages.Error `json:"error"`
	Task  *messages.Task `json:"task"`
}

// wantError checks an error answer's status and code and returns its body.
func (r *response) wantError(t *testing.T, status int, code messages.Code) errorBody {
	t.Helper()
	r.want(t, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var body errorBody
	r.decode(t, &body)
	if body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("error %+v, want code %s and a message", body.Error, code)
	}
	return body
}

// logSink collects the gateway's JSON log lines so that tests can wait for one.
type logSink struct {
	mu      sync.Mutex
	lines   []map[string]any
	changed chan struct{}
}

func newLogSink() *logSink { return &logSink{changed: make(chan struct{})} }

// Write implements io.Writer; zerolog writes one line per call.
func (s *logSink) Write(p []byte) (int, error) {
	var line map[string]any
	if err := json.Unmarshal(p, &line); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, line)
	close(s.changed)
	s.changed = make(chan struct{})
	return len(p), nil
}

// await waits for a line holding every field of want and returns it.
func (s *logSink) await(t *testing.T, want map[string]any) map[string]any {
	t.Helper()
	deadline := time.After(wait)
	for i := 0; ; {
		s.mu.Lock()
		lines, changed := s.lines, s.changed
		s.mu.Unlock()
		for ; i < len(lines); i++ {
			if matches(lines[i], want) {
				return lines[i]
			}
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no log line with %v", want)
		}
	}
}

// all returns the lines logged so far that hold every field of want.
func (s *logSink) all(want map[string]any) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range s.lines {
		if matches(l, want) {
			out = append(out, l)
		}
	}
	return out
}

func matches(line, want map[string]any) bool {
	for k, v := range want {
		got, ok := line[k]
		if !ok || fmt.Sprint(got) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

// createTask posts a task to a list and returns it.
func (c *client) createTask(t *testing.T, listID, title string, header ...string) messages.Task {
	t.Helper()
	res := c.do(t, "POST", "/tasks", map[string]any{"listId": listID, "title": title}, header...)
	res.want(t, http.StatusCreated)
	var task messages.Task
	res.decode(t, &task)
	return task
}

// idleBoards records which boards stop: with a short idle time, a board stops only once it has
// no subscriber left, so a stop proves that a connection's subscription is gone.
type idleBoards chan string

func newIdleBoards() idleBoards { return make(idleBoards, 16) }

func (b idleBoards) setup() setup {
	return setup{actors: actors.Options{IdleAfter: 20 * time.Millisecond, OnLifecycle: func(id string, l actors.Lifecycle) {
		if l == actors.Stopped {
			b <- id
		}
	}}}
}

// awaitStopped fails with why unless boardID stops within wait.
func (b idleBoards) awaitStopped(t *testing.T, boardID, why string) {
	t.Helper()
	select {
	case id := <-b:
		if id != boardID {
			t.Fatalf("board %s stopped, want %s", id, boardID)
		}
	case <-time.After(wait):
		t.Fatal(why)
	}
}
