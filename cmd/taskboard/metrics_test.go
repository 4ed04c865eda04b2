package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// scrape reads the server's /metrics and returns the value of each sample by name and labels
// ("name" or `name{label="value"}`; histograms by their _count).
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	samples := map[string]float64{}
	for name, f := range families {
		for _, m := range f.Metric {
			key := name
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				samples[key] = m.Counter.GetValue()
			case dto.MetricType_GAUGE:
				samples[key] = m.Gauge.GetValue()
			case dto.MetricType_HISTOGRAM:
				samples[key] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return samples
}

// awaitMetric scrapes until the sample key has the value want, failing after wait: the
// server updates some metrics after the client has seen what caused them.
func awaitMetric(t *testing.T, url, key string, want float64) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s := scrape(t, url)
		if s[key] == want {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", key, s[key], want)
		}
		<-tick.C
	}
}

func TestMetricsMoveWithConnectionsEventsAndCommits(t *testing.T) {
	p := start(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "tb.db"), "--demo")
	url := strings.TrimPrefix(nextLine(t, p.lines), "listening on ")

	before := scrape(t, url)
	if before[`taskboard_connections{transport="websocket"}`] != 0 || before["taskboard_events_published_total"] != 0 {
		t.Fatalf("a fresh server reports connections or events: %v", before)
	}
	if before["go_goroutines"] <= 0 || before["process_resident_memory_bytes"] <= 0 {
		t.Fatalf("no runtime or process metrics: goroutines %v, rss %v", before["go_goroutines"], before["process_resident_memory_bytes"])
	}

	ws := joinWS(t, url)
	stream := serves(t, url)
	defer stream.Close()
	awaitMetric(t, url, `taskboard_connections{transport="websocket"}`, 1)
	awaitMetric(t, url, `taskboard_connections{transport="sse"}`, 1)

	client := &http.Client{}
	token := login(t, client, url)
	req, _ := http.NewRequest("POST", url+"/tasks", strings.NewReader(`{"listId":"list-todo","title":"measured"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /tasks: %v %v", err, resp)
	}
	resp.Body.Close()

	awaitMetric(t, url, `taskboard_delivery_latency_seconds{transport="websocket"}`, 1)
	s := awaitMetric(t, url, `taskboard_delivery_latency_seconds{transport="sse"}`, 1)
	for key, want := range map[string]float64{
		"taskboard_events_published_total":                        1,
		"taskboard_events_fanned_out_total":                       2,
		`taskboard_events_delivered_total{transport="websocket"}`: 1,
		`taskboard_events_delivered_total{transport="sse"}`:       1,
		`taskboard_mutation_duration_seconds{outcome="ok"}`:       1,
		"taskboard_db_commit_duration_seconds":                    1,
		"taskboard_db_committed_changes_total":                    1,
		"taskboard_board_actors":                                  1,
		"taskboard_slow_subscribers_dropped_total":                0,
	} {
		if s[key] != want {
			t.Errorf("%s = %v, want %v", key, s[key], want)
		}
	}

	stream.Close()
	awaitMetric(t, url, `taskboard_connections{transport="sse"}`, 0)
	if err := p.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	recv(t, ws.closed, "close of the WebSocket")
}

func TestPprofServesOnLoopbackOnly(t *testing.T) {
	p := start(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "tb.db"), "--pprof", "127.0.0.1:0")
	first := nextLine(t, p.lines)
	pprofURL, ok := strings.CutPrefix(first, "pprof on ")
	if !ok {
		t.Fatalf("first line %q, want the pprof address", first)
	}
	url := strings.TrimPrefix(nextLine(t, p.lines), "listening on ")
	resp, err := http.Get(pprofURL + "goroutine?debug=1")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %sgoroutine: %v %v", pprofURL, err, resp)
	}
	resp.Body.Close()
	resp, err = http.Get(url + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("the API listener serves profiles")
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}

	_, err = parseConfig([]string{"--pprof", "0.0.0.0:6060"}, noEnv, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("--pprof 0.0.0.0:6060 = %v, want refused", err)
	}
	cfg, err := parseConfig(nil, func(k string) string {
		if k == "TASKBOARD_PPROF" {
			return "localhost:6061"
		}
		return ""
	}, &syncBuffer{})
	if err != nil || cfg.Pprof != "localhost:6061" {
		t.Fatalf("TASKBOARD_PPROF: %+v %v", cfg.Pprof, err)
	}
}
