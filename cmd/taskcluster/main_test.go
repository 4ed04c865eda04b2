package main

import (
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	got, err := parseConfig(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config{dir: "./data/cluster", taskboard: "bin/taskboard", nodes: 3, port: 3001}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(config{})); diff != "" {
		t.Fatalf("defaults (-want +got):\n%s", diff)
	}
	got, err = parseConfig([]string{"--nodes", "2", "--port", "4001", "--pg-port", "5499", "--", "--log-level", "debug"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = config{dir: "./data/cluster", taskboard: "bin/taskboard", nodes: 2, port: 4001, pgPort: 5499, args: []string{"--log-level", "debug"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(config{})); diff != "" {
		t.Fatalf("flags (-want +got):\n%s", diff)
	}
	for _, bad := range [][]string{{"--nodes", "0"}, {"--port", "65535", "--nodes", "2"}, {"--nope"}} {
		if _, err := parseConfig(bad, io.Discard); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
