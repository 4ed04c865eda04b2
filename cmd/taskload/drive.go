package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// The drive mode: Conns subscribers of one transport (or a mix: ws, sse, longpoll in turn),
// subscriber i on Boards[i % len(Boards)] at node nodeOf(i); the server's RSS and goroutines sampled while they
// sit idle; then Mutations task creations at Rate per second over REST, spread over the
// boards, each timed from the start of its POST to its receipt by every subscriber of its
// board. Every subscriber checks that the seqs it gets are contiguous: a gap is a lost event,
// a seq again a duplicate.

// The transports, as -mode names them.
var transports = []string{"ws", "sse", "longpoll"}

// driveLoad is one drive run.
type driveLoad struct {
	cfg    config
	subs   []*subscriber
	client *http.Client // subscribers' HTTP (SSE, long poll): its own connections
}

// subscriber is one connection and what it saw; only its own reading goroutine touches the
// counters until the run ends.
type subscriber struct {
	l         *driveLoad
	transport string
	board     string
	token     string
	node      int    // the index of the node it subscribes at
	url       string // and its URL
	source    int
	// last is the last seq received (the board's seq when it subscribed, to start with).
	last     atomic.Int64
	ready    chan struct{} // closed once subscribed, with last set
	readyErr error
	got      int
	lost     int64
	dup      int
	errs     int // failed polls, retried
	outage   outage
	// heartbeats counts the SSE heartbeat comments and WebSocket pings received.
	heartbeats atomic.Int64
	latency    []time.Duration
	stop       func()
	ended      chan struct{}
	skip       int // the n-th event (from 1) to ignore, as if lost (tests)
	seen       int
}

func (l *driveLoad) transportOf(i int) string {
	if l.cfg.Mode == "mix" {
		return transports[i%len(transports)]
	}
	return l.cfg.Mode
}

func runDrive(ctx context.Context, cfg config, a *api, tokens []string, progress func(string, ...any)) (*driveReport, error) {
	targets, err := mutationTargets(ctx, cfg, a, tokens[0])
	if err != nil {
		return nil, err
	}
	l := newDriveLoad(cfg)
	rep := newDriveReport(cfg)
	sampler := newSampler(cfg, a)
	sampler.sample(ctx, "before")

	start := time.Now()
	l.connect(ctx, tokens)
	defer l.closeAll()
	rep.ConnectMs = ms(time.Since(start))
	rep.addSubscribers(l.subs)
	progress("%d subscribers connected in %s", cfg.Conns, time.Since(start).Round(time.Millisecond))
	if cfg.Idle > 0 {
		sampler.idle(ctx, cfg.Idle)
	}
	sampler.sample(ctx, "idle")

	if cfg.Mutations > 0 {
		l.mutate(ctx, a, tokens, targets, rep, sampler)
		progress("%d mutations in %.1fs, %d failed", cfg.Mutations, rep.DriveSecs, rep.PostErrors)
	}
	l.settle(ctx, tokens[0], rep)
	sampler.sample(ctx, "after")
	rep.finish(sampler)
	return rep, nil
}

func newDriveLoad(cfg config) *driveLoad {
	return &driveLoad{cfg: cfg, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// mutationTargets returns, for each board, what its mutations change: the first list, where
// -op create adds tasks, or the task that -op update renames (created here, before anyone
// subscribes), which keeps the board's size constant for soak runs.
func mutationTargets(ctx context.Context, cfg config, a *api, token string) (map[string]string, error) {
	targets := map[string]string{}
	for _, b := range cfg.Boards {
		id, err := a.firstList(ctx, token, b)
		if err == nil && cfg.Op == "update" {
			id, err = a.createTask(ctx, token, id, "load target")
		}
		if err != nil {
			return nil, err
		}
		targets[b] = id
	}
	return targets, nil
}

// mutate runs the mutations, sampling the server meanwhile.
func (l *driveLoad) mutate(ctx context.Context, a *api, tokens []string, targets map[string]string, rep *driveReport, sampler *sampler) {
	stopSampling := sampler.every(ctx, l.cfg.SampleEvery, "driving")
	rep.Post, rep.PostErrors, rep.DriveSecs = l.drive(ctx, a, tokens, targets, rep.Nodes)
	stopSampling()
	rep.Driving = sampler.drift("driving")
}

// settle waits until every subscriber has its board's last event (whatever is missing then
// is lost), ends the subscribers and adds what they counted to rep.
func (l *driveLoad) settle(ctx context.Context, token string, rep *driveReport) {
	final := l.awaitDelivery(ctx, token)
	l.closeAll() // the readers are done: their counters can be read
	rep.addOutages(l.subs)
	for _, s := range l.subs {
		if s.readyErr != nil {
			continue
		}
		if missing := final[s.board] - s.last.Load(); missing > 0 {
			s.lost += missing
		}
		ts := rep.Transports[s.transport]
		ts.Errors += s.errs
		ts.Heartbeats += s.heartbeats.Load()
		ts.Deliveries += s.got
		ts.Lost += s.lost
		ts.Duplicated += s.dup
		ts.all = append(ts.all, s.latency...)
	}
}

// connect opens every subscriber, DialRate at a time, and waits (within Timeout) until each
// has subscribed or failed.
func (l *driveLoad) connect(ctx context.Context, tokens []string) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	sem := make(chan struct{}, l.cfg.DialRate)
	l.subs = make([]*subscriber, l.cfg.Conns)
	for i := range l.cfg.Conns {
		g := l.cfg.First + i // the subscriber's index across processes
		s := &subscriber{l: l, transport: l.transportOf(g), board: l.cfg.Boards[g%len(l.cfg.Boards)], outage: outage{at: l.cfg.nodeOf(g)},
			token: tokens[g%len(tokens)], node: l.cfg.nodeOf(g), url: l.cfg.Nodes[l.cfg.nodeOf(g)], source: g % l.cfg.Sources,
			ready: make(chan struct{}), ended: make(chan struct{})}
		if i == 0 {
			s.skip = l.cfg.skipNth
		}
		l.subs[i] = s
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			s.fail(ctx.Err())
			close(s.ended)
			continue
		}
		go func() {
			s.start(ctx)
			select {
			case <-s.ready:
			case <-ctx.Done():
			}
			<-sem
		}()
	}
	for _, s := range l.subs {
		select {
		case <-s.ready:
		case <-ctx.Done():
			s.fail(fmt.Errorf("not subscribed within %s", l.cfg.Timeout))
		}
	}
}

var readyMu sync.Mutex

// fail marks a subscriber that could not subscribe; only the first outcome counts.
func (s *subscriber) fail(err error) {
	readyMu.Lock()
	defer readyMu.Unlock()
	select {
	case <-s.ready:
	default:
		s.readyErr = err
		close(s.ready)
	}
}

// subscribed marks a subscriber live after seq.
func (s *subscriber) subscribed(seq int64) {
	readyMu.Lock()
	defer readyMu.Unlock()
	select {
	case <-s.ready:
	default:
		s.last.Store(seq)
		close(s.ready)
	}
}

func (s *subscriber) start(ctx context.Context) {
	switch s.transport {
	case "ws":
		s.startWS()
	case "sse":
		s.startSSE(ctx)
	case "longpoll":
		s.startPoll()
	}
}

// receive checks one board event: its seq against the last, its latency from its mutation's
// start (events of other writers are not timed).
func (s *subscriber) receive(data []byte) {
	seq := seqOf(data)
	if seq == 0 {
		return
	}
	if s.seen++; s.seen == s.skip {
		return
	}
	last := s.last.Load()
	switch {
	case seq <= last:
		s.dup++
		return
	case seq > last+1:
		s.lost += seq - last - 1
	}
	s.last.Store(seq)
	s.got++
	s.noteReceipt(time.Now())
	if start, ok := mutationStart(data); ok {
		s.latency = append(s.latency, time.Duration(time.Now().UnixNano()-start))
	}
}

// loadTitle is the title of the load's i-th task: it carries when its POST started, as wall
// clock nanoseconds, so that any process on the machine can time its receipt.
func loadTitle(i int, start time.Time) string {
	return "load " + strconv.Itoa(i) + " " + strconv.FormatInt(start.UnixNano(), 10)
}

// mutationStart returns when the POST of the load's task in an event started
// ("title":"load <i> <start>").
func mutationStart(b []byte) (int64, bool) {
	i := bytes.Index(b, []byte(`"title":"load `))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(`"title":"load `):]
	end := bytes.IndexByte(b, '"')
	if end < 0 {
		return 0, false
	}
	_, start, ok := strings.Cut(string(b[:end]), " ")
	if !ok {
		return 0, false
	}
	t, err := strconv.ParseInt(start, 10, 64)
	return t, err == nil
}

func (s *subscriber) dialer() *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+s.source))}, Timeout: 10 * time.Second}
}

// wsSub is a WebSocket subscriber's gws handler: it joins with the board's seq as lastSeq,
// and is subscribed when the presence answers.
type wsSub struct {
	gws.BuiltinEventHandler
	s *subscriber
}

func (s *subscriber) startWS() {
	url := "ws" + strings.TrimPrefix(s.url, "http") + "/ws"
	h := &wsSub{s: s}
	conn, _, err := gws.NewClient(h, &gws.ClientOption{
		Addr:           url,
		RequestHeader:  http.Header{"Authorization": {"Bearer " + s.token}},
		NewDialer:      func() (gws.Dialer, error) { return s.dialer(), nil },
		ReadBufferSize: 1024,
	})
	if err != nil {
		s.fail(err)
		close(s.ended)
		return
	}
	s.stop = func() { _ = conn.WriteClose(1000, nil) }
	go conn.ReadLoop()
	// lastSeq 0 would replay; joining without it and reading the snapshot's seq races with
	// events. Join with the board's current seq instead: the server replays nothing newer.
	var seq int64
	if err := s.l.boardSeq(s.url, s.token, s.board, &seq); err != nil {
		s.fail(err)
		return
	}
	s.last.Store(seq)
	_ = conn.WriteString(`{"type":"join","boardId":"` + s.board + `","lastSeq":` + strconv.FormatInt(seq, 10) + `}`)
}

func (h *wsSub) OnClose(*gws.Conn, error) {
	h.s.fail(errors.New("websocket closed"))
	close(h.s.ended)
}

func (h *wsSub) OnPing(c *gws.Conn, p []byte) {
	h.s.heartbeats.Add(1)
	_ = c.WritePong(p)
}

func (h *wsSub) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	b := m.Bytes()
	switch {
	case bytes.HasPrefix(b, []byte(`{"type":"presence"`)):
		h.s.subscribed(h.s.last.Load())
	case bytes.HasPrefix(b, []byte(`{"type":"error"`)), bytes.HasPrefix(b, []byte(`{"type":"resync"`)):
		h.s.fail(fmt.Errorf("join: %s", b))
	default:
		h.s.receive(b)
	}
}

// boardSeq reads a board's seq at the node at url.
// It asks the short poll without since, which answers the seq alone: the snapshot would carry
// every task of the board to each of thousands of subscribers.
func (l *driveLoad) boardSeq(url, token, board string, seq *int64) error {
	var answer struct{ Seq int64 }
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.Timeout)
	defer cancel()
	_, err := newAPIWith(url, l.client).do(ctx, "GET", "/boards/"+board+"/updates", token, nil, &answer)
	*seq = answer.Seq
	return err
}

// startSSE opens the board's event stream: the connected frame carries the seq it starts after.
// With -failover a stream that ends resumes at the next node (see failover).
func (s *subscriber) startSSE(ctx context.Context) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = cancel
	client := s.httpClient()
	resp, err := s.openSSE(ctx, client, s.url, "")
	if err != nil {
		s.fail(err)
		close(s.ended)
		return
	}
	go func() {
		defer close(s.ended)
		for resp != nil {
			s.readSSE(resp)
			resp = nil
			if s.l.cfg.Failover && ctx.Err() == nil {
				resp = s.failover(ctx, client)
			}
		}
		s.fail(errors.New("stream ended"))
	}()
}

// openSSE opens the board's event stream at the node at url, after lastEventID if not empty.
func (s *subscriber) openSSE(ctx context.Context, client *http.Client, url, lastEventID string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/boards/"+s.board+"/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET events: %s", resp.Status)
	}
	return resp, nil
}

// readSSE reads a stream until it ends, and closes it.
func (s *subscriber) readSSE(resp *http.Response) {
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		line, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: "))
		if !ok {
			if bytes.HasPrefix(sc.Bytes(), []byte(":")) {
				s.heartbeats.Add(1)
			}
			continue
		}
		if bytes.HasPrefix(line, []byte(`{"type":"connected"`)) {
			s.subscribed(seqOf(line))
			continue
		}
		s.receive(line)
	}
}

// httpClient is the subscriber's own client, from its source address.
func (s *subscriber) httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: s.dialer().DialContext, MaxIdleConnsPerHost: 1}}
}

// startPoll long-polls the board from its current seq until stopped.
func (s *subscriber) startPoll() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	var seq int64
	if err := s.l.boardSeq(s.url, s.token, s.board, &seq); err != nil {
		s.fail(err)
		close(s.ended)
		return
	}
	s.last.Store(seq)
	client := s.httpClient()
	a := newAPIWith(s.url, client)
	s.subscribed(seq)
	go func() {
		defer close(s.ended)
		since := seq
		for ctx.Err() == nil {
			var answer struct {
				Data   []json.RawMessage `json:"data"`
				Seq    int64             `json:"seq"`
				Resync bool              `json:"resync"`
			}
			path := "/boards/" + s.board + "/poll?timeout=25&since=" + strconv.FormatInt(since, 10)
			if _, err := a.do(ctx, "GET", path, s.token, nil, &answer); err != nil {
				if ctx.Err() != nil {
					return
				}
				s.errs++
				select { // a refused poll (503) is retried, not hammered
				case <-time.After(100 * time.Millisecond):
				case <-ctx.Done():
				}
				continue
			}
			for _, e := range answer.Data {
				s.receive(e)
			}
			since = max(since, answer.Seq)
		}
	}()
}

// drive sends Mutations mutations at Rate per second over REST or WebSocket (-via),
// round-robin over the boards, mutation i to node nodeOf(i), each in its own goroutine (at most InFlight at once), and returns
// how long each took to be answered (the REST answer, or the WebSocket ack). It counts each
// node's answers in nodes.
func (l *driveLoad) drive(ctx context.Context, a *api, tokens []string, targets map[string]string, nodes []*nodeStats) (percentileSet, int, float64) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	interval := time.Second / time.Duration(l.cfg.Rate)
	sem := make(chan struct{}, l.cfg.InFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var posts []time.Duration
	acks := make([][]time.Time, len(nodes)) // when each node acknowledged each of its mutations
	var failed atomic.Int64
	muts, err := l.mutators(a, tokens[0])
	if err != nil {
		return percentileSet{}, l.cfg.Mutations, 0
	}
	defer func() {
		for _, m := range muts {
			m.close()
		}
	}()
	start := time.Now()
	for i := range l.cfg.Mutations {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			failed.Add(int64(l.cfg.Mutations - i))
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			node, err := l.send(ctx, muts, l.cfg.nodeOf(i), targets[l.cfg.Boards[i%len(l.cfg.Boards)]], loadTitle(i, t0))
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed.Add(1)
				nodes[node].Failed++
				return
			}
			nodes[node].Acked++
			acks[node] = append(acks[node], time.Now())
			posts = append(posts, d)
		}()
	}
	wg.Wait()
	for i, n := range nodes {
		gap, end := longestGap(acks[i])
		n.WriteGapMs, n.WritesResumedAt = ms(gap), end
	}
	return percentiles(posts), int(failed.Load()), time.Since(start).Seconds()
}

// mutators returns a mutator per node: a's own at the first node, as the token came from there.
func (l *driveLoad) mutators(a *api, token string) ([]mutator, error) {
	n := len(l.cfg.Nodes)
	muts := make([]mutator, 0, n)
	for i, node := range l.cfg.Nodes {
		if l.cfg.Via == "ws" {
			m, err := newWSMutator(node, token, (l.cfg.Rate+n-1)/n)
			if err != nil {
				for _, m := range muts {
					m.close()
				}
				return nil, err
			}
			muts = append(muts, m)
			continue
		}
		if i > 0 {
			a = newAPIWith(node, a.client)
		}
		muts = append(muts, restMutator{a: a, token: token})
	}
	return muts, nil
}

// awaitDelivery waits (within Timeout) until every live subscriber has reached its board's
// final seq, and returns those seqs: whatever is missing then is lost.
func (l *driveLoad) awaitDelivery(ctx context.Context, token string) map[string]int64 {
	final := map[string]int64{}
	for _, b := range l.cfg.Boards {
		for _, node := range l.cfg.Nodes { // the first node that answers
			var seq int64
			if err := l.boardSeq(node, token, b, &seq); err == nil {
				final[b] = seq
				break
			}
		}
	}
	deadline := time.Now().Add(l.cfg.Timeout)
	for _, s := range l.subs {
		if s.readyErr != nil {
			continue
		}
		for s.last.Load() < final[s.board] && time.Now().Before(deadline) && ctx.Err() == nil {
			select {
			case <-s.ended:
				deadline = time.Now()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return final
}

// closeAll ends every subscriber and waits, boundedly, for them to end.
func (l *driveLoad) closeAll() {
	for _, s := range l.subs {
		if s != nil && s.stop != nil {
			s.stop()
		}
	}
	deadline := time.After(10 * time.Second)
	for _, s := range l.subs {
		if s == nil {
			continue
		}
		select {
		case <-s.ended:
		case <-deadline:
			return
		}
	}
}
