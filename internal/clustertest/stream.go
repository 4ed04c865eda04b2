package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Event is a board event as a client received it, or a resync.
type Event struct {
	Seq  int64
	Type string
	JSON []byte // compacted, so that transports that indent alike compare equal
}

// boardEvents are the types of the durable board events, the ones with a seq.
var boardEvents = map[string]bool{
	"task_created": true, "task_updated": true, "task_moved": true, "task_deleted": true,
	"list_created": true, "list_updated": true, "list_deleted": true,
	"board_updated": true, "board_deleted": true, "member_added": true, "member_removed": true,
}

// parseEvent reads an event's JSON. ok is false for what is no board event nor a resync.
func parseEvent(data []byte) (e Event, ok bool) {
	var head struct {
		Type string `json:"type"`
		Seq  int64  `json:"seq"`
	}
	if json.Unmarshal(data, &head) != nil || !(boardEvents[head.Type] || head.Type == "resync") {
		return Event{}, false
	}
	var buf bytes.Buffer
	if json.Compact(&buf, data) != nil {
		return Event{}, false
	}
	return Event{Seq: head.Seq, Type: head.Type, JSON: buf.Bytes()}, true
}

// Recorder keeps the events a client received, over one connection or several in turn. It is
// safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []Event
	wake   chan struct{} // closed and replaced when an event comes
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{wake: make(chan struct{})} }

func (r *Recorder) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	close(r.wake)
	r.wake = make(chan struct{})
}

// Events returns a copy of the events received so far, in the order they came.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Last is the seq of the last event received, 0 if none: where a client resumes.
func (r *Recorder) Last() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return 0
	}
	return r.events[len(r.events)-1].Seq
}

// WaitSeq waits until an event with seq at least seq came, failing t after within.
func (r *Recorder) WaitSeq(t testing.TB, name string, seq int64, within time.Duration) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		wake, n := r.wake, len(r.events)
		last := int64(0)
		if n > 0 {
			last = r.events[n-1].Seq
		}
		r.mu.Unlock()
		if last >= seq {
			return
		}
		select {
		case <-wake:
		case <-deadline.C:
			t.Fatalf("%s: at seq %d (%d events) after %v, want %d", name, last, n, within, seq)
		}
	}
}

// CheckSequence fails t unless events are exactly the board's events 1..n, each once, in order.
func CheckSequence(t testing.TB, name string, events []Event, n int64) {
	t.Helper()
	for i, e := range events {
		if e.Seq != int64(i)+1 || e.Type == "resync" {
			t.Fatalf("%s: event %d is %s seq %d, want seq %d (no gap, no duplicate, no resync)", name, i, e.Type, e.Seq, i+1)
		}
	}
	if int64(len(events)) != n {
		t.Fatalf("%s: %d events, want %d", name, len(events), n)
	}
}

// CheckSame fails t unless got holds the same events as want, byte for byte.
func CheckSame(t testing.TB, name string, got, want []Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", name, len(got), len(want))
	}
	for i := range got {
		if got[i].Seq != want[i].Seq || !bytes.Equal(got[i].JSON, want[i].JSON) {
			t.Fatalf("%s: event %d differs:\n got %s\nwant %s", name, i, got[i].JSON, want[i].JSON)
		}
	}
}

// SSE is one event stream of a board, recording its events into a Recorder.
type SSE struct {
	// Connected is closed when the stream's connected frame came.
	Connected chan struct{}
	// Done is closed when the stream has ended, by the server or by Close.
	Done   chan struct{}
	cancel context.CancelFunc
}

// OpenSSE opens GET /boards/{board}/events at the node at url with token, from after seq
// lastID if it is positive (Last-Event-ID), and records its events into rec until it ends. It
// fails t unless the node answers 200. t's cleanup closes it.
func OpenSSE(t testing.TB, url, token, board string, lastID int64, rec *Recorder) *SSE {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := dialSSE(ctx, client, url, token, board, lastID)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &SSE{Connected: make(chan struct{}), Done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(s.Done)
		defer resp.Body.Close()
		readSSE(resp, func() { close(s.Connected) }, rec)
	}()
	t.Cleanup(func() {
		s.Close()
		client.CloseIdleConnections()
	})
	return s
}

// dialSSE sends the request of a stream and returns its answer if it is 200.
func dialSSE(ctx context.Context, client *http.Client, url, token, board string, lastID int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/boards/"+board+"/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(lastID, 10))
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("SSE at %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("SSE at %s: %s", url, resp.Status)
	}
	return resp, nil
}

// Follower is an SSE client that, as a browser's EventSource does, opens its stream again
// with Last-Event-ID whenever it ends, and also, unlike EventSource, after an answer other
// than 200 (such as a 503 while the database is down).
type Follower struct {
	// Connected is closed when the first stream's connected frame came.
	Connected chan struct{}

	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	opens  int      // streams opened
	errs   []string // failed attempts
}

// FollowSSE follows board's events at the node at url with token, into rec, until Stop. t's
// cleanup stops it.
func FollowSSE(t testing.TB, url, token, board string, rec *Recorder) *Follower {
	ctx, cancel := context.WithCancel(context.Background())
	f := &Follower{Connected: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	client := &http.Client{Transport: &http.Transport{}}
	var once sync.Once
	connected := func() { once.Do(func() { close(f.Connected) }) }
	go func() {
		defer close(f.done)
		defer client.CloseIdleConnections()
		for ctx.Err() == nil {
			resp, err := dialSSE(ctx, client, url, token, board, rec.Last())
			if err != nil {
				if ctx.Err() == nil {
					f.note(err.Error())
				}
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond): // a pause before a retry, not a wait for anything
				}
				continue
			}
			f.mu.Lock()
			f.opens++
			f.mu.Unlock()
			readSSE(resp, connected, rec)
			resp.Body.Close()
		}
	}()
	t.Cleanup(f.Stop)
	return f
}

func (f *Follower) note(err string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, err)
}

// Reconnects returns how many times the stream was opened again after the first, and the
// attempts that failed.
func (f *Follower) Reconnects() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return max(f.opens-1, 0), append([]string(nil), f.errs...)
}

// Stop ends the stream and waits until it has ended.
func (f *Follower) Stop() {
	f.cancel()
	<-f.done
}

// readSSE reads frames until the stream ends, calling connected on its connected frame.
func readSSE(resp *http.Response, connected func(), rec *Recorder) {
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if data == nil {
				continue
			}
			if e, ok := parseEvent(data); ok {
				rec.add(e)
			} else if bytes.Contains(data, []byte(`"type":"connected"`)) {
				connected()
			}
			data = nil
		case bytes.HasPrefix(line, []byte("data: ")):
			data = append(data, line[len("data: "):]...)
		}
	}
}

// Close ends the stream and waits until its reader is done.
func (s *SSE) Close() {
	s.cancel()
	<-s.Done
}

// Poller long-polls a board, recording its events into a Recorder, until Stop.
type Poller struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	errs   []string
}

// Poll starts long-polling board through c from after rec.Last(). An answer other than 200
// is noted (Errors) and the poll is retried after a pause. t's cleanup stops it.
func Poll(t testing.TB, c *Client, board string, rec *Recorder) *Poller {
	ctx, cancel := context.WithCancel(context.Background())
	p := &Poller{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for ctx.Err() == nil {
			if !p.pollOnce(ctx, c, board, rec) {
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond): // a pause before a retry, not a wait for anything
				}
			}
		}
	}()
	t.Cleanup(p.Stop)
	return p
}

// pollOnce sends one long poll and records what it answers; false means to pause.
func (p *Poller) pollOnce(ctx context.Context, c *Client, board string, rec *Recorder) bool {
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/boards/%s/poll?since=%d&timeout=5", c.URL, board, rec.Last()), nil)
	if err != nil {
		p.note(err.Error())
		return false
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			p.note(err.Error())
		}
		return false
	}
	defer resp.Body.Close()
	var page struct {
		Data   []json.RawMessage `json:"data"`
		Resync bool              `json:"resync"`
		Seq    int64             `json:"seq"`
	}
	if resp.StatusCode != http.StatusOK {
		p.note(resp.Status)
		return false
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		p.note(err.Error())
		return false
	}
	if page.Resync {
		rec.add(Event{Seq: page.Seq, Type: "resync"})
		return false
	}
	for _, raw := range page.Data {
		if e, ok := parseEvent(raw); ok {
			rec.add(e)
		}
	}
	return true
}

func (p *Poller) note(err string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, err)
}

// Errors returns the failed polls so far.
func (p *Poller) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// Stop ends the polling and waits until it has.
func (p *Poller) Stop() {
	p.cancel()
	<-p.done
}

// Summary describes a sequence of events shortly, for logs.
func Summary(events []Event) string {
	if len(events) == 0 {
		return "no events"
	}
	types := map[string]int{}
	for _, e := range events {
		types[e.Type]++
	}
	var parts []string
	for k, v := range types {
		parts = append(parts, fmt.Sprintf("%s×%d", k, v))
	}
	slices.Sort(parts)
	return fmt.Sprintf("seq %d..%d (%s)", events[0].Seq, events[len(events)-1].Seq, strings.Join(parts, ", "))
}
