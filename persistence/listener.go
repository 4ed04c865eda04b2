package persistence

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// listenedChannels are the NOTIFY channels a node hears: commits, rooms and revocations. One
// connection LISTENs to all of them. Postgres wakes every listening backend of a database
// for each notification, whatever its channel, so each listening connection more would cost a
// wake-up per notification of every node.
var listenedChannels = []string{eventsChannel, roomChannel, revokedChannel}

// listener is a node's listening connection, shared by the watchers of each channel. It runs
// while at least one watcher is registered, and reconnects after a failure.
type listener struct {
	db *DB
	// starting is held to start or stop the run, so that a watcher that comes while the last
	// one's run is stopping waits for it: two runs never overlap, and notifications keep one
	// order.
	starting sync.Mutex
	mu       sync.Mutex
	watchers map[uint64]watcher
	next     uint64
	up       bool       // connected and listening
	run      *listenRun // while there are watchers
}

// watcher is what one caller of listenTo hears.
type watcher struct {
	channel   string
	connected func()
	notified  func(payload string)
}

// listenRun is one run of the listening goroutine.
type listenRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// listenTo calls notified with the payload of each notification on channel, and connected
// after each (re)connection of the node's listener, when notifications may have been missed
// (at once if it is already listening), until ctx ends. Notifications reach notified from one
// goroutine, in the order they were sent.
func (db *DB) listenTo(ctx context.Context, channel string, connected func(), notified func(payload string)) {
	l := &db.listener
	l.starting.Lock()
	l.mu.Lock()
	id := l.next
	l.next++
	l.watchers[id] = watcher{channel: channel, connected: connected, notified: notified}
	if l.run == nil {
		runCtx, cancel := context.WithCancel(context.Background())
		l.run = &listenRun{cancel: cancel, done: make(chan struct{})}
		go l.loop(runCtx, l.run.done)
	}
	up := l.up
	l.mu.Unlock()
	l.starting.Unlock()
	if up {
		connected()
	}
	<-ctx.Done()
	l.starting.Lock()
	defer l.starting.Unlock()
	l.mu.Lock()
	delete(l.watchers, id)
	stop := l.run
	if len(l.watchers) > 0 {
		stop = nil
	} else {
		l.run = nil
	}
	l.mu.Unlock()
	if stop != nil {
		stop.cancel()
		<-stop.done
	}
}

// loop listens until ctx ends; after a failure it logs and reconnects, backing off up to 2 s.
func (l *listener) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		ok, err := l.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if ok {
			wait = 100 * time.Millisecond
		}
		l.db.log.Warn().Err(err).Dur("retry_in", wait).Msg("listen for other nodes' announcements")
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// listen holds one connection that LISTENs to every channel until it fails or ctx ends.
func (l *listener) listen(ctx context.Context) (ok bool, err error) {
	conn, err := pgx.Connect(ctx, l.db.url)
	if err != nil {
		return false, err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	for _, channel := range listenedChannels {
		if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
			return false, err
		}
	}
	for _, w := range l.connected(true) {
		w.connected()
	}
	defer l.connected(false)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		for _, w := range l.watching(n.Channel) {
			w.notified(n.Payload)
		}
	}
}

// connected records whether the listener is up and returns every watcher.
func (l *listener) connected(up bool) []watcher {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up = up
	return l.selected("")
}

// watching returns the watchers of channel.
func (l *listener) watching(channel string) []watcher {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.selected(channel)
}

// selected returns the watchers of channel, or every one when channel is empty. The caller
// holds l.mu.
func (l *listener) selected(channel string) []watcher {
	var out []watcher
	for _, w := range l.watchers {
		if channel == "" || w.channel == channel {
			out = append(out, w)
		}
	}
	return out
}
