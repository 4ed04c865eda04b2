package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/internal/pgtest"
	"github.com/taskboard/taskboard/internal/stacktest"
	"github.com/taskboard/taskboard/metrics"
)

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" { // a child of -procs
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(pgtest.Runner(m))
}

// startServer starts a real server (demo data, SQLite in a temp dir) and returns its URL.
func startServer(t *testing.T) string {
	t.Helper()
	m := metrics.New()
	s := stacktest.Start(t, stacktest.Options{
		Actors: actors.Options{Logger: zerolog.Nop(), Observer: m},
		Gateway: func(c *gateway.Config) {
			c.Logger, c.Observer, c.Metrics = zerolog.Nop(), m, m.Handler()
			c.Heartbeat, c.WSPingInterval = 50*time.Millisecond, 50*time.Millisecond
		},
	})
	return s.URL
}

// TestWSRun runs the WebSocket mode against a real server, small.
func TestWSRun(t *testing.T) {
	ctx := context.Background()
	url := startServer(t)
	var out bytes.Buffer
	args := []string{"-url", url, "-conns", "30", "-boards", "board-1,board-2", "-users", "alice@example.com,carol@example.com",
		"-events", "3", "-idle", "0s", "-sources", "2"}
	if err := run(ctx, args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report %s: %v", out.Bytes(), err)
	}
	if rep.Conns != 30 || rep.FanOut == nil || rep.FanOut.Events != 3 || rep.FanOut.Receivers != 15 ||
		rep.FanOut.LastMs.Max < rep.FanOut.FirstMs.Min || rep.Memory != nil {
		t.Fatalf("report %s", out.Bytes())
	}
}

func TestConfig(t *testing.T) {
	for _, bad := range [][]string{
		{"-conns", "0"}, {"-conns", "20000"}, {"-mode", "sse"}, {"-mode", "carrier-pigeon", "-rate", "1"}, {"-rate", "-1"}, {"-url", "ftp://x"}, {"-sources", "0"},
		{"-events", "1001"}, {"-idle", "1h"}, {"stray"},
		{"-url", "http://a:1,http://b:2"}, {"-url", "http://a:1,ftp://b", "-rate", "1"}, {"-url", ",", "-rate", "1"},
	} {
		if _, err := parseConfig(bad, io.Discard); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestSeqOf(t *testing.T) {
	for in, want := range map[string]int64{
		`{"type":"task_created","boardId":"b","seq":42,"at":"x"}`: 42,
		`{"type":"presence"}`: 0,
	} {
		if got := seqOf([]byte(in)); got != want {
			t.Errorf("seqOf(%s) = %d, want %d", in, got, want)
		}
	}
}

// driveArgs is a small drive run over both demo boards with every transport.
func driveArgs(url string) []string {
	return []string{"-url", url, "-mode", "mix", "-conns", "9", "-boards", "board-1,board-2", "-users", "alice@example.com",
		"-rate", "200", "-mutations", "20", "-idle", "0s", "-sources", "2", "-timeout", "20s"}
}

// drive runs the drive mode with args and returns its report, as JSON too, and its table.
func drive(t *testing.T, args []string) (driveReport, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, table bytes.Buffer
	if err := run(context.Background(), args, &out, &table); err != nil {
		t.Fatalf("run: %v\n%s", err, table.String())
	}
	var rep driveReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report %s: %v", out.Bytes(), err)
	}
	return rep, &out, &table
}

func TestDriveCountsEveryDeliveryAndNoLoss(t *testing.T) {
	url := startServer(t)
	rep, out, _ := drive(t, driveArgs(url))
	if rep.Lost != 0 || rep.Duplicated != 0 || rep.ConnectErrors != 0 || rep.PostErrors != 0 || rep.Post.N != 20 {
		t.Fatalf("report %s", out.Bytes())
	}
	// Subscriber i and mutation i are on board i%2: 10 events for each of the 9 subscribers,
	// three of each transport.
	for _, tr := range []string{"ws", "sse", "longpoll"} {
		ts := rep.Transports[tr]
		if ts == nil || ts.Subscribers != 3 || ts.Deliveries != 30 || ts.LatencyMs.N != 30 || ts.LatencyMs.Max <= 0 {
			t.Fatalf("%s: %+v in %s", tr, ts, out.Bytes())
		}
	}
	if len(rep.Server) < 2 || rep.Server[0].Goroutines <= 0 || rep.Server[0].RSSKiB <= 0 {
		t.Fatalf("server samples %+v", rep.Server)
	}
}

func TestDriveDetectsALostEvent(t *testing.T) {
	url := startServer(t)
	cfg, err := parseConfig(driveArgs(url), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.skipNth = 1
	a := newAPI(url)
	token, err := a.login(context.Background(), "alice@example.com", "taskboard-demo")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := runDrive(context.Background(), cfg, a, []string{token}, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lost != 1 || rep.Duplicated != 0 || rep.Transports["ws"].Lost != 1 {
		t.Fatalf("lost %d (ws %d), duplicated %d: want the one event dropped found", rep.Lost, rep.Transports["ws"].Lost, rep.Duplicated)
	}
}

func TestDriveSamplesTheServerWhileDriving(t *testing.T) {
	url := startServer(t)
	args := append(driveArgs(url), "-rate", "20", "-mutations", "10", "-sample-every", "100ms")
	rep, out, table := drive(t, args)
	// Ten mutations at 20/s take at least 450 ms: several 100 ms samples.
	if d := rep.Driving; d == nil || d.Samples < 1 || d.GoroutinesMax <= 0 || d.RSSMaxKiB <= 0 {
		t.Fatalf("driving samples %+v in %s", rep.Driving, out.Bytes())
	}
	// Heartbeats at 50 ms: every SSE stream and WebSocket got some.
	for _, tr := range []string{"sse", "ws"} {
		if ts := rep.Transports[tr]; ts == nil || ts.Heartbeats < int64(ts.Subscribers) {
			t.Fatalf("%s: heartbeats %+v", tr, ts)
		}
	}
	if !bytes.Contains(table.Bytes(), []byte("server while driving")) {
		t.Fatalf("table without the driving summary:\n%s", table.String())
	}
}

func TestDriveAcrossProcesses(t *testing.T) {
	url := startServer(t)
	args := append(driveArgs(url), "-procs", "2")
	rep, out, table := drive(t, args)
	if rep.Lost != 0 || rep.Duplicated != 0 || rep.ConnectErrors != 0 || rep.PostErrors != 0 || rep.Post.N != 20 {
		t.Fatalf("report %s\n%s", out.Bytes(), table.String())
	}
	// The same nine subscribers as in one process, five in one child and four in the other:
	// each gets the 10 events of its board, timed.
	for _, tr := range []string{"ws", "sse", "longpoll"} {
		ts := rep.Transports[tr]
		if ts == nil || ts.Subscribers != 3 || ts.Deliveries != 30 || ts.LatencyMs.N != 30 || ts.LatencyMs.Max <= 0 || len(ts.Raw) != 0 {
			t.Fatalf("%s: %+v in %s", tr, ts, out.Bytes())
		}
	}
	if !strings.Contains(table.String(), "by 2 processes") {
		t.Fatalf("table:\n%s", table.String())
	}
}

func TestDriveRenamesOneTaskPerBoard(t *testing.T) {
	url := startServer(t)
	rep, out, _ := drive(t, append(driveArgs(url), "-op", "update"))
	if rep.Lost != 0 || rep.Duplicated != 0 || rep.PostErrors != 0 || rep.Post.N != 20 {
		t.Fatalf("report %s", out.Bytes())
	}
	for _, tr := range []string{"ws", "sse", "longpoll"} {
		if ts := rep.Transports[tr]; ts == nil || ts.Deliveries != 30 || ts.LatencyMs.N != 30 {
			t.Fatalf("%s: %+v", tr, ts)
		}
	}
	// Each board has the one task the run renamed, whatever the number of mutations.
	a := newAPI(url)
	token, err := a.login(context.Background(), "alice@example.com", "taskboard-demo")
	if err != nil {
		t.Fatal(err)
	}
	var tasks struct {
		Data []struct{ Title string } `json:"data"`
	}
	if _, err := a.do(context.Background(), "GET", "/boards/board-2/tasks", token, nil, &tasks); err != nil {
		t.Fatal(err)
	}
	loads := 0
	for _, task := range tasks.Data {
		if strings.HasPrefix(task.Title, "load ") {
			loads++
		}
	}
	if loads != 1 {
		t.Fatalf("%d load tasks on board-2, want the 1 renamed", loads)
	}
}

func TestDriveMutatesOverWebSocket(t *testing.T) {
	url := startServer(t)
	for _, op := range []string{"create", "update"} {
		rep, out, table := drive(t, append(driveArgs(url), "-via", "ws", "-op", op))
		if rep.Via != "ws" || rep.Lost != 0 || rep.Duplicated != 0 || rep.PostErrors != 0 || rep.Post.N != 20 {
			t.Fatalf("%s: report %s", op, out.Bytes())
		}
		for _, tr := range []string{"ws", "sse", "longpoll"} {
			if ts := rep.Transports[tr]; ts == nil || ts.Deliveries != 30 || ts.LatencyMs.N != 30 {
				t.Fatalf("%s, %s: %+v", op, tr, ts)
			}
		}
		if !strings.Contains(table.String(), "ack ms:") {
			t.Fatalf("%s: table\n%s", op, table.String())
		}
	}
}

// TestAbuseRun runs the abuse mode, small, against a server with a low cap: the attacker's
// live connections past it are refused, and the other user is measured quiet and under attack.
func TestAbuseRun(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Gateway: func(c *gateway.Config) {
		c.Logger, c.MaxConnsPerUser = zerolog.Nop(), 6
	}})
	var out bytes.Buffer
	args := []string{"-mode", "abuse", "-url", s.URL, "-users", "bob@example.com,alice@example.com", "-conns", "30", "-idle", "300ms", "-sources", "2"}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep abuseReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report %s: %v", out.Bytes(), err)
	}
	live := rep.Opened["sse"] + rep.Opened["websocket"] + rep.Opened["longpoll"]
	refused := rep.Refused["sse"] + rep.Refused["websocket"] + rep.Refused["longpoll"]
	if live != 6 || refused != 12 || rep.Opened["slow-body"] != 6 || rep.Quiet.N == 0 || rep.Attack.N == 0 || rep.VictimErrors != 0 {
		t.Fatalf("report %s", out.Bytes())
	}
}
