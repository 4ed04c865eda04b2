// Package metrics exposes taskboard's metrics to Prometheus: it implements actors.Observer and
// gateway.Observer with collectors on a registry of its own (never the global one), served by
// Handler along with the Go runtime's and the process's metrics.
//
// Only cmd/taskboard imports it; actors and gateway know only their Observer interfaces.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/taskboard/taskboard/actors"
	"github.com/taskboard/taskboard/gateway"
	"github.com/taskboard/taskboard/messages"
)

// transports are the label values of the per-transport metrics, resolved once so that a
// delivery to thousands of connections does not look its labels up each time.
var transports = []string{gateway.TransportSSE, gateway.TransportWebSocket, gateway.TransportLongPoll, gateway.TransportShortPoll}

// Metrics holds taskboard's collectors. It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	boards      prometheus.Gauge
	published   prometheus.Counter
	fannedOut   prometheus.Counter
	dropped     prometheus.Counter
	commit      prometheus.Histogram
	commitFails prometheus.Counter
	changes     prometheus.Counter
	mutation    *prometheus.HistogramVec

	connections map[string]prometheus.Gauge
	refused     *prometheus.CounterVec
	delivered   map[string]prometheus.Counter
	latency     map[string]prometheus.Observer
}

// New returns Metrics registered on a fresh registry, with the Go runtime and process
// collectors (goroutines, heap, resident memory, open files).
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		boards: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "taskboard_board_actors", Help: "Board actors running (loaded in memory).",
		}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskboard_events_published_total", Help: "Board events committed and fanned out.",
		}),
		fannedOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskboard_events_fanned_out_total", Help: "Board events offered to live subscribers (one per subscriber).",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskboard_slow_subscribers_dropped_total", Help: "Subscribers ended because their queue was full.",
		}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "taskboard_db_commit_duration_seconds", Help: "Database transactions of board changes.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16),
		}),
		commitFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskboard_db_commit_errors_total", Help: "Database transactions of board changes that failed.",
		}),
		changes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskboard_db_committed_changes_total", Help: "Board changes committed (several per transaction under group commit).",
		}),
		mutation: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "taskboard_mutation_duration_seconds", Help: "Board mutations from the call to the board until its answer, by outcome (ok or the error code).",
			Buckets: prometheus.ExponentialBuckets(100e-6, 2, 16),
		}, []string{"outcome"}),
		connections: map[string]prometheus.Gauge{},
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskboard_connections_refused_total", Help: "Live connections refused past a cap, by transport and reason (user, address, total).",
		}, []string{"transport", "reason"}),
		delivered: map[string]prometheus.Counter{},
		latency:   map[string]prometheus.Observer{},
	}
	connections := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "taskboard_connections", Help: "Live connections by transport (sse, websocket, longpoll).",
	}, []string{"transport"})
	delivered := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskboard_events_delivered_total", Help: "Board events written to connections, replays included, by transport.",
	}, []string{"transport"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "taskboard_delivery_latency_seconds", Help: "From a board event's commit to its write on a connection, live deliveries only, by transport.",
		Buckets: prometheus.ExponentialBuckets(100e-6, 2, 16),
	}, []string{"transport"})
	for _, tr := range transports {
		if tr != gateway.TransportShortPoll {
			m.connections[tr] = connections.WithLabelValues(tr)
		}
		m.delivered[tr] = delivered.WithLabelValues(tr)
		m.latency[tr] = latency.WithLabelValues(tr)
	}
	m.reg.MustRegister(m.boards, m.published, m.fannedOut, m.dropped, m.commit, m.commitFails, m.changes, m.mutation,
		connections, delivered, latency, m.refused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry the metrics are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var (
	_ actors.Observer  = (*Metrics)(nil)
	_ gateway.Observer = (*Metrics)(nil)
)

// BoardStarted implements actors.Observer.
func (m *Metrics) BoardStarted() { m.boards.Inc() }

// BoardStopped implements actors.Observer.
func (m *Metrics) BoardStopped() { m.boards.Dec() }

// Committed implements actors.Observer.
func (m *Metrics) Committed(changes int, d time.Duration, err error) {
	m.commit.Observe(d.Seconds())
	if err != nil {
		m.commitFails.Inc()
		return
	}
	m.changes.Add(float64(changes))
}

// Published implements actors.Observer.
func (m *Metrics) Published(_ messages.EventType, subscribers int) {
	m.published.Inc()
	m.fannedOut.Add(float64(subscribers))
}

// Dropped implements actors.Observer.
func (m *Metrics) Dropped() { m.dropped.Inc() }

// Mutated implements actors.Observer.
func (m *Metrics) Mutated(d time.Duration, code string) {
	if code == "" {
		code = "ok"
	}
	m.mutation.WithLabelValues(code).Observe(d.Seconds())
}

// Refused implements gateway.Observer.
func (m *Metrics) Refused(transport, reason string) {
	m.refused.WithLabelValues(transport, reason).Inc()
}

// Connected implements gateway.Observer.
func (m *Metrics) Connected(transport string) {
	if g, ok := m.connections[transport]; ok {
		g.Inc()
	}
}

// Disconnected implements gateway.Observer.
func (m *Metrics) Disconnected(transport string) {
	if g, ok := m.connections[transport]; ok {
		g.Dec()
	}
}

// Delivered implements gateway.Observer.
func (m *Metrics) Delivered(transport string, committed time.Time) {
	c, ok := m.delivered[transport]
	if !ok {
		return
	}
	c.Inc()
	if !committed.IsZero() {
		m.latency[transport].Observe(time.Since(committed).Seconds())
	}
}
