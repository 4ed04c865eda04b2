package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lxzan/gws"
	"go.uber.org/goleak"

	"github.com/taskboard/taskboard/internal/clustertest"
	"github.com/taskboard/taskboard/internal/pgtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(mainRunner{m})
}

// mainRunner runs the tests with pgtest's shared server, then removes the binary the cluster
// tests built.
type mainRunner struct{ m *testing.M }

func (r mainRunner) Run() int {
	code := pgtest.Run(r.m)
	if err := clustertest.RemoveBinary(); err != nil {
		fmt.Fprintln(os.Stderr, "remove the cluster tests' binary:", err)
		code = max(code, 1)
	}
	return code
}

const wait = 10 * time.Second

// syncBuffer is a bytes.Buffer safe for the program's concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func noEnv(string) string { return "" }

// nextLine returns the next stdout line, failing after wait.
func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("stdout closed")
		}
		return l
	case <-time.After(wait):
		t.Fatal("no output")
	}
	return ""
}

// recv receives from ch, failing t with what if nothing comes within wait.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("no %s within %s", what, wait)
	}
	var zero T
	return zero
}

// program is run() started in the background.
type program struct {
	cancel context.CancelFunc
	done   chan error
	lines  chan string // stdout, line by line
	stderr *syncBuffer
}

// start runs the program with args and no environment.
func start(t *testing.T, args ...string) *program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{cancel: cancel, done: make(chan error, 1), lines: make(chan string, 100), stderr: &syncBuffer{}}
	stdoutR, stdoutW := io.Pipe()
	go func() {
		err := run(ctx, args, noEnv, stdoutW, p.stderr)
		stdoutW.Close()
		p.done <- err
	}()
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdoutR)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			t.Logf("stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// stop cancels the program's context and returns what run returned.
func (p *program) stop(t *testing.T) error {
	t.Helper()
	p.cancel()
	select {
	case err := <-p.done:
		return err
	case <-time.After(wait):
		t.Fatal("run did not return after cancel")
	}
	return nil
}

func TestRun(t *testing.T) {
	// A long drain deadline: only ending the streams first lets run return promptly.
	p := start(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "data", "tb.db"), "--demo", "--shutdown-timeout", "1m")
	first := nextLine(t, p.lines)
	url, ok := strings.CutPrefix(first, "listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q, want listening on http://127.0.0.1:<port>", first)
	}
	var demo []string
	for l := nextLine(t, p.lines); !strings.Contains(l, "curl"); l = nextLine(t, p.lines) {
		demo = append(demo, l)
	}
	text := strings.Join(demo, "\n")
	for _, want := range []string{"alice@example.com", "bob@example.com", "carol@example.com", "taskboard-demo"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo instructions %q lack %q", text, want)
		}
	}
	if curl := nextLine(t, p.lines); !strings.Contains(curl, "alice@example.com") {
		t.Errorf("curl line %q", curl)
	}

	// An open stream or WebSocket must not hold the shutdown; the WebSocket is told 1001.
	stream := serves(t, url)
	defer stream.Close()
	ws := joinWS(t, url)

	if err := p.stop(t); err != nil {
		t.Fatalf("run returned %v, want nil", err)
	}
	select {
	case code := <-ws.closed:
		if code != 1001 {
			t.Errorf("WebSocket closed with %d on shutdown, want 1001", code)
		}
	case <-time.After(wait):
		t.Error("WebSocket still open after shutdown")
	}
	for _, want := range []string{`"message":"configuration"`, `"message":"listening"`, `"addr":"127.0.0.1:`} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("logs lack %s", want)
		}
	}
}

// serves checks that the server at url logs alice in and serves board-1, and returns an open
// event stream of board-1.
func serves(t *testing.T, url string) io.ReadCloser {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	token := login(t, client, url)
	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp
	}
	// The binary carries the UI: the board's page is its index.html.
	resp := get("/b/board-1")
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `<div id="app">`) {
		t.Fatalf("GET /b/board-1: %d %.200s, want the UI's page", resp.StatusCode, page)
	}
	resp = get("/boards/board-1")
	var snap struct {
		Board struct{ Name string } `json:"board"`
	}
	err := json.NewDecoder(resp.Body).Decode(&snap)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || snap.Board.Name != "Launch" {
		t.Fatalf("GET /boards/board-1: %d %+v %v", resp.StatusCode, snap, err)
	}
	stream := get("/boards/board-1/events")
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("open stream: %d", stream.StatusCode)
	}
	if _, err := bufio.NewReader(stream.Body).ReadString('\n'); err != nil {
		t.Fatalf("read stream: %v", err)
	}
	return stream.Body
}

// wsClient records how its WebSocket was closed.
type wsClient struct {
	gws.BuiltinEventHandler
	joined chan struct{}
	closed chan int
}

func (c *wsClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	if strings.HasPrefix(string(m.Bytes()), `{"type":"presence"`) {
		close(c.joined)
	}
}

func (c *wsClient) OnClose(_ *gws.Conn, err error) {
	code := 0
	var ce *gws.CloseError
	if errors.As(err, &ce) {
		code = int(ce.Code)
	}
	c.closed <- code
}

// joinWS connects to the server at url as alice, with the token in the query, and joins
// board-1.
func joinWS(t *testing.T, url string) *wsClient {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	c := &wsClient{joined: make(chan struct{}), closed: make(chan int, 1)}
	conn, _, err := gws.NewClient(c, &gws.ClientOption{Addr: "ws" + strings.TrimPrefix(url, "http") + "/ws?token=" + login(t, client, url)})
	if err != nil {
		t.Fatalf("websocket: %v", err)
	}
	go conn.ReadLoop()
	if err := conn.WriteString(`{"type":"join","boardId":"board-1"}`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.joined:
	case <-time.After(wait):
		t.Fatal("no presence after join")
	}
	return c
}

func TestRunAgainOnTheSameDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tb.db")
	for i := range 2 {
		p := start(t, "--addr", "127.0.0.1:0", "--db", db, "--demo")
		nextLine(t, p.lines)
		if err := p.stop(t); err != nil {
			t.Fatalf("run %d returned %v", i, err)
		}
		var rest []string
		for l := range p.lines {
			rest = append(rest, l)
		}
		if seeded := len(rest) > 0; seeded != (i == 0) {
			t.Fatalf("run %d printed %q after listening: want demo instructions only on the first", i, rest)
		}
	}
}

func login(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	body := strings.NewReader(`{"email":"alice@example.com","password":"taskboard-demo"}`)
	resp, err := client.Post(url+"/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sess struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&sess); err != nil || resp.StatusCode != http.StatusOK || sess.Token == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return sess.Token
}

func TestRunFailsToListen(t *testing.T) {
	args := []string{"--addr", "256.0.0.1:0", "--db", filepath.Join(t.TempDir(), "tb.db")}
	if err := run(context.Background(), args, noEnv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("run = %v, want a listen error", err)
	}
}

func TestConfig(t *testing.T) {
	defaults := config{
		Addr: ":3000", DB: "./data/taskboard.db", DBPool: 32, DBNotify: true, LogLevel: "info", LogFormat: "json",
		Heartbeat: 15 * time.Second, RingSize: 1000, Retention: 10000, IdleAfter: 5 * time.Minute,
		AllowSignup: true, ShutdownTimeout: 10 * time.Second, SessionTTL: 30 * 24 * time.Hour,
		WSPingInterval: 30 * time.Second, WSSendQueue: 256, WSWriteTimeout: 10 * time.Second, WSRate: 100, WSBurst: 200,
		MaxTasks: 50000, MaxLists: 500, MaxMembers: 1000, MaxBoards: 1000,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		MaxConnsPerUser: 200, MaxConnsPerAddr: 2000,
	}
	env := map[string]string{
		"TASKBOARD_ADDR": ":5000", "TASKBOARD_DB": "/env.db", "TASKBOARD_DEMO": "true",
		"TASKBOARD_LOG_LEVEL": "debug", "TASKBOARD_LOG_FORMAT": "console", "TASKBOARD_HEARTBEAT": "1s",
		"TASKBOARD_RING_SIZE": "7", "TASKBOARD_RETENTION": "70", "TASKBOARD_IDLE_AFTER": "1m",
		"TASKBOARD_ALLOW_SIGNUP": "false", "TASKBOARD_SHUTDOWN_TIMEOUT": "3s",
		"TASKBOARD_SESSION_TTL": "12h", "TASKBOARD_ALLOWED_ORIGINS": "https://App.example.com/, http://localhost:5173",
		"TASKBOARD_SECURE_COOKIES":   "true",
		"TASKBOARD_WS_PING_INTERVAL": "5s", "TASKBOARD_WS_SEND_QUEUE": "32", "TASKBOARD_WS_WRITE_TIMEOUT": "2s",
		"TASKBOARD_WS_RATE": "12.5", "TASKBOARD_WS_BURST": "25",
		"TASKBOARD_MAX_TASKS_PER_BOARD": "10", "TASKBOARD_MAX_LISTS_PER_BOARD": "4",
		"TASKBOARD_MAX_MEMBERS_PER_BOARD": "5", "TASKBOARD_MAX_BOARDS_PER_USER": "2",
		"TASKBOARD_READ_TIMEOUT": "4s", "TASKBOARD_WRITE_TIMEOUT": "6s",
		"TASKBOARD_MAX_CONNS_PER_USER": "7", "TASKBOARD_MAX_CONNS_PER_ADDR": "8", "TASKBOARD_MAX_CONNS": "9",
	}
	fromEnv := config{
		Addr: ":5000", DB: "/env.db", DBPool: 32, DBNotify: true, Demo: true, LogLevel: "debug", LogFormat: "console",
		Heartbeat: time.Second, RingSize: 7, Retention: 70, IdleAfter: time.Minute,
		AllowSignup: false, ShutdownTimeout: 3 * time.Second, SessionTTL: 12 * time.Hour,
		AllowedOrigins: originList{"https://app.example.com", "http://localhost:5173"}, SecureCookies: true,
		WSPingInterval: 5 * time.Second, WSSendQueue: 32, WSWriteTimeout: 2 * time.Second, WSRate: 12.5, WSBurst: 25,
		MaxTasks: 10, MaxLists: 4, MaxMembers: 5, MaxBoards: 2,
		ReadTimeout: 4 * time.Second, WriteTimeout: 6 * time.Second,
		MaxConnsPerUser: 7, MaxConnsPerAddr: 8, MaxConns: 9,
	}
	flagsOverEnv := fromEnv
	flagsOverEnv.Addr, flagsOverEnv.RingSize, flagsOverEnv.AllowSignup, flagsOverEnv.Demo = "127.0.0.1:9", 9, true, false
	flagsOverEnv.AllowedOrigins = originList{"https://ui.example.org"}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want config
	}{
		{"defaults", nil, nil, defaults},
		{"env", nil, env, fromEnv},
		{"flags beat env", []string{"--addr", "127.0.0.1:9", "--ring-size=9", "--allow-signup", "--demo=false",
			"--allowed-origins", "https://ui.example.org"}, env, flagsOverEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("config (-want +got):\n%s", diff)
			}
		})
	}

	for _, bad := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--log-format", "xml"}, nil},
		{[]string{"--log-level", "loud"}, nil},
		{[]string{"--heartbeat", "0s"}, nil},
		{[]string{"--session-ttl", "0s"}, nil},
		{[]string{"--allowed-origins", "app.example.com"}, nil},
		{nil, map[string]string{"TASKBOARD_ALLOWED_ORIGINS": "https://app.example.com/path"}},
		{[]string{"--ws-send-queue", "0"}, nil},
		{[]string{"--nope"}, nil},
		{[]string{"stray"}, nil},
		{nil, map[string]string{"TASKBOARD_RING_SIZE": "many"}},
	} {
		if _, err := parseConfig(bad.args, func(k string) string { return bad.env[k] }, io.Discard); err == nil {
			t.Errorf("args %q env %v: no error", bad.args, bad.env)
		}
	}
	if _, err := parseConfig([]string{"-h"}, noEnv, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}

// The access settings reach the accounts and the gateway.
func TestRunWiresAccessSettings(t *testing.T) {
	p := start(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "tb.db"), "--demo",
		"--session-ttl", "1h", "--allowed-origins", "https://app.example.com", "--secure-cookies",
		"--max-tasks-per-board", "5")
	url := strings.TrimPrefix(nextLine(t, p.lines), "listening on ")
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)

	resp, err := client.Post(url+"/auth/login", "application/json",
		strings.NewReader(`{"email":"alice@example.com","password":"taskboard-demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	var sess struct {
		Token     string
		ExpiresAt time.Time
	}
	err = json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	if left := time.Until(sess.ExpiresAt); left < 59*time.Minute || left > time.Hour {
		t.Fatalf("session expires in %s, want the configured hour", left)
	}
	if c := resp.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Fatalf("cookies %v, want one Secure session cookie", c)
	}
	post := func(origin string) int {
		req, _ := http.NewRequest("POST", url+"/tasks", strings.NewReader(`{"listId":"list-todo","title":"x"}`))
		req.Header.Set("Cookie", "session="+sess.Token)
		req.Header.Set("Origin", origin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("https://app.example.com"); got != http.StatusCreated {
		t.Errorf("POST from the allowed origin: %d, want 201", got)
	}
	if got := post("https://evil.example"); got != http.StatusForbidden {
		t.Errorf("POST from a foreign origin: %d, want 403", got)
	}
	// board-1 holds 5 tasks now: the quota refuses a sixth.
	if got := post("https://app.example.com"); got != http.StatusConflict {
		t.Errorf("POST past --max-tasks-per-board: %d, want 409", got)
	}
	if err := p.stop(t); err != nil {
		t.Fatal(err)
	}
}
