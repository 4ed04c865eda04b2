package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/persistence"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestWSRun runs the WebSocket mode against a real server, small.
func TestWSRun(t *testing.T) {
	ctx := context.Background()
	db, err := persistence.Open(ctx, filepath.Join(t.TempDir(), "tb.db"), persistence.Options{HashParams: persistence.HashParams{Time: 1, Memory: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	boards := actors.NewBoards(db, actors.Options{Logger: zerolog.Nop()})
	defer boards.Shutdown(ctx)
	gw := gateway.New(gateway.Config{Logger: zerolog.Nop(), Boards: boards, Accounts: db})
	srv := httptest.NewServer(gw)
	defer srv.Close()
	defer gw.Close()

	var out bytes.Buffer
	args := []string{"-url", srv.URL, "-conns", "30", "-boards", "board-1,board-2", "-users", "alice@example.com,carol@example.com",
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
		{"-conns", "0"}, {"-conns", "20000"}, {"-mode", "sse"}, {"-url", "ftp://x"}, {"-sources", "0"},
		{"-events", "1001"}, {"-idle", "1h"}, {"stray"},
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
