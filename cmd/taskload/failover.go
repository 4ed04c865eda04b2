package main

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// What clients see when a node, or the database under the nodes, goes away: each subscriber
// keeps the longest gap between two events it received, and each node the longest gap
// between two mutations it acknowledged, with when the gap ended (the wall clock, to set
// beside when the node was killed or the database came back). With -failover an SSE stream
// that ends resumes at the next node with Last-Event-ID (its contiguous seqs say whether
// anything was lost or repeated), and a mutation that fails is tried at the other nodes in
// turn; -failover is for runs that kill something, as a failed mutation may have committed
// before its node died, and its retry then adds a task of its own.

// outage is what one subscriber saw of interruptions; only its reading goroutine touches it.
type outage struct {
	lastAt time.Time     // the last event's receipt
	gap    time.Duration // the longest time between two events
	gapEnd time.Time     // when it ended
	// at is the node the stream is at now; droppedAt when the stream ended, until an event
	// comes after it.
	at         int
	droppedAt  time.Time
	reconnects int
	reconnect  []time.Duration // from a stream's end to the next one's answer
	resume     []time.Duration // from a stream's end to the next event
}

// noteReceipt records an event received at now.
func (s *subscriber) noteReceipt(now time.Time) {
	o := &s.outage
	if !o.lastAt.IsZero() && now.Sub(o.lastAt) > o.gap {
		o.gap, o.gapEnd = now.Sub(o.lastAt), now
	}
	o.lastAt = now
	if !o.droppedAt.IsZero() {
		o.resume = append(o.resume, now.Sub(o.droppedAt))
		o.droppedAt = time.Time{}
	}
}

// failover reopens an SSE stream that ended at the next node that answers, each node in turn
// from the one after the stream's, after the last seq received, within Timeout. It returns
// nil when the subscriber is stopped or no node answered in time.
func (s *subscriber) failover(ctx context.Context, client *http.Client) *http.Response {
	o := &s.outage
	dropped := time.Now()
	if o.droppedAt.IsZero() {
		o.droppedAt = dropped
	}
	nodes := s.l.cfg.Nodes
	deadline := dropped.Add(s.l.cfg.Timeout)
	for try := 1; ctx.Err() == nil && time.Now().Before(deadline); try++ {
		next := (o.at + try) % len(nodes)
		resp, err := s.openSSE(ctx, client, nodes[next], strconv.FormatInt(s.last.Load(), 10))
		if err == nil {
			o.at = next
			o.reconnects++
			o.reconnect = append(o.reconnect, time.Since(dropped))
			return resp
		}
		if try%len(nodes) == 0 { // every node refused: wait a little before the next round
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
			}
		}
	}
	return nil
}

// send makes mutation i at node, or with -failover at the first node after it that
// acknowledges it, and returns the node that did (node itself when none did).
func (l *driveLoad) send(ctx context.Context, muts []mutator, node int, target, title string) (int, error) {
	var err error
	tries := 1
	if l.cfg.Failover {
		tries = len(muts)
	}
	for try := range tries {
		at := (node + try) % len(muts)
		if l.cfg.Op == "update" {
			err = muts[at].rename(ctx, target, title)
		} else {
			err = muts[at].create(ctx, target, title)
		}
		if err == nil || ctx.Err() != nil {
			return at, err
		}
	}
	return node, err
}

// longestGap returns the longest time between two of the times (in any order) and when it
// ended.
func longestGap(times []time.Time) (time.Duration, time.Time) {
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	var gap time.Duration
	var end time.Time
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d > gap {
			gap, end = d, times[i]
		}
	}
	return gap, end
}

// addOutages adds the subscribers' gaps to their nodes' and their stream reconnections to r.
func (r *driveReport) addOutages(subs []*subscriber) {
	for _, s := range subs {
		if s.readyErr != nil {
			continue
		}
		o := &s.outage
		n := r.Nodes[s.node]
		n.DeliveryGapMs = max(n.DeliveryGapMs, ms(o.gap))
		if o.gapEnd.After(n.DeliveriesResumedAt) {
			n.DeliveriesResumedAt = o.gapEnd
		}
		r.Reconnects += o.reconnects
		r.reconnect = append(r.reconnect, o.reconnect...)
		r.resume = append(r.resume, o.resume...)
	}
}
