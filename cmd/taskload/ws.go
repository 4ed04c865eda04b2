package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// wsLoad is the WebSocket mode: Conns gws clients, client i joining Boards[i % len(Boards)]
// as Users[i % len(Users)] from source address 127.0.0.(1 + i % Sources). Only Boards[0]
// gets the timed events.
type wsLoad struct {
	cfg     config
	base    time.Time // arrivals are measured from here, on the monotonic clock
	clients []*wsClient

	joinedOK, joinedFailed, answered atomic.Int64
	allJoined                        chan struct{}

	// The event being timed: its seq on Boards[0], the clients that have it, and when.
	want     atomic.Int64
	got      atomic.Int64
	expected int64
	arrivals []int64 // by client, nanoseconds since base
	done     atomic.Pointer[chan struct{}]
}

// wsClient is one connection; gws calls it on the connection's read loop.
type wsClient struct {
	l      *wsLoad
	id     int
	board  string
	conn   *gws.Conn
	joined atomic.Bool
	ended  chan struct{}
	prefix []byte // how the timed board's task_created messages start
}

func runWS(ctx context.Context, cfg config, a *api, tokens []string, progress func(string, ...any)) (*report, error) {
	l := &wsLoad{cfg: cfg, base: time.Now(), allJoined: make(chan struct{}), arrivals: make([]int64, cfg.Conns)}
	rep := &report{Mode: "ws", URL: cfg.URL, Conns: cfg.Conns, Boards: cfg.Boards, Users: len(tokens), Sources: cfg.Sources, StartedAt: time.Now().UTC()}

	listID, err := a.firstList(ctx, tokens[0], cfg.Boards[0])
	if err != nil {
		return nil, err
	}
	var mem *memory
	if cfg.ServerPID > 0 {
		before, err := rssKiB(cfg.ServerPID)
		if err != nil {
			return nil, err
		}
		mem = &memory{PID: cfg.ServerPID, BeforeKiB: before}
	}

	start := time.Now()
	err = l.connect(ctx, tokens)
	defer l.closeAll()
	if err != nil {
		return nil, err
	}
	rep.ConnectMs = ms(time.Since(start))
	progress("connected and joined %d websockets in %s", cfg.Conns, time.Since(start).Round(time.Millisecond))

	if mem != nil {
		if err := l.sampleIdle(ctx, mem); err != nil {
			return nil, err
		}
		rep.Memory = mem
		progress("server RSS %d KiB before, %d KiB idle: %.2f KiB per connection", mem.BeforeKiB, mem.IdleKiB, mem.PerConnKiB)
	}
	if cfg.Events > 0 {
		fo, err := l.fanOut(ctx, a, tokens[0], listID)
		if err != nil {
			return nil, err
		}
		rep.FanOut = fo
		progress("fan-out to %d: last receiver after %.1f ms (median over %d events)", fo.Receivers, fo.LastMs.Median, fo.Events)
	}
	return rep, nil
}

// connect opens every connection, DialRate at a time, and waits until all have joined.
func (l *wsLoad) connect(ctx context.Context, tokens []string) error {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(l.cfg.URL, "http") + "/ws"
	l.clients = make([]*wsClient, l.cfg.Conns)
	sem := make(chan struct{}, l.cfg.DialRate)
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	for i := range l.cfg.Conns {
		c := &wsClient{l: l, id: i, board: l.cfg.Boards[i%len(l.cfg.Boards)], ended: make(chan struct{})}
		c.prefix = []byte(`{"type":"task_created","boardId":"` + c.board + `",`)
		if c.board != l.cfg.Boards[0] {
			c.prefix = nil
		} else {
			l.expected++
		}
		l.clients[i] = c
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return fmt.Errorf("connecting: %w after %d connections", ctx.Err(), i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := c.dial(wsURL, tokens[i%len(tokens)], i%l.cfg.Sources); err != nil {
				firstErr.CompareAndSwap(nil, &err)
				close(c.ended)
				l.onJoin(false)
			}
		}()
	}
	wg.Wait()
	select {
	case <-l.allJoined:
	case <-ctx.Done():
		return fmt.Errorf("joining: %w with %d of %d joined", ctx.Err(), l.joinedOK.Load(), l.cfg.Conns)
	}
	if n := l.joinedFailed.Load(); n > 0 {
		err := fmt.Errorf("%d of %d connections failed", n, l.cfg.Conns)
		if p := firstErr.Load(); p != nil {
			err = fmt.Errorf("%w; first: %w", err, *p)
		}
		return err
	}
	return nil
}

func (c *wsClient) dial(url, token string, source int) error {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+source))}
	conn, resp, err := gws.NewClient(c, &gws.ClientOption{
		Addr:          url,
		RequestHeader: http.Header{"Authorization": {"Bearer " + token}},
		NewDialer: func() (gws.Dialer, error) {
			return &net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}, nil
		},
		ReadBufferSize: 1024,
	})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("dial %s: %w (%s)", url, err, resp.Status)
		}
		return fmt.Errorf("dial %s: %w", url, err)
	}
	c.conn = conn
	go conn.ReadLoop()
	// A failed write ends the read loop: OnClose counts the connection as failed.
	_ = conn.WriteString(`{"type":"join","boardId":"` + c.board + `"}`)
	return nil
}

func (l *wsLoad) onJoin(ok bool) {
	if ok {
		l.joinedOK.Add(1)
	} else {
		l.joinedFailed.Add(1)
	}
	if l.answered.Add(1) == int64(l.cfg.Conns) {
		close(l.allJoined)
	}
}

// OnOpen implements gws.Event.
func (c *wsClient) OnOpen(*gws.Conn) {}

// OnClose implements gws.Event.
func (c *wsClient) OnClose(*gws.Conn, error) {
	close(c.ended)
	if c.joined.CompareAndSwap(false, true) {
		c.l.onJoin(false)
	}
}

// OnPing implements gws.Event: the server's heartbeat.
func (c *wsClient) OnPing(conn *gws.Conn, payload []byte) { _ = conn.WritePong(payload) }

// OnPong implements gws.Event.
func (c *wsClient) OnPong(*gws.Conn, []byte) {}

// OnMessage implements gws.Event. It looks at as little as it can: the load tool shares the
// machine with the server.
func (c *wsClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	b := m.Bytes()
	switch {
	case !c.joined.Load() && bytes.HasPrefix(b, []byte(`{"type":"presence"`)):
		c.joined.Store(true)
		c.l.onJoin(true)
	case !c.joined.Load() && bytes.HasPrefix(b, []byte(`{"type":"error"`)):
		c.joined.Store(true)
		c.l.onJoin(false)
	case c.prefix != nil && bytes.HasPrefix(b, c.prefix):
		c.l.arrive(c.id, seqOf(b))
	}
}

// seqOf reads the seq of an event's JSON.
func seqOf(b []byte) int64 {
	i := bytes.Index(b, []byte(`"seq":`))
	if i < 0 {
		return 0
	}
	var n int64
	for _, c := range b[i+6:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// arrive records that client id has the event seq.
func (l *wsLoad) arrive(id int, seq int64) {
	if seq != l.want.Load() {
		return
	}
	l.arrivals[id] = int64(time.Since(l.base))
	if l.got.Add(1) == l.expected {
		close(*l.done.Load())
	}
}

// sampleIdle samples the server's RSS every second while the connections sit idle.
func (l *wsLoad) sampleIdle(ctx context.Context, mem *memory) error {
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		kib, err := rssKiB(mem.PID)
		if err != nil {
			return err
		}
		if mem.Samples == 0 || kib < mem.IdleKiB {
			mem.IdleKiB = kib
		}
		mem.IdleLastKiB = kib
		mem.Samples++
		if time.Since(start) >= l.cfg.Idle {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	mem.IdleSecs = time.Since(start).Seconds()
	mem.PerConnKiB = float64(mem.IdleKiB-mem.BeforeKiB) / float64(l.cfg.Conns)
	return nil
}

// fanOut creates Events tasks on Boards[0], one at a time, and times each event from the
// request until every client of that board has it.
func (l *wsLoad) fanOut(ctx context.Context, a *api, token, listID string) (*fanOut, error) {
	var snap struct{ Seq int64 }
	if _, err := a.do(ctx, "GET", "/boards/"+l.cfg.Boards[0], token, nil, &snap); err != nil {
		return nil, err
	}
	fo := &fanOut{Events: l.cfg.Events, Receivers: int(l.expected)}
	var commit, first, median, last []time.Duration
	seq := snap.Seq
	for i := range l.cfg.Events {
		seq++
		done := make(chan struct{})
		l.done.Store(&done)
		clear(l.arrivals)
		l.got.Store(0)
		l.want.Store(seq)
		t0 := time.Since(l.base)
		if _, err := a.createTask(ctx, token, listID, fmt.Sprintf("fan-out %d", i)); err != nil {
			return nil, err
		}
		commit = append(commit, time.Since(l.base)-t0)
		select {
		case <-done:
		case <-time.After(l.cfg.Timeout):
			return nil, fmt.Errorf("event %d reached %d of %d clients within %s", seq, l.got.Load(), l.expected, l.cfg.Timeout)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		var times []time.Duration
		for _, at := range l.arrivals {
			if at > 0 {
				times = append(times, time.Duration(at)-t0)
			}
		}
		slices.Sort(times)
		first, median, last = append(first, times[0]), append(median, times[len(times)/2]), append(last, times[len(times)-1])
		time.Sleep(200 * time.Millisecond) // let the server settle between events
	}
	l.want.Store(0)
	fo.CommitMs, fo.FirstMs, fo.MedianMs, fo.LastMs = summarize(commit), summarize(first), summarize(median), summarize(last)
	return fo, nil
}

// closeAll closes every connection and waits, boundedly, for their read loops to end.
func (l *wsLoad) closeAll() {
	for _, c := range l.clients {
		if c != nil && c.conn != nil {
			_ = c.conn.WriteClose(1000, nil)
		}
	}
	deadline := time.After(10 * time.Second)
	for _, c := range l.clients {
		if c == nil || c.conn == nil {
			continue
		}
		select {
		case <-c.ended:
		case <-deadline:
			return
		}
	}
}
