package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// The abuse mode: one user (the first token) attacks while another (the second) uses the
// board. The other's REST latency is measured quiet, then under attack; the attack holds
// -conns connections of every kind one client can open (SSE streams and WebSockets that never
// read, long polls, request bodies declared and never sent, large answers never read), from
// -sources addresses, for -idle. Every connection is raw TCP, opened at most -dial-parallel at
// a time and closed at the end.

// abuseReport is the abuse mode's answer.
type abuseReport struct {
	Mode    string        `json:"mode"`
	URL     string        `json:"url"`
	Board   string        `json:"board"`
	Conns   int           `json:"conns"`
	Sources int           `json:"sources"`
	For     string        `json:"for"`
	Quiet   percentileSet `json:"quiet"`
	Attack  percentileSet `json:"underAttack"`
	// Ratio is the other user's p99 under attack over its quiet p99.
	Ratio float64 `json:"p99Ratio"`
	// Opened, Refused and Failed count the attacker's connections by how the server took them
	// (Refused: a 429 or 503 answer).
	Opened  map[string]int `json:"opened"`
	Refused map[string]int `json:"refused"`
	Failed  map[string]int `json:"failed"`
	// VictimErrors counts the other user's requests that failed.
	VictimErrors int `json:"victimErrors"`
}

// abuseKinds are the connections the attacker opens, round-robin.
var abuseKinds = []string{"sse", "websocket", "longpoll", "slow-body", "unread-answer"}

func runAbuse(ctx context.Context, cfg config, a *api, tokens []string, progress func(string, ...any)) (*abuseReport, error) {
	if len(tokens) < 2 {
		return nil, fmt.Errorf("-mode abuse needs two users: the attacker, then the other")
	}
	attacker, other := tokens[0], tokens[1]
	board := cfg.Boards[0]
	rep := &abuseReport{Mode: "abuse", URL: cfg.URL, Board: board, Conns: cfg.Conns, Sources: cfg.Sources, For: cfg.Idle.String(),
		Opened: map[string]int{}, Refused: map[string]int{}, Failed: map[string]int{}}

	progress("the other user, quiet, for %s", cfg.Idle)
	quiet, errs := victim(ctx, a, other, board, cfg.Idle)
	rep.Quiet, rep.VictimErrors = percentiles(quiet), errs

	u, _ := url.Parse(cfg.URL)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	count := func(m map[string]int, kind string) { mu.Lock(); m[kind]++; mu.Unlock() }
	sem := make(chan struct{}, cfg.DialRate)
	var wg sync.WaitGroup
	var opened atomic.Int64
	progress("the attacker opens %d connections", cfg.Conns)
	for i := range cfg.Conns {
		kind := abuseKinds[i%len(abuseKinds)]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, refused, err := openAbusive(u.Host, board, attacker, kind, i%cfg.Sources)
			switch {
			case err != nil:
				count(rep.Failed, kind)
			case refused:
				count(rep.Refused, kind)
				c.Close()
			default:
				count(rep.Opened, kind)
				opened.Add(1)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	progress("%d held open; the other user, under attack, for %s", opened.Load(), cfg.Idle)
	attack, errs := victim(ctx, a, other, board, cfg.Idle)
	rep.Attack, rep.VictimErrors = percentiles(attack), rep.VictimErrors+errs
	for _, c := range conns {
		c.Close()
	}
	if rep.Quiet.P99 > 0 {
		rep.Ratio = rep.Attack.P99 / rep.Quiet.P99
	}
	return rep, nil
}

// victim reads the board's snapshot and writes a task, in turn, 20 times a second for d,
// and returns each request's latency.
func victim(ctx context.Context, a *api, token, board string, d time.Duration) ([]time.Duration, int) {
	list, err := a.firstList(ctx, token, board)
	if err != nil {
		return nil, 1
	}
	var lat []time.Duration
	errs := 0
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	end := time.After(d)
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return lat, errs
		case <-end:
			return lat, errs
		case <-tick.C:
		}
		start := time.Now()
		var err error
		if i%2 == 0 {
			_, err = a.do(ctx, "GET", "/boards/"+board, token, nil, nil)
		} else {
			_, err = a.createTask(ctx, token, list, fmt.Sprintf("victim %d", i))
		}
		if err != nil {
			errs++
			continue
		}
		lat = append(lat, time.Since(start))
	}
}

// openAbusive opens one attacking connection of kind from 127.0.0.(1+source) and reports
// whether the server refused it (429 or 503) rather than holding it.
func openAbusive(host, board, token, kind string, source int) (net.Conn, bool, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+source))}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", host)
	if err != nil {
		return nil, false, err
	}
	auth := "Authorization: Bearer " + token + "\r\n"
	var req string
	switch kind {
	case "sse":
		req = "GET /boards/" + board + "/events HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Accept: text/event-stream\r\n\r\n"
	case "websocket":
		req = "GET /ws HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Connection: Upgrade\r\nUpgrade: websocket\r\n" +
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.StdEncoding.EncodeToString([]byte("taskload-abuse-k")) + "\r\n\r\n"
	case "longpoll":
		req = "GET /boards/" + board + "/poll HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n"
	case "slow-body":
		// A body declared and never sent: the read deadline must end it.
		req = "POST /tasks HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
		_, err := io.WriteString(c, req)
		return c, false, err
	case "unread-answer":
		// Asks for the snapshot and never reads it: the write deadline must end it.
		req = "GET /boards/" + board + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n"
		_, err := io.WriteString(c, req)
		return c, false, err
	}
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, false, err
	}
	// A stream or an upgrade answers its status line at once; read just that, never the rest.
	// A long poll that is let in waits: no answer in a moment is its answer.
	wait := 10 * time.Second
	if kind == "longpoll" {
		wait = 300 * time.Millisecond
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 512), nil)
	_ = c.SetReadDeadline(time.Time{})
	if ne, ok := err.(net.Error); ok && ne.Timeout() && kind == "longpoll" {
		return c, false, nil
	}
	if err != nil {
		c.Close()
		return nil, false, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		return c, true, nil
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, false, fmt.Errorf("%s answered %d", kind, resp.StatusCode)
	}
	return c, false, nil
}

// printTable writes the abuse report's table.
func (r *abuseReport) printTable(w io.Writer) {
	fmt.Fprintf(w, "other user's REST ms, quiet:  p50 %.2f p95 %.2f p99 %.2f max %.2f (n %d)\n", r.Quiet.P50, r.Quiet.P95, r.Quiet.P99, r.Quiet.Max, r.Quiet.N)
	fmt.Fprintf(w, "other user's REST ms, attack: p50 %.2f p95 %.2f p99 %.2f max %.2f (n %d)\n", r.Attack.P50, r.Attack.P95, r.Attack.P99, r.Attack.Max, r.Attack.N)
	fmt.Fprintf(w, "p99 ratio %.2f; other user's errors %d\n", r.Ratio, r.VictimErrors)
	for _, k := range abuseKinds {
		fmt.Fprintf(w, "  %-14s opened %5d  refused %5d  failed %5d\n", k, r.Opened[k], r.Refused[k], r.Failed[k])
	}
}
