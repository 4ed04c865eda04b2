package actors

import (
	"context"
	"encoding/json"
	"math"
	"sync"
	"time"
)

// PollEvery is how often a node reads the seq of every board it holds from a shared store,
// so that a lost announcement delays another node's commit by no more than this.
const PollEvery = time.Second

// wakeBoard tells the manager that a board it may hold is at seq in the database; the
// manager passes it on only to a board that is running, and never spawns one for it.
type wakeBoard struct {
	id  string
	seq int64
}

// heldBoards asks the manager for the ids of the boards it runs.
type heldBoards struct{}

func (wakeBoard) IgnoreDeadLetterLogging() {}

// watch wakes the boards of this node when another node commits to them: on the store's
// announcements, after its listener reconnects (every board catches up), and every
// PollEvery from one query over the boards held here. It passes the other nodes' room notes
// on to the boards running here. It returns when ctx ends and its listeners have.
func (b *Boards) watch(ctx context.Context, store SharedStore) {
	root := b.system.Root
	var listeners sync.WaitGroup
	defer listeners.Wait()
	listeners.Go(func() {
		store.Watch(ctx,
			func(id string, seq int64) { root.Send(b.manager, wakeBoard{id: id, seq: seq}) },
			func() { b.wakeAll() })
	})
	listeners.Go(func() {
		store.WatchRoom(ctx, b.heard, func() { root.Send(b.manager, roomResync{}) })
	})
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			b.poll(ctx, store)
		}
	}
}

// wakeAll has every running board catch up.
func (b *Boards) wakeAll() {
	b.system.Root.Send(b.manager, wakeBoard{seq: math.MaxInt64})
}

// poll reads the seq of every board held here and wakes those that are behind it (a board
// compares with its own).
func (b *Boards) poll(ctx context.Context, store SharedStore) {
	res, err := b.system.Root.RequestFuture(b.manager, heldBoards{}, PollEvery).Result()
	ids, ok := res.([]string)
	if err != nil || !ok || len(ids) == 0 {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, PollEvery)
	defer cancel()
	seqs, err := store.Seqs(qctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			b.opts.Logger.Warn().Err(err).Int("boards", len(ids)).Msg("poll the boards held here")
		}
		return
	}
	for id, seq := range seqs {
		b.system.Root.Send(b.manager, wakeBoard{id: id, seq: seq})
	}
}

// heard passes another node's room note on to its board, if it runs here; the manager never
// spawns a board for it.
func (b *Boards) heard(payload []byte) {
	var n roomNote
	if err := json.Unmarshal(payload, &n); err != nil {
		b.opts.Logger.Warn().Err(err).Msg("decode another node's room note")
		return
	}
	if n.Node != b.node {
		b.system.Root.Send(b.manager, n)
	}
}

// shared reports whether store is written by other nodes too.
func shared(store Store) (SharedStore, bool) {
	s, ok := store.(SharedStore)
	return s, ok && s.Shared()
}
