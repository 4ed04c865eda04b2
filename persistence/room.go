package persistence

import (
	"context"
	"sync"
	"time"
)

// roomChannel is the NOTIFY channel of the boards' rooms: presence, typing and cursors that
// nodes tell each other. Unlike eventsChannel it carries the message itself, which nobody
// stores: a lost one is repaired by the nodes' periodic re-announcements.
const roomChannel = "taskboard_room"

// MaxRoomPayload bounds a payload PublishRoom sends; Postgres refuses a notification of 8000
// bytes or more.
const MaxRoomPayload = 7800

// roomPublisher sends the room messages of this node from one goroutine, in the order they
// were published, after the fact and never inside a transaction. A message with a key
// replaces the one with the same key that is still waiting, in its place.
type roomPublisher struct {
	db      *DB
	mu      sync.Mutex
	pending []string
	keys    map[string]int // key → index in pending
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

func startRoomPublisher(db *DB) *roomPublisher {
	p := &roomPublisher{db: db, keys: map[string]int{}, wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

// PublishRoom sends payload to every node's WatchRoom (this node's too), soon. It never
// blocks: payloads wait in memory for one goroutine to send them in order, and a payload
// with a non-empty key replaces a waiting one with the same key. A payload over
// MaxRoomPayload is dropped and logged. On SQLite, a single node, it does nothing.
func (db *DB) PublishRoom(key string, payload []byte) {
	p := db.room
	if p == nil {
		return
	}
	if len(payload) > MaxRoomPayload {
		db.log.Error().Int("bytes", len(payload)).Msg("room message too large to send")
		return
	}
	p.mu.Lock()
	if i, ok := p.keys[key]; ok && key != "" {
		p.pending[i] = string(payload)
	} else {
		if key != "" {
			p.keys[key] = len(p.pending)
		}
		p.pending = append(p.pending, string(payload))
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *roomPublisher) run() {
	defer close(p.done)
	for {
		select {
		case <-p.stop:
			p.send() // what the boards said as they stopped: users leaving
			return
		case <-p.wake:
			p.send()
		}
	}
}

func (p *roomPublisher) send() {
	p.mu.Lock()
	batch := p.pending
	p.pending, p.keys = nil, map[string]int{}
	p.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := p.db.bun.DB.ExecContext(ctx,
		"SELECT pg_notify('"+roomChannel+"', x) FROM unnest($1::text[]) AS x", batch)
	if err != nil {
		// Presence is re-announced; typing and cursors are fleeting anyway.
		p.db.log.Warn().Err(err).Int("messages", len(batch)).Msg("send room messages")
	}
}

func (p *roomPublisher) close() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
}

// WatchRoom calls received with every payload any node publishes with PublishRoom (this
// node's own too), from one goroutine, in the order each node published them; and resync
// after its listener (re)connects, when payloads may have been missed. It runs until ctx
// ends, reconnecting after a failure; on SQLite it returns at once.
func (db *DB) WatchRoom(ctx context.Context, received func(payload []byte), resync func()) {
	if !db.pg {
		return
	}
	db.listenTo(ctx, roomChannel, resync, func(payload string) {
		received([]byte(payload))
	})
}
