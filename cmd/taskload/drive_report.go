package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
)

// driveReport is what a drive run measured; durations are in milliseconds.
type driveReport struct {
	Mode       string        `json:"mode"`
	Via        string        `json:"via"`
	URL        string        `json:"url"`
	Conns      int           `json:"conns"`
	Boards     int           `json:"boards"`
	Rate       int           `json:"rate"`
	Mutations  int           `json:"mutations"`
	StartedAt  time.Time     `json:"startedAt"`
	ConnectMs  float64       `json:"connectMs"`
	DriveSecs  float64       `json:"driveSecs"`
	Post       percentileSet `json:"postMs"`
	PostErrors int           `json:"postErrors"`
	// Nodes are the nodes of -url: what each was given and answered.
	Nodes      []*nodeStats               `json:"nodes"`
	Transports map[string]*transportStats `json:"transports"`
	// Lost, Duplicated and ConnectErrors sum the transports'; the first two must be 0.
	Lost          int64          `json:"lost"`
	Duplicated    int            `json:"duplicated"`
	ConnectErrors int            `json:"connectErrors"`
	FirstError    string         `json:"firstError,omitempty"`
	Server        []serverSample `json:"server"`
	// Reconnects counts the SSE streams resumed at another node (-failover); ReconnectMs is
	// from a stream's end to the new stream's answer, ResumeMs to the next event received.
	Reconnects   int             `json:"reconnects"`
	ReconnectMs  percentileSet   `json:"reconnectMs"`
	ResumeMs     percentileSet   `json:"resumeMs"`
	ReconnectRaw []time.Duration `json:"reconnectRaw,omitempty"` // a child's, for its parent
	ResumeRaw    []time.Duration `json:"resumeRaw,omitempty"`
	reconnect    []time.Duration
	resume       []time.Duration
	// Driving is how the server's RSS and goroutines moved while the mutations ran
	// (sampled every -sample-every).
	Driving *drift `json:"driving,omitempty"`
}

// nodeStats is one node of -url: the subscribers that subscribed at it and the mutations it
// acknowledged or failed.
type nodeStats struct {
	URL         string `json:"url"`
	Subscribers int    `json:"subscribers"`
	Acked       int    `json:"acked"`
	Failed      int    `json:"failed"`
	// WriteGapMs is the longest time between two mutations the node acknowledged, and
	// WritesResumedAt when it ended.
	WriteGapMs      float64   `json:"writeGapMs"`
	WritesResumedAt time.Time `json:"writesResumedAt,omitzero"`
	// DeliveryGapMs is the longest time between two events one of the node's subscribers
	// received (wherever it was subscribed then), and DeliveriesResumedAt the latest end of
	// such a subscriber's longest gap.
	DeliveryGapMs       float64   `json:"deliveryGapMs"`
	DeliveriesResumedAt time.Time `json:"deliveriesResumedAt,omitzero"`
}

// transportStats is one transport's subscribers and deliveries. LatencyMs is from the start
// of a mutation's POST to the event's receipt, over every subscriber of its board.
type transportStats struct {
	Subscribers   int `json:"subscribers"`
	ConnectErrors int `json:"connectErrors"`
	Errors        int `json:"errors"`
	// Heartbeats counts the SSE heartbeat comments and WebSocket pings the subscribers got.
	Heartbeats int64         `json:"heartbeats"`
	Deliveries int           `json:"deliveries"`
	PerSecond  float64       `json:"deliveriesPerSecond"`
	Lost       int64         `json:"lost"`
	Duplicated int           `json:"duplicated"`
	LatencyMs  percentileSet `json:"latencyMs"`
	// Raw is every latency, in nanoseconds: a child process reports them for its parent to
	// merge.
	Raw []time.Duration `json:"raw,omitempty"`
	all []time.Duration
}

func newDriveReport(cfg config) *driveReport {
	r := &driveReport{Mode: cfg.Mode, Via: cfg.Via, URL: cfg.URL, Conns: cfg.Conns, Boards: len(cfg.Boards), Rate: cfg.Rate,
		Mutations: cfg.Mutations, StartedAt: time.Now().UTC(), Transports: map[string]*transportStats{}}
	for _, node := range cfg.Nodes {
		r.Nodes = append(r.Nodes, &nodeStats{URL: node})
	}
	return r
}

// transport returns the stats of transport name, adding them if new.
func (r *driveReport) transport(name string) *transportStats {
	ts := r.Transports[name]
	if ts == nil {
		ts = &transportStats{}
		r.Transports[name] = ts
	}
	return ts
}

// addSubscribers counts subscribers by transport, and those that failed to subscribe.
func (r *driveReport) addSubscribers(subs []*subscriber) {
	for _, s := range subs {
		r.Nodes[s.node].Subscribers++
		ts := r.transport(s.transport)
		ts.Subscribers++
		if s.readyErr != nil {
			ts.ConnectErrors++
			if r.FirstError == "" {
				r.FirstError = s.readyErr.Error()
			}
		}
	}
}

// finish computes the percentiles, rates and totals, and keeps the server's samples.
func (r *driveReport) finish(sampler *sampler) {
	for _, ts := range r.Transports {
		ts.LatencyMs = percentiles(ts.all)
		if r.DriveSecs > 0 {
			ts.PerSecond = float64(ts.Deliveries) / r.DriveSecs
		}
		r.Lost += ts.Lost
		r.Duplicated += ts.Duplicated
		r.ConnectErrors += ts.ConnectErrors
	}
	r.ReconnectMs, r.ResumeMs = percentiles(r.reconnect), percentiles(r.resume)
	r.Server = sampler.samples
}

type percentileSet struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func percentiles(ds []time.Duration) percentileSet {
	if len(ds) == 0 {
		return percentileSet{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 { return ms(s[min(len(s)-1, int(p*float64(len(s))))]) }
	return percentileSet{N: len(s), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(s[len(s)-1])}
}

// serverSample is the server's state at a point of the run: RSS from /proc when -server-pid
// is given, else from its /metrics, and its goroutines from /metrics.
type serverSample struct {
	At         string  `json:"at"`
	Secs       float64 `json:"secs"`
	RSSKiB     int64   `json:"rssKiB"`
	Goroutines int     `json:"goroutines"`
}

type sampler struct {
	cfg     config
	client  *http.Client
	start   time.Time
	mu      sync.Mutex
	samples []serverSample
}

func newSampler(cfg config, _ *api) *sampler {
	return &sampler{cfg: cfg, client: &http.Client{Timeout: 10 * time.Second}, start: time.Now()}
}

// sample records the server's RSS and goroutines now, as well as it can.
func (s *sampler) sample(ctx context.Context, at string) {
	sm := serverSample{At: at, Secs: time.Since(s.start).Seconds()}
	if req, err := http.NewRequestWithContext(ctx, "GET", s.cfg.Nodes[0]+"/metrics", nil); err == nil {
		if resp, err := s.client.Do(req); err == nil {
			var p expfmt.TextParser
			if fams, err := p.TextToMetricFamilies(resp.Body); err == nil {
				if f := fams["go_goroutines"]; f != nil && len(f.Metric) > 0 {
					sm.Goroutines = int(f.Metric[0].GetGauge().GetValue())
				}
				if f := fams["process_resident_memory_bytes"]; f != nil && len(f.Metric) > 0 {
					sm.RSSKiB = int64(f.Metric[0].GetGauge().GetValue()) / 1024
				}
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	if s.cfg.ServerPID > 0 {
		if kib, err := rssKiB(s.cfg.ServerPID); err == nil {
			sm.RSSKiB = kib
		}
	}
	s.mu.Lock()
	s.samples = append(s.samples, sm)
	s.mu.Unlock()
}

// every samples as at every d until stop is called, which waits for the last sample.
func (s *sampler) every(ctx context.Context, d time.Duration, at string) (stop func()) {
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				s.sample(ctx, at)
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		close(done)
		<-ended
	}
}

// drift summarises the samples taken as at: how the server's RSS and goroutines moved over
// a long run. Flat means the last sample is no higher than the run's early maximum.
type drift struct {
	Samples         int   `json:"samples"`
	RSSFirstKiB     int64 `json:"rssFirstKiB"`
	RSSLastKiB      int64 `json:"rssLastKiB"`
	RSSMaxKiB       int64 `json:"rssMaxKiB"`
	GoroutinesFirst int   `json:"goroutinesFirst"`
	GoroutinesLast  int   `json:"goroutinesLast"`
	GoroutinesMax   int   `json:"goroutinesMax"`
}

func (s *sampler) drift(at string) *drift {
	var d *drift
	for _, sm := range s.samples {
		if sm.At != at {
			continue
		}
		if d == nil {
			d = &drift{RSSFirstKiB: sm.RSSKiB, GoroutinesFirst: sm.Goroutines}
		}
		d.Samples++
		d.RSSLastKiB, d.GoroutinesLast = sm.RSSKiB, sm.Goroutines
		d.RSSMaxKiB, d.GoroutinesMax = max(d.RSSMaxKiB, sm.RSSKiB), max(d.GoroutinesMax, sm.Goroutines)
	}
	return d
}

// idle samples every second for d while the subscribers sit idle.
func (s *sampler) idle(ctx context.Context, d time.Duration) {
	end := time.Now().Add(d)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for time.Now().Before(end) {
		select {
		case <-tick.C:
			s.sample(ctx, "settling")
		case <-ctx.Done():
			return
		}
	}
}

// printTable writes the report as a table.
func (r *driveReport) printTable(w io.Writer) {
	fmt.Fprintf(w, "mode %s, %d subscribers on %d boards, %d mutations at %d/s in %.1fs (%d failed)\n",
		r.Mode, r.Conns, r.Boards, r.Mutations, r.Rate, r.DriveSecs, r.PostErrors)
	answer := "POST"
	if r.Via == "ws" {
		answer = "ack"
	}
	fmt.Fprintf(w, "%s ms: p50 %.2f p95 %.2f p99 %.2f max %.2f (n %d)\n", answer, r.Post.P50, r.Post.P95, r.Post.P99, r.Post.Max, r.Post.N)
	if len(r.Nodes) > 1 {
		for _, n := range r.Nodes {
			fmt.Fprintf(w, "node %s: %d subscribers, %d mutations acknowledged, %d failed; longest gap between acks %.0f ms, between events %.0f ms\n",
				n.URL, n.Subscribers, n.Acked, n.Failed, n.WriteGapMs, n.DeliveryGapMs)
		}
	}
	if r.Reconnects > 0 {
		fmt.Fprintf(w, "%d streams resumed at another node: answered after p50 %.0f p99 %.0f max %.0f ms, next event after p50 %.0f p99 %.0f max %.0f ms\n",
			r.Reconnects, r.ReconnectMs.P50, r.ReconnectMs.P99, r.ReconnectMs.Max, r.ResumeMs.P50, r.ResumeMs.P99, r.ResumeMs.Max)
	}
	fmt.Fprintf(w, "%-9s %6s %7s %9s %9s %8s %8s %8s %8s %5s %5s %7s\n",
		"transport", "subs", "connErr", "delivered", "per sec", "p50 ms", "p95 ms", "p99 ms", "max ms", "lost", "dup", "beats")
	names := make([]string, 0, len(r.Transports))
	for n := range r.Transports {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := r.Transports[n]
		fmt.Fprintf(w, "%-9s %6d %7d %9d %9.0f %8.2f %8.2f %8.2f %8.2f %5d %5d %7d\n", n, t.Subscribers, t.ConnectErrors,
			t.Deliveries, t.PerSecond, t.LatencyMs.P50, t.LatencyMs.P95, t.LatencyMs.P99, t.LatencyMs.Max, t.Lost, t.Duplicated, t.Heartbeats)
	}
	for _, s := range r.Server {
		if s.At != "driving" {
			fmt.Fprintf(w, "server %-8s at %5.1fs: RSS %d KiB, %d goroutines\n", s.At, s.Secs, s.RSSKiB, s.Goroutines)
		}
	}
	if d := r.Driving; d != nil {
		fmt.Fprintf(w, "server while driving (%d samples): RSS first %d, last %d, max %d KiB; goroutines first %d, last %d, max %d\n",
			d.Samples, d.RSSFirstKiB, d.RSSLastKiB, d.RSSMaxKiB, d.GoroutinesFirst, d.GoroutinesLast, d.GoroutinesMax)
	}
}
